import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { keys } from "../lib/core/keys.ts";
import { sweepAlertRetention } from "../lib/alerts/retention.ts";
import { adminClient, startServer } from "./_helpers.ts";

const DAY = 86_400_000;

Deno.test("alert retention - resolved alerts past the retention go with every record beside them; others stay", async () => {
  const clock = new ManualClock();
  await using srv = await startServer({
    clock,
    config: { timerSweepMs: 0, alertRetentionDays: 30, retentionSweepMs: 0 },
  });
  const { client: admin, user } = await adminClient(srv);
  const team = (await admin.post("/api/v1/teams", { name: "SRE", adminIds: [user.id] })).json
    .team;
  const hook =
    (await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id })).json;
  const open = async (title: string) => {
    const r = await fetch(`${srv.url}/hooks/${hook.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${hook.token}`, priority: "urgent", title },
      body: title,
    });
    return (await r.json()).alerts[0].alertId as string;
  };
  const old = await open("old");
  await admin.post(`/api/v1/alerts/${old}/assign`, { userId: user.id });
  await admin.post(`/api/v1/alerts/${old}/notes`, { text: "a note" });
  await admin.post(`/api/v1/alerts/${old}/resolve`);
  const stillOpen = await open("still open");
  clock.advance(20 * DAY);
  const recent = await open("recent");
  await admin.post(`/api/v1/alerts/${recent}/resolve`);
  clock.advance(11 * DAY);

  const everything = async (id: string) => {
    const n: Record<string, number> = {};
    for await (const e of srv.kv.list({ prefix: [] })) {
      if (e.key.includes(id)) n[String(e.key[0])] = (n[String(e.key[0])] ?? 0) + 1;
    }
    return n;
  };
  const before = await everything(old);
  for (const k of ["alerts", "alert_timeline", "alert_people", "alert_raw", "alerts_by_team"]) {
    assert.ok(before[k], `${k} exists before`);
  }
  assert.deepEqual(await sweepAlertRetention(srv.core), { deleted: 1 });
  assert.deepEqual(await everything(old), {}, "no key names the deleted alert");
  for (const id of [stillOpen, recent]) {
    assert.ok((await srv.kv.get(keys.alert(id))).value, "kept");
  }
  // The list indexes name the kept ones only (the session expired meanwhile: read KV).
  const listed: string[] = [];
  for await (const e of srv.kv.list({ prefix: ["alerts_by_team_status", team.id] })) {
    listed.push(String(e.key[3]));
  }
  assert.deepEqual(listed.sort(), [stillOpen, recent].sort());
  // Off (0): nothing is deleted.
  srv.core.config.alertRetentionDays = 0;
  clock.advance(100 * DAY);
  assert.deepEqual(await sweepAlertRetention(srv.core), { deleted: 0 });
});
