import assert from "node:assert/strict";
import { keys } from "../lib/core/keys.ts";
import { createUser } from "../lib/accounts/users.ts";
import {
  adminClient,
  Client,
  connect,
  startServer,
  type TestServer,
  userClient,
} from "./_helpers.ts";

const FIXTURES = new URL("../../shared/fixtures/alertmanager/", import.meta.url);
const fixture = (name: string) => Deno.readTextFile(new URL(name, FIXTURES));

/** An admin, a team with a member and an outsider, and an integration of `type`. */
async function setupTeam(srv: TestServer, type: string, extra: Record<string, unknown> = {}) {
  const { client: admin, user: adminUser } = await adminClient(srv);
  const { client: member, user: memberUser } = await userClient(srv, "Oncall");
  const { client: outsider } = await userClient(srv, "Outsider");
  const team = (await admin.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [memberUser.id],
    adminIds: [adminUser.id],
  })).json.team;
  const r = await admin.post("/api/v1/integrations", {
    name: type,
    type,
    teamId: team.id,
    ...extra,
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const integration = r.json.integration;
  const hook = (body: string, headers: Record<string, string> = {}, query = "") =>
    fetch(`${srv.url}/hooks/${integration.id}${query}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${r.json.token}`,
        "content-type": "application/json",
        ...headers,
      },
      body,
    }).then(async (res) => ({ status: res.status, json: await res.json().catch(() => null) }));
  const teamConv = (await admin.get(`/api/v1/teams/${team.id}`)).json.team.conversationId as string;
  return {
    admin,
    member,
    memberUser,
    outsider,
    team,
    integration,
    token: r.json.token as string,
    hook,
    teamConv,
  };
}

async function alertsOf(c: Client) {
  return (await c.get("/api/v1/alerts")).json.items;
}

Deno.test("alertmanager - a firing group becomes one card; a repeat updates it; resolved when all are", async () => {
  await using srv = await startServer();
  const t = await setupTeam(srv, "alertmanager");
  const group = await fixture("firing-group.json");
  const r1 = await t.hook(group);
  assert.equal(r1.status, 202);
  assert.equal(r1.json.alerts[0].outcome, "created");
  let [alert] = await alertsOf(t.member);
  assert.equal(alert.status, "triggered");
  assert.equal(alert.priority, "urgent", "severity critical -> urgent");
  assert.equal(alert.items.length, 2);
  assert.equal(alert.summary, "结账服务错误率超过 5%");
  assert.ok(alert.links.some((l: { text: string }) => l.text === "runbook"));
  // The card is a message in the team's alert conversation.
  const history =
    (await t.member.get(`/api/v1/conversations/${t.teamConv}/messages?after=0`)).json.items;
  const card = history.find((m: { kind: string }) => m.kind === "alert");
  assert.equal(card.alertId, alert.id);
  assert.equal(card.seq, alert.seq);

  // The same group 8 s later: one resolved, one firing. Still one card, not resolved.
  const partly = await t.hook(await fixture("group-partly-resolved.json"));
  assert.equal(partly.json.alerts[0].outcome, "updated");
  [alert] = await alertsOf(t.member);
  assert.equal(alert.status, "triggered");
  assert.deepEqual(
    alert.items.map((i: { fingerprint: string; status: string }) => [i.fingerprint, i.status])
      .sort(),
    [["7d0488c730e818a9", "firing"], ["9f83a706ff03b16e", "resolved"]],
  );
  assert.equal(alert.firingCount, 2);
  // Everything resolved: the card resolves; the next firing opens a new alert.
  const allResolved = JSON.parse(await fixture("group-partly-resolved.json"));
  for (const a of allResolved.alerts) {
    a.status = "resolved";
    a.endsAt = "2026-11-24T23:03:00Z";
  }
  allResolved.status = "resolved";
  await t.hook(JSON.stringify(allResolved));
  [alert] = await alertsOf(t.member);
  assert.equal(alert.status, "resolved");
  // A late resend of the very first delivery changes nothing...
  assert.equal((await t.hook(group)).json.alerts[0].outcome, "duplicate");
  // ...but the group firing again (new startsAt) opens a new alert.
  const refire = JSON.parse(group);
  for (const a of refire.alerts) a.startsAt = "2026-11-24T23:30:00Z";
  const again = await t.hook(JSON.stringify(refire));
  assert.equal(again.json.alerts[0].outcome, "created");
  const all = await alertsOf(t.member);
  assert.equal(all.length, 2);
  const detail = (await t.member.get(`/api/v1/alerts/${alert.id}`)).json;
  assert.deepEqual(detail.timeline.map((e: { kind: string }) => e.kind), [
    "triggered",
    "routed",
    "notified",
    "repeated",
    "resolved",
  ]);
  assert.equal(detail.timeline[4].via, "source:alertmanager");
});

