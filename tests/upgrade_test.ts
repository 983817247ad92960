/**
 * Upgrades: tests/fixtures/upgrade/tocsin.kv was written by an earlier version (generate.ts next
 * to it). A copy of it is migrated by two processes starting together (each migration runs once),
 * then Tocsin starts on it and every entity reads back through the API, old tokens and passwords
 * still work, and the pending timers it holds fire without becoming dead letters.
 */
import assert from "node:assert/strict";
import { TimerSchema } from "../lib/jobs/timers.ts";
import { MIGRATIONS } from "../lib/ops/migrations.ts";
import { Client, sleep } from "./_helpers.ts";
import { freePort, ServerProcess } from "./_process.ts";
import { COUNTED_KEY } from "./_migrate_child.ts";

const FIXTURE = new URL("./fixtures/upgrade/tocsin.kv", import.meta.url).pathname;
const CHILD = new URL("./_migrate_child.ts", import.meta.url).pathname;
const manifest = JSON.parse(
  await Deno.readTextFile(new URL("./fixtures/upgrade/manifest.json", import.meta.url)),
);

async function migrateInChild(kvPath: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CHILD, kvPath],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

Deno.test({
  name:
    "upgrade - an earlier version's store: migrations run once across two processes, every entity reads back",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "tocsin-upgrade-" });
    const kvPath = `${dir}/tocsin.kv`;
    await Deno.copyFile(FIXTURE, kvPath);
    try {
      // The timers the fixture holds parse under today's schema.
      const timers: { id: string; dueAt: number }[] = [];
      {
        const kv = await Deno.openKv(kvPath);
        for await (const e of kv.list({ prefix: ["timers"] })) {
          const t = TimerSchema.safeParse(e.value);
          assert.ok(t.success, `timer ${String(e.key[1])} parses`);
          timers.push({ id: t.data.id, dueAt: t.data.dueAt });
        }
        kv.close();
      }
      assert.ok(timers.length >= 2, "the fixture has pending timers");
      // The migrations the fixture's version had already run (later ones must run now, once).
      const had = new Set<string>();
      {
        const kv = await Deno.openKv(kvPath);
        for await (const e of kv.list({ prefix: ["migrations"] })) had.add(String(e.key[1]));
        kv.close();
      }
      assert.ok(had.has("alert_list_indexes"), "the fixture records its migrations");

      // Two processes start together: the new migration runs in exactly one of them.
      const [a, b] = await Promise.all([migrateInChild(kvPath), migrateInChild(kvPath)]);
      assert.deepEqual([a, b].map((r) => r.includes("test_counted")).sort(), [false, true]);
      for (const m of MIGRATIONS) {
        if (had.has(m.name)) {
          assert.ok(!a.includes(m.name) && !b.includes(m.name), `${m.name} ran when written`);
        } else {
          const ran = [a, b].filter((r) => r.includes(m.name)).length;
          assert.equal(ran, 1, `${m.name}, newer than the fixture, runs in exactly one process`);
        }
      }
      {
        const kv = await Deno.openKv(kvPath);
        assert.equal((await kv.get<Deno.KvU64>(COUNTED_KEY)).value?.value, 1n);
        assert.ok((await kv.get(["migrations", "test_counted"])).value);
        for (const m of MIGRATIONS) assert.ok((await kv.get(["migrations", m.name])).value, m.name);
        const locks = [];
        for await (const e of kv.list({ prefix: ["migration_locks"] })) locks.push(e.key);
        assert.deepEqual(locks, [], "no lock left behind");
        kv.close();
      }
      // A third start runs nothing.
      assert.deepEqual(await migrateInChild(kvPath), []);

      await using srv = new ServerProcess(kvPath, freePort(), { TOCSIN_TIMER_SWEEP_MS: "500" });
      await srv.start();
      const admin = new Client(srv.url);
      assert.equal((await admin.post("/api/v1/session", manifest.admin)).status, 200);
      const users = (await admin.get("/api/v1/users?limit=200")).json.items.map((
        u: { id: string },
      ) => u.id);
      for (const id of manifest.userIds) assert.ok(users.includes(id), `user ${id}`);
      const team = await admin.get(`/api/v1/teams/${manifest.teamId}`);
      assert.equal(team.status, 200);
      assert.equal(team.json.team.name, "SRE Core");
      const msgs = await admin.get(`/api/v1/conversations/${manifest.conversationId}/messages`);
      assert.equal(msgs.status, 200);
      const texts = msgs.json.items.map((m: { text: string }) => m.text);
      for (const t of manifest.messages) assert.ok(texts.includes(t), t);
      assert.equal(
        (await admin.get(`/api/v1/schedules/${manifest.scheduleId}`)).json.schedule.name,
        "Primary",
      );
      assert.equal(
        (await admin.get(`/api/v1/escalation-policies/${manifest.policyId}`)).json.policy.name,
        "Page then escalate",
      );
      assert.equal(
        (await admin.get(`/api/v1/integrations/${manifest.integrationId}`)).json.integration.name,
        "text hook",
      );
      for (const id of manifest.alertIds) {
        assert.equal((await admin.get(`/api/v1/alerts/${id}`)).status, 200, `alert ${id}`);
      }
      const listed = (await admin.get(`/api/v1/alerts?teamId=${manifest.teamId}`)).json;
      assert.ok(Array.isArray(listed.items), JSON.stringify(listed));
      const listedIds = listed.items.map((x: { id: string }) => x.id);
      for (const id of manifest.alertIds) assert.ok(listedIds.includes(id), `listed ${id}`);
      // The integration's stored token still lets its sender in.
      const hook = await fetch(`${srv.url}/hooks/${manifest.integrationId}`, {
        method: "POST",
        headers: { authorization: `Bearer ${manifest.integrationToken}` },
        body: "after the upgrade",
      });
      assert.equal(hook.status, 202);
      await hook.body?.cancel();

      // The fixture's due timers fire (they are gone) and none became a dead letter.
      const deadline = Date.now() + 30_000;
      let left: string[] = [];
      while (Date.now() < deadline) {
        const sys = (await admin.get("/api/v1/system")).json;
        assert.equal(sys.timers.deadLetters, 0, JSON.stringify(sys.deadLetters));
        await srv.stop();
        const kv = await Deno.openKv(kvPath);
        left = [];
        for (const t of timers) {
          if (t.dueAt <= Date.now() && (await kv.get(["timers", t.id])).value) left.push(t.id);
        }
        kv.close();
        if (!left.length) break;
        await srv.start();
        await sleep(1_000);
      }
      assert.deepEqual(left, [], "every due timer of the fixture fired");
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
