import assert from "node:assert/strict";
import { ManualClock } from "../core/clock.ts";
import { keys } from "../core/keys.ts";
import { type Migration, MIGRATION_LOCK_TTL_MS, runMigrations } from "./migrations.ts";

function counted(name: string, runs: string[]): Migration {
  return { name, run: () => Promise.resolve(runs.push(name)) };
}

Deno.test("migrations - run in order, once; a recorded one is skipped", async () => {
  await using kv = await Deno.openKv(":memory:");
  const clock = new ManualClock();
  const runs: string[] = [];
  const list = [counted("a", runs), counted("b", runs)];
  assert.deepEqual(await runMigrations({ kv, clock }, list), ["a", "b"]);
  assert.deepEqual(await runMigrations({ kv, clock }, [...list, counted("c", runs)]), ["c"]);
  assert.deepEqual(runs, ["a", "b", "c"]);
});

Deno.test("migrations - a live lock is waited for; a stale one is taken over", async () => {
  await using kv = await Deno.openKv(":memory:");
  const clock = new ManualClock();
  const runs: string[] = [];
  // Another process holds a live lock, then records the migration: this one waits and skips it.
  await kv.set(keys.migrationLock("a"), { owner: "other", until: clock.now() + 60_000 });
  const waiting = runMigrations({ kv, clock }, [counted("a", runs)]);
  await new Promise((r) => setTimeout(r, 250));
  assert.deepEqual(runs, []);
  await kv.atomic().set(keys.migration("a"), { ranAt: 1, by: "other" })
    .delete(keys.migrationLock("a")).commit();
  assert.deepEqual(await waiting, []);
  // A process died holding the lock of "b": past the TTL, the next start runs it.
  await kv.set(keys.migrationLock("b"), { owner: "dead", until: clock.now() + 1 });
  clock.advance(MIGRATION_LOCK_TTL_MS);
  assert.deepEqual(await runMigrations({ kv, clock }, [counted("b", runs)]), ["b"]);
  assert.equal((await kv.get(keys.migrationLock("b"))).value, null);
});

Deno.test("migrations - a failing migration is not recorded and frees its lock", async () => {
  await using kv = await Deno.openKv(":memory:");
  const clock = new ManualClock();
  const bad: Migration = { name: "x", run: () => Promise.reject(new Error("boom")) };
  await assert.rejects(runMigrations({ kv, clock }, [bad]), /boom/);
  assert.equal((await kv.get(keys.migration("x"))).value, null);
  assert.equal((await kv.get(keys.migrationLock("x"))).value, null);
  const runs: string[] = [];
  assert.deepEqual(await runMigrations({ kv, clock }, [counted("x", runs)]), ["x"]);
});