Deno.test("alertmanager - duplicate deliveries (an HA trio, retries) change nothing", async () => {
  await using srv = await startServer();
  const t = await setupTeam(srv, "alertmanager");
  const body = await fixture("firing-single.json");
  const rs = await Promise.all([1, 2, 3, 4, 5, 6].map(() => t.hook(body)));
  assert.ok(rs.every((r) => r.status === 202));
  const outcomes = rs.map((r) => r.json.alerts[0].outcome).sort();
  assert.deepEqual(outcomes, [
    "created",
    "duplicate",
    "duplicate",
    "duplicate",
    "duplicate",
    "duplicate",
  ]);
  const [alert] = await alertsOf(t.member);
  assert.equal(alert.firingCount, 1);
  assert.equal(alert.priority, "medium", "warning -> medium");
  assert.equal((await alertsOf(t.member)).length, 1);
  const history =
    (await t.member.get(`/api/v1/conversations/${t.teamConv}/messages?after=0`)).json.items;
  assert.equal(history.filter((m: { kind: string }) => m.kind === "alert").length, 1);
});

Deno.test("hooks - wrong or missing token is 401 and stores nothing; ?token= works", async () => {
  await using srv = await startServer();
  const t = await setupTeam(srv, "alertmanager");
  const body = await fixture("firing-single.json");
  assert.equal((await t.hook(body, { authorization: "Bearer tih_wrong" })).status, 401);
  assert.equal((await t.hook(body, { authorization: "" })).status, 401);
  assert.equal((await alertsOf(t.member)).length, 0);
  const q = await t.hook(body, { authorization: "" }, `?token=${t.token}`);
  assert.equal(q.status, 202);
  const unknown = await fetch(`${srv.url}/hooks/01ARZ3NDEKTSV4RRFFQ69G5FAV`, {
    method: "POST",
    body,
  });
  assert.equal(unknown.status, 404);
  await unknown.body?.cancel();
});

Deno.test("hooks - malformed and oversized bodies are 4xx, never 5xx, never half-written", async () => {
  await using srv = await startServer({ config: { hookMaxBodyBytes: 10_000 } });
  const t = await setupTeam(srv, "alertmanager");
  const bad = [
    "{nope",
    "[]",
    "null",
    '{"status":"firing","alerts":[]}',
    '{"status":"firing","alerts":[{"status":"weird","labels":{}}]}',
    '{"__proto__":{"x":1},"status":"firing"}',
    JSON.stringify({ status: "firing", alerts: "x".repeat(100) }),
  ];
  for (const b of bad) {
    const r = await t.hook(b);
    assert.ok(r.status >= 400 && r.status < 500, `${r.status} for ${b.slice(0, 40)}`);
    assert.equal(typeof r.json.error.message, "string");
  }
  const huge = await t.hook(
    JSON.stringify({ status: "firing", alerts: [], pad: "x".repeat(20_000) }),
  );
  assert.equal(huge.status, 413);
  assert.equal((await alertsOf(t.member)).length, 0);
  // Unknown fields are kept in the raw payload, not rejected.
  const withExtra = JSON.parse(await fixture("firing-single.json"));
  withExtra.somethingNew = { keep: "me" };
  assert.equal((await t.hook(JSON.stringify(withExtra))).status, 202);
  const [alert] = await alertsOf(t.member);
  const raw = (await srv.kv.get<string>(keys.alertRaw(alert.id))).value!;
  assert.match(raw, /somethingNew/);
});

