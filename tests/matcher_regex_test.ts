/**
 * Routing and automation regexes over HTTP: RE2 only (a clear 400 for what
 * RE2 refuses, at save time and in the dry run), bounded in cost, and never a
 * reason to refuse an alert.
 */
import assert from "node:assert/strict";
import { keys } from "../lib/core/keys.ts";
import { ROUTING_PROGRAM_MAX } from "../lib/core/config.ts";
import { adminClient, startServer, type TestServer, userClient } from "./_helpers.ts";

async function setup(srv: TestServer) {
  const { client: admin, user: adminUser } = await adminClient(srv);
  const ann = await userClient(srv, "Ann");
  const team = (await admin.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [ann.user.id],
    adminIds: [adminUser.id],
  })).json.team;
  const hook = (await admin.post("/api/v1/integrations", {
    name: "am",
    type: "alertmanager",
    teamId: team.id,
  })).json;
  const payload = (labels: Record<string, string>) =>
    JSON.stringify({
      status: "firing",
      alerts: [{ status: "firing", labels: { alertname: "Down", ...labels } }],
      commonLabels: { alertname: "Down", ...labels },
      groupKey: JSON.stringify(labels),
    });
  const dryRun = (labels: Record<string, string>) =>
    ann.client.post(`/api/v1/teams/${team.id}/routing/dry-run`, {
      integrationId: hook.integration.id,
      body: payload(labels),
    });
  const putRouting = (routes: unknown[]) =>
    admin.request("PUT", `/api/v1/teams/${team.id}/routing`, { routes });
  return { admin, ann, team, hook, payload, dryRun, putRouting };
}

const route = (name: string, value: string) => ({
  name,
  matchers: [{ field: "label", label: "service", op: "=~", value }],
  priority: "low",
});

Deno.test("matcher regex - RE2-refused and too costly patterns are a 400 naming the reason", async () => {
  await using srv = await startServer();
  const t = await setup(srv);
  for (
    const [value, reason] of [
      ["(a)\\1", /not a valid RE2 pattern.*backreferences and lookaround/],
      ["(?=db)db.*", /not a valid RE2 pattern/],
      ["(?<!x)y", /not a valid RE2 pattern/],
      ["(.{1,30}){1,30}", /too complex/],
    ] as const
  ) {
    const r = await t.putRouting([route("r", value)]);
    assert.equal(r.status, 400, value);
    assert.equal(r.json.error.code, "invalid_input");
    assert.match(r.json.error.message, /^routes\.0\.matchers\.0\.value: /, value);
    assert.match(r.json.error.message, reason, value);
  }
  // Each pattern alone is fine; together they exceed the routing's budget.
  const costly = "(a{1,15}){1,15}";
  const many = Array.from(
    { length: Math.ceil(ROUTING_PROGRAM_MAX / 481) + 1 },
    (_, i) => route(`r${i}`, costly),
  );
  assert.equal((await t.putRouting([route("one", costly)])).status, 200);
  const r = await t.putRouting(many);
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /too complex together/);
  // Automation rules share the matchers.
  const rule = await t.admin.post("/api/v1/automation-rules", {
    name: "x",
    teamId: t.team.id,
    when: {
      unacknowledgedForMinutes: 5,
      matchers: [{ field: "title", op: "!~", value: "(?!maintenance).*" }],
    },
    actions: [{ type: "priority", priority: "urgent" }],
  });
  assert.equal(rule.status, 400);
  assert.match(rule.json.error.message, /when\.matchers\.0\.value: not a valid RE2 pattern/);
});

Deno.test("matcher regex - (a+)+b routes long labels at once; the dry run answers", async () => {
  await using srv = await startServer();
  const t = await setup(srv);
  assert.equal((await t.putRouting([route("nested", "(a+)+b")])).status, 200);
  for (const n of [29, 40, 10_000]) {
    const r = await t.dryRun({ service: "a".repeat(n) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.results[0].decision.route, "default", `${n} a's, no b`);
  }
  const hit = await t.dryRun({ service: "a".repeat(40) + "b" });
  assert.equal(hit.json.results[0].decision.route, "nested");
  assert.equal(hit.json.results[0].decision.priority, "low");
});

Deno.test("matcher regex - a stored pattern RE2 refuses: the dry run says so, alerts take the other routes", async () => {
  await using srv = await startServer();
  const t = await setup(srv);
  // Saved before patterns were RE2 (a JavaScript lookahead).
  await srv.kv.set(keys.routing(t.team.id), {
    routes: [route("legacy", "(?!staging).*"), route("db", "postgres")],
    updatedAt: 0,
  });
  const dry = await t.dryRun({ service: "postgres" });
  assert.equal(dry.status, 400);
  assert.equal(dry.json.error.code, "invalid_input");
  assert.match(dry.json.error.message, /route legacy: .*not a valid RE2 pattern/);
  const res = await fetch(`${srv.url}/hooks/${t.hook.integration.id}`, {
    method: "POST",
    headers: { authorization: `Bearer ${t.hook.token}` },
    body: t.payload({ service: "postgres" }),
  });
  assert.equal(res.status, 202);
  const id = (await res.json()).alerts[0].alertId;
  const alert = (await t.admin.get(`/api/v1/alerts/${id}`)).json;
  assert.equal(
    alert.timeline.find((e: { kind: string }) => e.kind === "routed").detail.route,
    "db",
    "the refused route is skipped, the next one applies",
  );
});
