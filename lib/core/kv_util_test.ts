import assert from "node:assert/strict";
import { ApiError } from "./errors.ts";
import { checkAbsent, commitOrConflict, listByIndex } from "./kv_util.ts";

Deno.test("kv_util - listByIndex reads every indexed record in index order, past getMany's 10 keys", async () => {
  await using kv = await Deno.openKv(":memory:");
  const ids = Array.from({ length: 25 }, (_, i) => `id${String(i).padStart(2, "0")}`);
  for (const id of ids) {
    await kv.set(["things", id], { id });
    await kv.set(["things_by_team", "T", id], id);
  }
  await kv.set(["things", "other"], { id: "other" }); // another team's
  await kv.set(["things_by_team", "U", "other"], "other");
  await kv.set(["things_by_team", "T", "zz-gone"], "zz-gone"); // record deleted, index left
  const got = await listByIndex<{ id: string }>(
    kv,
    ["things_by_team", "T"],
    (id) => ["things", id],
  );
  assert.deepEqual(got.map((t) => t.id), ids);
});

Deno.test("kv_util - listByIndex passes the index value to keyOf, newest first with a limit", async () => {
  await using kv = await Deno.openKv(":memory:");
  for (const [alert, id] of [["A1", "d1"], ["A2", "d2"], ["A1", "d3"]]) {
    await kv.set(["deliveries", alert, id], { id, alert });
    await kv.set(["deliveries_by_user", "u", id], alert);
  }
  const got = await listByIndex<{ id: string; alert: string }, string>(
    kv,
    ["deliveries_by_user", "u"],
    (id, alert) => ["deliveries", alert, id],
    { reverse: true, limit: 2 },
  );
  assert.deepEqual(got, [{ id: "d3", alert: "A1" }, { id: "d2", alert: "A2" }]);
});

Deno.test("kv_util - checkAbsent and commitOrConflict refuse to overwrite an existing key with 409", async () => {
  await using kv = await Deno.openKv(":memory:");
  await kv.set(["by_name", "ops"], "first");
  const op = checkAbsent(kv.atomic(), ["things", "new"], ["by_name", "ops"])
    .set(["things", "new"], 1).set(["by_name", "ops"], "second");
  await assert.rejects(
    commitOrConflict(op, "the name is taken"),
    (e) => e instanceof ApiError && e.code === "conflict" && e.message === "the name is taken",
  );
  assert.equal((await kv.get(["by_name", "ops"])).value, "first");
  assert.equal((await kv.get(["things", "new"])).value, null);
  const ok = checkAbsent(kv.atomic(), ["things", "new"]).set(["things", "new"], 1);
  assert.equal((await commitOrConflict(ok, "taken")).ok, true);
});