Deno.test("grafana - webhook with values, dashboard links, image and HMAC signature", async () => {
  await using srv = await startServer();
  const secret = "grafana-signing-secret-123";
  const t = await setupTeam(srv, "grafana", { signingSecret: secret });
  const body = JSON.stringify({
    receiver: "tocsin",
    status: "firing",
    orgId: 1,
    alerts: [{
      status: "firing",
      labels: { alertname: "HighCPU", severity: "error", instance: "web-1" },
      annotations: { summary: "CPU above 90%" },
      startsAt: "2026-11-25T00:00:00Z",
      endsAt: "0001-01-01T00:00:00Z",
      generatorURL: "https://grafana.example/alerting/grafana/abc/view",
      fingerprint: "aaa111",
      silenceURL: "https://grafana.example/alerting/silence/new",
      dashboardURL: "https://grafana.example/d/xyz",
      panelURL: "https://grafana.example/d/xyz?viewPanel=2",
      imageURL: "https://grafana.example/render/abc.png",
      values: { B: 93.5 },
    }],
    groupLabels: { alertname: "HighCPU" },
    commonLabels: { alertname: "HighCPU", severity: "error" },
    commonAnnotations: { summary: "CPU above 90%" },
    externalURL: "https://grafana.example/",
    version: "1",
    groupKey: '{}:{alertname="HighCPU"}',
    truncatedAlerts: 0,
    title: "[FIRING:1] HighCPU (web-1)",
    state: "alerting",
    message: "CPU is high",
  });
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const sign = async (s: string) =>
    [...new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(s)))]
      .map((b) => b.toString(16).padStart(2, "0")).join("");
  assert.equal((await t.hook(body)).status, 401, "unsigned is refused when a secret is set");
  assert.equal((await t.hook(body, { "x-grafana-alerting-signature": "00" })).status, 401);
  const ts = String(Math.floor(Date.now() / 1000));
  const ok = await t.hook(body, {
    "x-grafana-alerting-signature": await sign(`${ts}:${body}`),
    "x-grafana-alerting-timestamp": ts,
  });
  assert.equal(ok.status, 202);
  const [alert] = await alertsOf(t.member);
  assert.equal(alert.title, "[FIRING:1] HighCPU (web-1)");
  assert.equal(alert.priority, "high", "error -> high");
  assert.deepEqual(alert.items[0].values, { B: 93.5 });
  assert.deepEqual(
    alert.links.map((l: { text: string }) => l.text).sort(),
    ["dashboard", "panel", "silence", "source"],
  );
  assert.deepEqual(alert.images, [{
    src: "https://grafana.example/render/abc.png",
    alt: "HighCPU",
  }]);
  const plain = await t.hook(body, { "x-grafana-alerting-signature": await sign(body) });
  assert.equal(plain.status, 202, "body-only signatures (no timestamp header) work too");
});

