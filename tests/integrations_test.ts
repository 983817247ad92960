/** Integrations over HTTP: who may change them, rotate, pause, test alerts, counters, delete. */
import assert from "node:assert/strict";
import { adminClient, startServer, type TestServer, userClient } from "./_helpers.ts";

async function setup(srv: TestServer) {
  const { client: admin, user: adminUser } = await adminClient(srv);
  const lead = await userClient(srv, "Lead");
  const member = await userClient(srv, "Member");
  const outsider = await userClient(srv, "Outsider");
  const team = (await admin.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [member.user.id, lead.user.id],
    adminIds: [adminUser.id, lead.user.id],
  })).json.team;
  return { admin, lead, member, outsider, team };
}

const post = (srv: TestServer, id: string, token: string, body = "disk full") =>
  fetch(`${srv.url}/hooks/${id}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body,
  });

Deno.test("integrations - team admins manage, members read, outsiders see nothing", async () => {
  await using srv = await startServer({ config: { sendRatePerSec: 0 } });
  const s = await setup(srv);
  // Members may not create; the team admin may.
  const denied = await s.member.client.post("/api/v1/integrations", {
    name: "x",
    type: "text",
    teamId: s.team.id,
  });
  assert.equal(denied.status, 403);
  const created = await s.lead.client.post("/api/v1/integrations", {
    name: "prod",
    type: "text",
    teamId: s.team.id,
  });
  assert.equal(created.status, 201);
  const id = created.json.integration.id;
  assert.equal(created.json.integration.hookUrl, `${srv.url}/hooks/${id}`);
  assert.deepEqual(created.json.integration.stats, { alerts: 0, events: 0, lastAlertAt: null });
  assert.equal(JSON.stringify(created.json.integration).includes("tokenHash"), false);

  const list = await s.member.client.get(`/api/v1/integrations?teamId=${s.team.id}`);
  assert.equal(list.status, 200);
  assert.deepEqual(list.json.items.map((i: { id: string }) => i.id), [id]);
  for (
    const [method, path, body] of [
      ["PATCH", `/api/v1/integrations/${id}`, { disabled: true }],
      ["POST", `/api/v1/integrations/${id}/token`, {}],
      ["POST", `/api/v1/integrations/${id}/test`, {}],
      ["DELETE", `/api/v1/integrations/${id}`, undefined],
    ] as const
  ) {
    const m = await s.member.client.request(method, path, body);
    assert.equal(m.status, 403, `member ${method} ${path}`);
    const o = await s.outsider.client.request(method, path, body);
    assert.equal(o.status, 404, `outsider ${method} ${path}`);
  }
  // Nothing changed by the refused calls.
  assert.equal((await post(srv, id, created.json.token)).status, 202);
  // The global admin may manage too.
  const renamed = await s.admin.patch(`/api/v1/integrations/${id}`, { name: "prod-am" });
  assert.equal(renamed.status, 200);
  assert.equal(renamed.json.integration.name, "prod-am");
  const bad = await s.lead.client.patch(`/api/v1/integrations/${id}`, { disabled: "yes" });
  assert.equal(bad.status, 400);
});

Deno.test("integrations - rotate, pause (503 + Retry-After, nothing stored), test alert, counters, delete", async () => {
  await using srv = await startServer({ config: { sendRatePerSec: 0 } });
  const s = await setup(srv);
  const created = await s.lead.client.post("/api/v1/integrations", {
    name: "prod",
    type: "text",
    teamId: s.team.id,
  });
  const id = created.json.integration.id;
  const old = created.json.token;
  assert.equal((await post(srv, id, old, "first")).status, 202);
  assert.equal((await post(srv, id, old, "first")).status, 202); // a repeat: an event, not an alert

  const rotated = await s.lead.client.post(`/api/v1/integrations/${id}/token`);
  assert.equal(rotated.status, 200);
  assert.notEqual(rotated.json.token, old);
  assert.equal((await post(srv, id, old, "second")).status, 401);
  assert.equal((await post(srv, id, rotated.json.token, "second")).status, 202);

  const stats = (await s.member.client.get(`/api/v1/integrations/${id}`)).json.integration.stats;
  assert.equal(stats.alerts, 2);
  assert.equal(stats.events, 3);
  assert.ok(stats.lastAlertAt > Date.now() - 60_000);

  const paused = await s.lead.client.patch(`/api/v1/integrations/${id}`, { disabled: true });
  assert.equal(paused.json.integration.disabled, true);
  const refused = await post(srv, id, rotated.json.token, "third");
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get("retry-after"), String(srv.config.disabledHookRetryAfterS));
  assert.match((await refused.json()).error.message, /disabled/);
  // A wrong token still hears 401, not that the integration exists and is paused.
  assert.equal((await post(srv, id, "tih_wrong", "third")).status, 401);
  const count = (await s.member.client.get("/api/v1/alerts?status=open")).json.items.length;
  assert.equal(count, 2);
  assert.equal((await s.lead.client.post(`/api/v1/integrations/${id}/test`)).status, 409);

  await s.lead.client.patch(`/api/v1/integrations/${id}`, { disabled: false });
  const test = await s.lead.client.post(`/api/v1/integrations/${id}/test`);
  assert.equal(test.status, 201);
  assert.equal(test.json.outcome, "created");
  const alert = (await s.member.client.get(`/api/v1/alerts/${test.json.alertId}`)).json.alert;
  assert.match(alert.title, /^\[TEST\]/);
  assert.equal(alert.labels.tocsin_test, "true");
  assert.equal(alert.integrationId, id);
  // Raw payload: team admins only.
  assert.equal((await s.member.client.get(`/api/v1/alerts/${alert.id}/raw`)).status, 403);
  const raw = await s.lead.client.get(`/api/v1/alerts/${alert.id}/raw`);
  assert.equal(raw.status, 200);
  assert.equal(JSON.parse(raw.json.raw).test, true);
  const after = (await s.member.client.get(`/api/v1/integrations/${id}`)).json.integration.stats;
  assert.equal(after.alerts, 3);

  assert.equal((await s.lead.client.delete(`/api/v1/integrations/${id}`)).status, 200);
  assert.equal((await post(srv, id, rotated.json.token, "fourth")).status, 404);
  assert.equal((await s.member.client.get(`/api/v1/integrations/${id}`)).status, 404);
});

Deno.test("integrations - the hook URL uses TOCSIN_PUBLIC_URL when it is set", async () => {
  await using srv = await startServer({
    config: { sendRatePerSec: 0, publicOrigin: null },
  });
  const s = await setup(srv);
  srv.config.publicOrigin = "https://tocsin.example.com";
  const r = await s.admin.request("POST", "/api/v1/integrations", {
    name: "am",
    type: "alertmanager",
    teamId: s.team.id,
  }, { origin: "https://tocsin.example.com" });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal(
    r.json.integration.hookUrl,
    `https://tocsin.example.com/hooks/${r.json.integration.id}`,
  );
});
