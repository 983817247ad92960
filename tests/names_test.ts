import assert from "node:assert/strict";
import { migrateTeamNameIndex } from "../lib/accounts/teams.ts";
import { keys } from "../lib/core/keys.ts";
import { adminClient, startServer } from "./_helpers.ts";

Deno.test("teams - names differing only in normalisation, zero-width characters or case collide", async () => {
  await using srv = await startServer();
  const { client: admin } = await adminClient(srv);
  assert.equal((await admin.post("/api/v1/teams", { name: "Café Ops" })).status, 201);
  for (const name of ["Cafe\u0301 Ops", "CAFÉ OPS", "Caf\u200Dé Ops", "Ｃａｆé Ｏｐｓ"]) {
    const r = await admin.post("/api/v1/teams", { name });
    assert.equal(r.status, 409, JSON.stringify(name));
    assert.equal(r.json.error.code, "conflict");
  }
  const bidi = await admin.post("/api/v1/teams", { name: "Ops\u202E" });
  assert.equal(bidi.status, 400);
  assert.equal(bidi.json.error.code, "invalid_input");
  const zw = await admin.patch("/api/v1/me", { name: "Ad\u200Bmin" });
  assert.equal(zw.status, 400);
});

Deno.test("teams - the name index written under the old key form is re-keyed once", async () => {
  await using srv = await startServer();
  const { client: admin } = await adminClient(srv);
  const team = (await admin.post("/api/v1/teams", { name: "Ｏps" })).json.team;
  // As an older version stored it: the plain lower-case form.
  await srv.kv.atomic().delete(keys.teamByName("Ｏps")).set(["teams_by_name", "ｏps"], team.id)
    .commit();
  await srv.kv.delete(keys.migration("team_name_key"));
  await migrateTeamNameIndex(srv.kv);
  assert.equal((await srv.kv.get(["teams_by_name", "ｏps"])).value, null);
  assert.equal((await srv.kv.get(keys.teamByName("ops"))).value, team.id);
  assert.equal((await admin.post("/api/v1/teams", { name: "OPS" })).status, 409);
});