Deno.test("events - PagerDuty Events v2: trigger, acknowledge, resolve by dedup_key; 400 shape", async () => {
  await using srv = await startServer();
  const t = await setupTeam(srv, "events");
  const send = (body: unknown) => t.hook(JSON.stringify(body), { authorization: "" });
  const trig = await send({
    routing_key: t.token,
    event_action: "trigger",
    dedup_key: "disk-db2",
    payload: {
      summary: "Disk 95% on db-2",
      source: "db-2",
      severity: "critical",
      component: "postgres",
      custom_details: { free: "2G" },
    },
    links: [{ href: "https://wiki.example/disk", text: "runbook" }],
  });
  assert.equal(trig.status, 202);
  assert.deepEqual(trig.json, {
    status: "success",
    message: "Event processed",
    dedup_key: "disk-db2",
  });
  let [alert] = await alertsOf(t.member);
  assert.equal(alert.priority, "urgent");
  assert.equal(alert.labels.component, "postgres");
  assert.equal(alert.annotations.free, "2G");
  await send({ routing_key: t.token, event_action: "acknowledge", dedup_key: "disk-db2" });
  [alert] = await alertsOf(t.member);
  assert.equal(alert.status, "acknowledged");
  await send({ routing_key: t.token, event_action: "resolve", dedup_key: "disk-db2" });
  [alert] = await alertsOf(t.member);
  assert.equal(alert.status, "resolved");
  const generated = await send({
    routing_key: t.token,
    event_action: "trigger",
    payload: { summary: "x", source: "y", severity: "info" },
  });
  assert.equal(typeof generated.json.dedup_key, "string");
  const bad = await send({
    routing_key: t.token,
    event_action: "trigger",
    payload: { summary: "x" },
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.status, "invalid event");
  const wrong = await send({
    routing_key: "nope",
    event_action: "trigger",
    payload: { summary: "x", source: "y", severity: "info" },
  });
  assert.equal(wrong.status, 401);
});

Deno.test("text - curl -d 'disk full on db-2' just works, with Title and Priority", async () => {
  await using srv = await startServer();
  const t = await setupTeam(srv, "text");
  const res = await fetch(`${srv.url}/hooks/${t.integration.id}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${t.token}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: "disk full on db-2",
  });
  assert.equal(res.status, 202);
  await res.body?.cancel();
  await t.hook("disk full on db-2", { "content-type": "text/plain" });
  const p = await t.hook("backup failed", { title: "Nightly backup", priority: "high" });
  assert.equal(p.status, 202);
  const all = await alertsOf(t.member);
  const disk = all.find((a: { title: string }) => a.title === "disk full on db-2");
  assert.equal(disk.firingCount, 2, "the same text repeats into the open alert");
  const backup = all.find((a: { title: string }) => a.title === "Nightly backup");
  assert.equal(backup.priority, "high");
  assert.equal((await t.hook("x", { priority: "whenever" })).status, 400);
  assert.equal((await t.hook("   ")).status, 400);
});

Deno.test("zabbix - problem, acknowledged update, other update, recovery", async () => {
  await using srv = await startServer();
  const t = await setupTeam(srv, "zabbix");
  const base = {
    event_id: "8812",
    event_nseverity: "4",
    event_name: "High CPU on web-3",
    event_tags: '[{"tag":"service","value":"web"}]',
    host_name: "web-3",
    trigger_id: "17",
    event_url: "https://zabbix.example/tr_events.php?triggerid=17&eventid=8812",
  };
  assert.equal((await t.hook(JSON.stringify({ ...base, event_value: "1" }))).status, 202);
  let [alert] = await alertsOf(t.member);
  assert.equal(alert.priority, "high", "NSEVERITY 4 -> high");
  assert.equal(alert.labels.service, "web");
  await t.hook(JSON.stringify({
    ...base,
    event_value: "1",
    event_update_status: "1",
    event_ack_status: "Yes",
    update_action: "acknowledged",
    update_message: "taking it",
    update_user: "zbx-admin",
  }));
  [alert] = await alertsOf(t.member);
  assert.equal(alert.status, "acknowledged");
  await t.hook(JSON.stringify({
    ...base,
    event_value: "1",
    event_update_status: "1",
    event_ack_status: "Yes",
    update_action: "commented",
    update_message: "looking at it",
    update_user: "zbx-admin",
  }));
  await t.hook(JSON.stringify({ ...base, event_value: "0" }));
  [alert] = await alertsOf(t.member);
  assert.equal(alert.status, "resolved");
  const detail = (await t.member.get(`/api/v1/alerts/${alert.id}`)).json;
  assert.deepEqual(detail.timeline.map((e: { kind: string }) => e.kind), [
    "triggered",
    "routed",
    "notified",
    "acknowledged",
    "note",
    "resolved",
  ]);
  assert.equal(detail.timeline[4].note, "zbx-admin: looking at it");
});

Deno.test("lifecycle - ack, resolve, reopen, notes and /commands, assign, priority; outsiders get 404", async () => {
  await using srv = await startServer();
  const t = await setupTeam(srv, "text");
  await t.hook("api latency high");
  const [a] = await alertsOf(t.member);
  const url = `/api/v1/alerts/${a.id}`;
  assert.equal((await t.outsider.get(url)).status, 404);
  assert.equal((await t.outsider.post(`${url}/ack`)).status, 404);
  assert.deepEqual((await t.outsider.get("/api/v1/alerts")).json.items, []);

  const ack = await t.member.post(`${url}/ack`, { note: "on it", via: "card" });
  assert.equal(ack.json.alert.status, "acknowledged");
  assert.equal(ack.json.alert.acknowledgedBy, t.memberUser.id);
  assert.equal((await t.member.post(`${url}/ack`)).status, 409);
  assert.equal((await t.member.post(`${url}/notes`, { text: "restarted the pods" })).status, 200);
  const resolved = await t.member.post(`${url}/notes`, { text: "/resolve fixed by rollback" });
  assert.equal(resolved.json.alert.status, "resolved");
  const reopened = await t.member.post(`${url}/reopen`);
  assert.equal(reopened.json.alert.status, "triggered");
  // While open again, a repeat of the same text updates this alert.
  await t.hook("api latency high");
  assert.equal((await alertsOf(t.member)).length, 1);

  const due = Date.now() - 60_000;
  const assigned = await t.member.post(`${url}/assign`, { userId: t.memberUser.id, dueAt: due });
  assert.equal(assigned.json.alert.assigneeId, t.memberUser.id);
  const tasks = (await t.member.get("/api/v1/alerts?assignee=me&status=open")).json.items;
  assert.equal(tasks.length, 1);
  assert.equal(tasks[0].overdue, true);
  const outsiderId = (await t.outsider.get("/api/v1/me")).json.user.id;
  assert.equal((await t.member.post(`${url}/assign`, { userId: outsiderId })).status, 400);
  const prio = await t.member.post(`${url}/priority`, {
    priority: "urgent",
    note: "customer facing",
  });
  assert.equal(prio.json.alert.priority, "urgent");
  assert.equal((await t.member.get("/api/v1/alerts?priority=urgent")).json.items.length, 1);
  assert.equal((await t.member.get("/api/v1/alerts?status=resolved")).json.items.length, 0);

  const timeline = (await t.member.get(url)).json.timeline;
  assert.deepEqual(timeline.map((e: { kind: string; via: string }) => `${e.kind}/${e.via}`), [
    "triggered/source:text",
    "routed/source:text",
    "notified/in-app",
    "acknowledged/card",
    "note/api",
    "resolved/command",
    "reopened/api",
    "notified/in-app",
    "repeated/source:text",
    "assigned/api",
    "priority/api",
  ]);
  assert.equal(timeline[3].note, "on it");
  assert.equal(timeline[5].note, "fixed by rollback");
});

Deno.test("alerts - the card arrives live and updates in place in every client", async () => {
  await using srv = await startServer();
  const t = await setupTeam(srv, "text");
  const ws = await connect(t.member);
  await t.hook("queue backlog growing");
  await ws.until((f) => f.some((x) => x.type === "message" && x.message.kind === "alert"));
  const card = ws.frames.find((x) => x.type === "message" && x.message.kind === "alert");
  const alertId = card?.type === "message" ? card.message.alertId : "";
  await t.admin.post(`/api/v1/alerts/${alertId}/ack`);
  await ws.until((f) =>
    f.some((x) => x.type === "alert" && x.alert.id === alertId && x.alert.status === "acknowledged")
  );
  ws.close();
});

Deno.test("integrations - only admins and team admins create them; the token is never shown again", async () => {
  await using srv = await startServer();
  const t = await setupTeam(srv, "alertmanager");
  const denied = await t.member.post("/api/v1/integrations", {
    name: "x",
    type: "text",
    teamId: t.team.id,
  });
  assert.equal(denied.status, 403);
  const list = await t.member.get(`/api/v1/integrations?teamId=${t.team.id}`);
  assert.equal(list.json.items.length, 1);
  assert.equal(JSON.stringify(list.json).includes(t.token), false);
  assert.equal(list.json.items[0].url, `/hooks/${t.integration.id}`);
  assert.equal((await t.outsider.get(`/api/v1/integrations?teamId=${t.team.id}`)).status, 404);
  const rotated = await t.admin.post(`/api/v1/integrations/${t.integration.id}/token`);
  assert.equal(
    (await t.hook(await fixture("firing-single.json"))).status,
    401,
    "the old token stops",
  );
  const ok = await t.hook(await fixture("firing-single.json"), {
    authorization: `Bearer ${rotated.json.token}`,
  });
  assert.equal(ok.status, 202);
  // Team membership changes reach the alert conversation.
  const { user: newbie, client: nc } = await userClient(srv, "Newbie");
  await t.admin.post(`/api/v1/teams/${t.team.id}/members`, { userIds: [newbie.id] });
  assert.equal((await nc.get(`/api/v1/conversations/${t.teamConv}`)).status, 200);
  await t.admin.delete(`/api/v1/teams/${t.team.id}/members/${newbie.id}`);
  assert.equal((await nc.get(`/api/v1/conversations/${t.teamConv}`)).status, 404);
});

Deno.test("teams - a large team's alert conversation holds every member, however it grew", async () => {
  await using srv = await startServer();
  const { client: admin } = await adminClient(srv);
  const ids: string[] = [];
  for (let i = 0; i < 900; i++) {
    const u = await createUser(srv.core, {
      email: `big${i}@example.com`,
      name: `Big ${i}`,
      password: "user-password",
      role: "member",
    });
    ids.push(u.id);
  }
  const members = async (conv: string) => {
    let n = 0;
    for await (const _ of srv.core.kv.list({ prefix: keys.members(conv) })) n++;
    const c = (await srv.core.kv.get<{ memberCount: number }>(keys.conversation(conv))).value!;
    return { listed: n, counted: c.memberCount };
  };
  const hook = (teamId: string) =>
    admin.post("/api/v1/integrations", { name: "am", type: "alertmanager", teamId });
  const teamConv = async (id: string) =>
    (await admin.get(`/api/v1/teams/${id}`)).json.team.conversationId as string;

  // The conversation exists, then 600 join in one request (more than one commit holds).
  const a = (await admin.post("/api/v1/teams", { name: "Big A", memberIds: ids.slice(0, 300) }))
    .json.team;
  assert.equal((await hook(a.id)).status, 201);
  const add = await admin.post(`/api/v1/teams/${a.id}/members`, { userIds: ids.slice(300) });
  assert.equal(add.status, 200, JSON.stringify(add.json));
  assert.deepEqual(await members(await teamConv(a.id)), { listed: 900, counted: 900 });

  // 900 members before the conversation is created on first use.
  const b = (await admin.post("/api/v1/teams", { name: "Big B", memberIds: ids.slice(0, 300) }))
    .json.team;
  await admin.post(`/api/v1/teams/${b.id}/members`, { userIds: ids.slice(300) });
  assert.equal((await hook(b.id)).status, 201);
  assert.deepEqual(await members(await teamConv(b.id)), { listed: 900, counted: 900 });
});
