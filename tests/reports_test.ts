import assert from "node:assert/strict";
import { adminClient, Client, startServer, userClient } from "./_helpers.ts";
import { migrateRollups } from "../lib/reports/migrate.ts";

type Table = { id: string; rows: Record<string, string | number | null>[] };
const table = (report: { tables: Table[] }, id: string) => report.tables.find((t) => t.id === id)!;

Deno.test("reports - figures come from the rollups; an ack race counts once; access; migration", async () => {
  await using srv = await startServer();
  const { client: admin, user: adminUser } = await adminClient(srv);
  const member = await userClient(srv, "Mia");
  const outsider = await userClient(srv, "Otto");
  const team = (await admin.post("/api/v1/teams", {
    name: "Payments",
    memberIds: [member.user.id],
    adminIds: [adminUser.id],
  })).json.team;
  const { integration, token } = (await admin.post("/api/v1/integrations", {
    name: "text",
    type: "text",
    teamId: team.id,
  })).json;
  const fire = async (title: string, priority: string, key: string) => {
    const r = await fetch(`${srv.url}/hooks/${integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, title, priority, "dedup-key": key },
      body: title,
    });
    return (await r.json()).alerts[0].alertId as string;
  };
  const a = await fire("disk full", "high", "disk");
  assert.equal(await fire("disk full", "high", "disk"), a, "a repeat is the same alert");
  const b = await fire("cpu hot", "urgent", "cpu");
  await fire("disk full", "low", "disk2");

  // Two people acknowledge A at once: one wins, the other gets 409 and counts nowhere.
  const race = await Promise.all([
    admin.post(`/api/v1/alerts/${a}/ack`, {}),
    member.client.post(`/api/v1/alerts/${a}/ack`, {}),
  ]);
  assert.deepEqual(race.map((r) => r.status).sort(), [200, 409]);
  assert.equal((await member.client.post(`/api/v1/alerts/${a}/resolve`, {})).status, 200);
  assert.equal((await admin.post(`/api/v1/alerts/${b}/resolve`, {})).status, 200);

  const r = await member.client.get(`/api/v1/reports?team=${team.id}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const report = r.json.report;
  assert.equal(report.totals.alerts, 3);
  assert.equal(report.totals.acknowledged, 1);
  assert.equal(report.totals.neverAcknowledged, 2);
  assert.equal(report.totals.resolved, 2);
  assert.equal(report.totals.resolutionRate, 2 / 3);
  assert.deepEqual(
    table(report, "priorities").rows.map((x) => x.count),
    [1, 1, 0, 1],
    "urgent, high, medium, low",
  );
  assert.deepEqual(table(report, "sources").rows, [{ source: "text", count: 3 }]);
  assert.deepEqual(table(report, "titles").rows[0], {
    title: "disk full",
    count: 2,
    neverAcknowledged: 1,
  });
  const people = new Map(table(report, "people").rows.map((x) => [x.userId, x]));
  const acks = [...people.values()].reduce((s, x) => s + Number(x.acks), 0);
  assert.equal(acks, 1, "the lost race counts for nobody");
  assert.equal(people.get(member.user.id)?.resolves, 1);
  assert.equal(people.get(adminUser.id)?.resolves, 1);
  // No policy: the whole team is paged for each of the three alerts.
  assert.equal(people.get(member.user.id)?.pages, 3);
  const days = table(report, "days").rows;
  assert.equal(days.length, 7);
  assert.equal(days.at(-1)?.total, 3);

  // Access: another team's member gets 404, a member across teams 403, bad input 400.
  assert.equal((await outsider.client.get(`/api/v1/reports?team=${team.id}`)).status, 404);
  assert.equal((await member.client.get("/api/v1/reports")).status, 403);
  assert.equal((await admin.get("/api/v1/reports")).json.report.totals.alerts, 3);
  const bad = await admin.get("/api/v1/reports?from=2026-01-01&to=2026-12-31");
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, "invalid_input");
  assert.equal((await admin.get("/api/v1/reports?from=2026-02-01&to=2026-01-01")).status, 400);

  // A store from before rollups: the migration rebuilds the same figures from the timelines.
  const before = JSON.stringify(report);
  for await (const e of srv.kv.list({ prefix: ["rollups"] })) await srv.kv.delete(e.key);
  assert.equal(
    (await member.client.get(`/api/v1/reports?team=${team.id}`)).json.report.totals.alerts,
    0,
  );
  assert.equal(await migrateRollups(srv.kv, srv.config), 3);
  assert.equal(await migrateRollups(srv.kv, srv.config), 0, "a second run counts nothing again");
  const rebuilt = (await member.client.get(`/api/v1/reports?team=${team.id}`)).json.report;
  assert.equal(JSON.stringify(rebuilt), before);

  // An escalation that reaches the policy's last level counts once, live and in a recount.
  const policy = (await admin.post("/api/v1/escalation-policies", {
    name: "two levels",
    teamId: team.id,
    levels: [
      { delayMinutes: 30, targets: [{ type: "user", id: member.user.id }] },
      { delayMinutes: 30, targets: [{ type: "user", id: adminUser.id }] },
    ],
  })).json.policy;
  await admin.request("PUT", `/api/v1/teams/${team.id}/escalation-policy`, { policyId: policy.id });
  const c = await fire("db down", "urgent", "db");
  assert.equal((await member.client.post(`/api/v1/alerts/${c}/escalate`, {})).status, 200);
  const escalated = (await admin.get(`/api/v1/reports?team=${team.id}`)).json.report;
  assert.equal(escalated.totals.escalatedToLast, 1);
  for await (const e of srv.kv.list({ prefix: ["rollups"] })) await srv.kv.delete(e.key);
  await srv.kv.delete(["rollup_migration_cursor"]);
  await migrateRollups(srv.kv, srv.config);
  assert.equal(
    JSON.stringify((await admin.get(`/api/v1/reports?team=${team.id}`)).json.report),
    JSON.stringify(escalated),
  );
});

Deno.test({
  name: "reports - an upgraded store has reports: the migration counts the alerts it holds",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const fixture = new URL("./fixtures/upgrade/", import.meta.url);
    const manifest = JSON.parse(await Deno.readTextFile(new URL("manifest.json", fixture)));
    const dir = await Deno.makeTempDir({ prefix: "tocsin-reports-upgrade-" });
    await Deno.copyFile(new URL("tocsin.kv", fixture).pathname, `${dir}/tocsin.kv`);
    try {
      await using srv = await startServer({ kvPath: `${dir}/tocsin.kv` });
      const admin = new Client(srv.url);
      assert.equal((await admin.post("/api/v1/session", manifest.admin)).status, 200);
      const days: string[] = [];
      for (const id of manifest.alertIds) {
        const a = (await admin.get(`/api/v1/alerts/${id}`)).json.alert;
        days.push(new Date(a.createdAt).toISOString().slice(0, 10));
      }
      days.sort();
      const r = await admin.get(`/api/v1/reports?from=${days[0]}&to=${days.at(-1)}`);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.json.report.totals.alerts, manifest.alertIds.length);
      assert.ok(table(r.json.report, "people").rows.length > 0, "the pages were counted");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
