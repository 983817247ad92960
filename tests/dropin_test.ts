/**
 * Drop-in compatibility: PagerDuty's /v2/enqueue (driven by PagerDuty's own JavaScript client),
 * basic auth, Grafana's header names and legacy bodies, Alertmanager's group status and load
 * shedding, Zabbix's subject, message and Test button, ntfy's headers and priorities.
 */
import assert from "node:assert/strict";
import * as https from "node:https";
import type { LookupFunction } from "node:net";
import * as pdjs from "@pagerduty/pdjs";
import { adminClient, type Client, startServer, type TestServer } from "./_helpers.ts";
import { CERT, KEY } from "./_tls.ts";

async function setup(srv: TestServer, type: string, extra: Record<string, unknown> = {}) {
  const { client: admin, user } = await adminClient(srv);
  const team = (await admin.post("/api/v1/teams", { name: "SRE", adminIds: [user.id] })).json
    .team;
  return { ...await addIntegration(admin, team.id, type, extra), admin, team };
}

async function addIntegration(
  admin: Client,
  teamId: string,
  type: string,
  extra: Record<string, unknown> = {},
) {
  const r = await admin.post("/api/v1/integrations", {
    name: type,
    type,
    teamId,
    ...extra,
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return { integration: r.json.integration, token: r.json.token as string };
}

const post = (
  srv: TestServer,
  path: string,
  body: string,
  headers: Record<string, string> = {},
) =>
  fetch(`${srv.url}${path}`, { method: "POST", headers, body }).then(async (res) => ({
    status: res.status,
    headers: res.headers,
    json: await res.json().catch(() => null),
  }));

async function alertsOf(c: Client) {
  return (await c.get("/api/v1/alerts")).json.items;
}

const basic = (user: string, password: string) => "Basic " + btoa(`${user}:${password}`);

Deno.test("pagerduty - pdjs pointed at Tocsin's base URL triggers, acknowledges and resolves", async () => {
  await using srv = await startServer();
  const t = await setup(srv, "events", { keyFormat: "pagerduty" });
  assert.match(t.token, /^[0-9a-f]{32}$/, "PagerDuty's 32-character routing key");
  assert.equal(t.integration.keyFormat, "pagerduty");
  assert.equal(t.integration.enqueueUrl, `${srv.url}/v2/enqueue`);
  // pdjs speaks https only: a TLS front for the same app, reached under the certificate's name.
  await using front = Deno.serve(
    { port: 0, hostname: "127.0.0.1", cert: CERT, key: KEY, onListen() {} },
    (req, info) => srv.app.fetch(req, info),
  );
  const lookup: LookupFunction = (_n, opts, cb) =>
    opts?.all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4);
  const agent = new https.Agent({ ca: CERT, lookup, keepAlive: false });
  const server = `hooks.example.test:${front.addr.port}`;
  const send = (fn: typeof pdjs.trigger, data: Record<string, unknown>) =>
    // deno-lint-ignore no-explicit-any
    fn({ server, agent, data: { routing_key: t.token, ...data } } as any);

  const trig = await send(pdjs.trigger, {
    dedup_key: "disk-db2",
    payload: { summary: "Disk 95% on db-2", source: "db-2", severity: "critical" },
  });
  assert.equal(trig.status, 202);
  assert.deepEqual(trig.data, {
    status: "success",
    message: "Event processed",
    dedup_key: "disk-db2",
  });
  let [alert] = await alertsOf(t.admin);
  assert.equal(alert.title, "Disk 95% on db-2");
  assert.equal(alert.priority, "urgent");
  assert.equal((await send(pdjs.acknowledge, { dedup_key: "disk-db2" })).status, 202);
  [alert] = await alertsOf(t.admin);
  assert.equal(alert.status, "acknowledged");
  assert.equal((await send(pdjs.resolve, { dedup_key: "disk-db2" })).status, 202);
  [alert] = await alertsOf(t.admin);
  assert.equal(alert.status, "resolved");
  agent.destroy();
});

Deno.test("pagerduty - /v2/enqueue answers 400 and 429 in PagerDuty's shapes", async () => {
  await using srv = await startServer();
  const t = await setup(srv, "events", { keyFormat: "pagerduty" });
  const other = await addIntegration(t.admin, t.team.id, "alertmanager");
  const ev = (routing_key: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      routing_key,
      event_action: "trigger",
      payload: { summary: "x", source: "y", severity: "info" },
      ...extra,
    });
  const generated = await post(srv, "/v2/enqueue", ev(t.token));
  assert.equal(generated.status, 202);
  assert.equal(generated.json.status, "success");
  assert.equal(typeof generated.json.dedup_key, "string");

  const bad = await post(srv, "/v2/enqueue", ev(t.token, { payload: { summary: "x" } }));
  assert.equal(bad.status, 400);
  assert.equal(bad.json.status, "invalid event");
  assert.equal(typeof bad.json.message, "string");
  assert.ok(Array.isArray(bad.json.errors) && bad.json.errors.length > 0);
  for (const key of ["0".repeat(32), other.token]) {
    const unknown = await post(srv, "/v2/enqueue", ev(key));
    assert.equal(unknown.status, 400, "an unknown key or another type's token never succeeds");
    assert.equal(unknown.json.status, "invalid event");
  }
  assert.equal((await post(srv, "/v2/enqueue", "{")).status, 400);

  // Paused: PagerDuty's 429 with Retry-After (its clients retry it), and nothing stored.
  await t.admin.patch(`/api/v1/integrations/${t.integration.id}`, { disabled: true });
  const paused = await post(srv, "/v2/enqueue", ev(t.token, { dedup_key: "later" }));
  assert.equal(paused.status, 429);
  assert.equal(paused.json.status, "throttle event");
  assert.equal(paused.headers.get("retry-after"), String(srv.config.disabledHookRetryAfterS));
  assert.equal((await alertsOf(t.admin)).length, 1);

  // A rotated key works at once and the old one stops.
  await t.admin.patch(`/api/v1/integrations/${t.integration.id}`, { disabled: false });
  const rotated = (await t.admin.post(`/api/v1/integrations/${t.integration.id}/token`)).json.token;
  assert.match(rotated, /^[0-9a-f]{32}$/);
  assert.equal((await post(srv, "/v2/enqueue", ev(t.token))).status, 400);
  assert.equal((await post(srv, "/v2/enqueue", ev(rotated))).status, 202);
  // The routing key form is for events integrations only.
  const wrongType = await t.admin.post("/api/v1/integrations", {
    name: "am",
    type: "alertmanager",
    teamId: t.team.id,
    keyFormat: "pagerduty",
  });
  assert.equal(wrongType.status, 400);
});

Deno.test("pagerduty - integrations created before the index are found after a restart", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  try {
    let token: string;
    {
      await using srv = await startServer({ kvPath: path });
      const t = await setup(srv, "events");
      token = t.token;
      // As an older version stored it: no token index.
      const keys = [];
      for await (const e of srv.kv.list({ prefix: ["integration_by_token_hash"] })) {
        keys.push(e.key);
      }
      for (const k of keys) await srv.kv.delete(k);
      // ...nor the record that its migration ran.
      await srv.kv.delete(["migrations", "integration_token_index"]);
    }
    await using srv = await startServer({ kvPath: path });
    const body = JSON.stringify({
      routing_key: token,
      event_action: "trigger",
      payload: { summary: "x", source: "y", severity: "info" },
    });
    assert.equal((await post(srv, "/v2/enqueue", body)).status, 202);
  } finally {
    await Deno.remove(path).catch(() => {});
  }
});

Deno.test("hooks - HTTP basic auth carries the token (password, or user with no password)", async () => {
  await using srv = await startServer();
  const t = await setup(srv, "text");
  const path = `/hooks/${t.integration.id}`;
  assert.equal(
    (await post(srv, path, "a", { authorization: basic("tocsin", t.token) })).status,
    202,
  );
  assert.equal((await post(srv, path, "b", { authorization: basic(t.token, "") })).status, 202);
  assert.equal(
    (await post(srv, path, "c", { authorization: basic("tocsin", "nope") })).status,
    401,
  );
  assert.equal((await post(srv, path, "d", { authorization: "Basic !!!" })).status, 401);
  assert.equal((await alertsOf(t.admin)).length, 2);
});

async function hmac(secret: string, s: string) {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return [...new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(s)))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

const grafanaBody = JSON.stringify({
  receiver: "tocsin",
  status: "firing",
  alerts: [{
    status: "firing",
    labels: { alertname: "HighCPU", severity: "error" },
    annotations: { summary: "CPU above 90%" },
    startsAt: "2026-11-25T00:00:00Z",
    fingerprint: "f1",
  }],
  groupLabels: { alertname: "HighCPU" },
  commonLabels: { alertname: "HighCPU" },
  groupKey: "g1",
  title: "[FIRING:1] HighCPU",
});

Deno.test("grafana - both default signature header names; chosen names per integration", async () => {
  await using srv = await startServer();
  const secret = "grafana-signing-secret-123";
  const t = await setup(srv, "grafana", { signingSecret: secret });
  const path = `/hooks/${t.integration.id}`;
  const auth = { authorization: basic("grafana", t.token) };
  const sig = await hmac(secret, grafanaBody);
  assert.equal((await post(srv, path, grafanaBody, auth)).status, 401);
  for (const name of ["X-Grafana-Alerting-Signature", "X-Grafana-Alert-Signature"]) {
    const r = await post(srv, path, grafanaBody, { ...auth, [name]: sig });
    assert.equal(r.status, 202, name);
  }
  // Chosen names: only they count, with the chosen timestamp header.
  const patched = await t.admin.patch(`/api/v1/integrations/${t.integration.id}`, {
    signatureHeader: "X-My-Sig",
    timestampHeader: "X-My-Time",
  });
  assert.equal(patched.status, 200);
  assert.equal(patched.json.integration.signatureHeader, "x-my-sig");
  assert.equal(patched.json.integration.timestampHeader, "x-my-time");
  assert.equal(
    (await post(srv, path, grafanaBody, { ...auth, "X-Grafana-Alerting-Signature": sig })).status,
    401,
  );
  const ts = String(Math.floor(Date.now() / 1000));
  const signed = await hmac(secret, `${ts}:${grafanaBody}`);
  assert.equal(
    (await post(srv, path, grafanaBody, { ...auth, "X-My-Sig": signed, "X-My-Time": ts })).status,
    202,
  );
  const old = String(Math.floor(Date.now() / 1000) - 3600);
  const stale = await hmac(secret, `${old}:${grafanaBody}`);
  assert.equal(
    (await post(srv, path, grafanaBody, { ...auth, "X-My-Sig": stale, "X-My-Time": old })).status,
    401,
  );
  const badName = await t.admin.patch(`/api/v1/integrations/${t.integration.id}`, {
    signatureHeader: "bad header\r\n",
  });
  assert.equal(badName.status, 400);
  const notGrafana = await addIntegration(t.admin, t.team.id, "text");
  const wrong = await t.admin.patch(`/api/v1/integrations/${notGrafana.integration.id}`, {
    signatureHeader: "x-sig",
  });
  assert.equal(wrong.status, 400);
});

Deno.test("grafana - legacy (pre-unified) webhook bodies open and resolve an alert", async () => {
  await using srv = await startServer();
  const t = await setup(srv, "grafana");
  const path = `/hooks/${t.integration.id}`;
  const auth = { authorization: `Bearer ${t.token}` };
  const legacy = (state: string, title: string) =>
    JSON.stringify({
      dashboardId: 1,
      evalMatches: [{ value: 100, metric: "High value", tags: null }],
      imageUrl: "https://grafana.com/assets/img/blog/mixed_styles.png",
      message: "Someone is testing the alert notification within Grafana.",
      orgId: 0,
      panelId: 1,
      ruleId: 7,
      ruleName: "Panel Title alert",
      ruleUrl: "https://grafana.example/d/abc?fullscreen&edit&tab=alert&panelId=1&orgId=1",
      state,
      tags: { severity: "critical", service: "api" },
      title,
    });
  assert.equal(
    (await post(srv, path, legacy("alerting", "[Alerting] Panel Title alert"), auth)).status,
    202,
  );
  let [alert] = await alertsOf(t.admin);
  assert.equal(alert.title, "Panel Title alert");
  assert.equal(alert.status, "triggered");
  assert.equal(alert.priority, "urgent");
  assert.equal(alert.labels.service, "api");
  assert.match(alert.annotations.values, /High value=100/);
  assert.equal(alert.links[0].href.startsWith("https://grafana.example/d/abc"), true);
  assert.equal(alert.images.length, 1);
  assert.equal((await post(srv, path, legacy("ok", "[OK] Panel Title alert"), auth)).status, 202);
  [alert] = await alertsOf(t.admin);
  assert.equal(alert.status, "resolved");
  assert.equal((await alertsOf(t.admin)).length, 1);
});

Deno.test("alertmanager - an alert without status takes the group's; paused and busy are 503 + Retry-After", async () => {
  await using srv = await startServer();
  const t = await setup(srv, "alertmanager");
  const path = `/hooks/${t.integration.id}`;
  const auth = { authorization: basic("am", t.token) };
  const group = (status: string, groupKey = '{}:{alertname="Down"}') =>
    JSON.stringify({
      version: "4",
      status,
      receiver: "tocsin",
      groupKey,
      groupLabels: { alertname: "Down" },
      commonLabels: { alertname: "Down" },
      alerts: [
        { labels: { alertname: "Down", instance: "a" }, startsAt: "2026-11-25T00:00:00Z" },
        { labels: { alertname: "Down", instance: "b" }, startsAt: "2026-11-25T00:00:00Z" },
      ],
    });
  assert.equal((await post(srv, path, group("firing"), auth)).status, 202);
  let [alert] = await alertsOf(t.admin);
  assert.deepEqual(alert.items.map((i: { status: string }) => i.status), ["firing", "firing"]);
  assert.equal((await post(srv, path, group("resolved"), auth)).status, 202);
  [alert] = await alertsOf(t.admin);
  assert.equal(alert.status, "resolved");

  await t.admin.patch(`/api/v1/integrations/${t.integration.id}`, { disabled: true });
  const paused = await post(srv, path, group("firing"), auth);
  assert.equal(paused.status, 503);
  assert.ok(Number(paused.headers.get("retry-after")) > 0);
  await t.admin.patch(`/api/v1/integrations/${t.integration.id}`, { disabled: false });

  // The store refusing every commit (overload): still 503 with Retry-After, never a 4xx.
  const commit = Deno.AtomicOperation.prototype.commit;
  Deno.AtomicOperation.prototype.commit = function () {
    return Promise.resolve({ ok: false } as Deno.KvCommitError);
  };
  try {
    const busy = await post(srv, path, group("firing", "another group"), auth);
    assert.equal(busy.status, 503);
    assert.ok(Number(busy.headers.get("retry-after")) > 0);
  } finally {
    Deno.AtomicOperation.prototype.commit = commit;
  }
});

Deno.test("zabbix - alert_subject and alert_message; the media type's Test is a clear 2xx", async () => {
  await using srv = await startServer();
  const t = await setup(srv, "zabbix");
  const path = `/hooks/${t.integration.id}`;
  const auth = { authorization: `Bearer ${t.token}` };
  const test = await post(
    srv,
    path,
    JSON.stringify({
      alert_subject: "{ALERT.SUBJECT}",
      alert_message: "{ALERT.MESSAGE}",
      event_id: "{EVENT.ID}",
      event_value: "{EVENT.VALUE}",
      host_name: "{HOST.NAME}",
    }),
    auth,
  );
  assert.equal(test.status, 200);
  assert.equal(test.json.test, true);
  assert.match(test.json.message, /test/i);
  assert.equal((await alertsOf(t.admin)).length, 0, "a test opens nothing");
  const noId = await post(srv, path, JSON.stringify({ alert_subject: "{ALERT.SUBJECT}" }), auth);
  assert.equal(noId.status, 200, "the dialog without an event_id parameter is a test too");
  const broken = await post(srv, path, JSON.stringify({ alert_subject: "disk full" }), auth);
  assert.equal(broken.status, 400, "a media type without event_id hears its mistake");
  // Without the token the test is refused like anything else.
  assert.equal((await post(srv, path, JSON.stringify({ event_id: "{EVENT.ID}" }))).status, 401);

  const r = await post(
    srv,
    path,
    JSON.stringify({
      alert_subject: "Problem: High CPU on web-3",
      alert_message: "Problem started at 10:00\nHost: web-3\nSeverity: High",
      event_id: "9001",
      event_value: "1",
      event_nseverity: "4",
      event_name: "High CPU",
      host_name: "web-3",
    }),
    auth,
  );
  assert.equal(r.status, 202);
  const [alert] = await alertsOf(t.admin);
  assert.equal(alert.title, "Problem: High CPU on web-3");
  assert.equal(alert.summary, "Problem started at 10:00\nHost: web-3\nSeverity: High");
});

Deno.test("text - ntfy's header aliases and priority scale", async () => {
  await using srv = await startServer();
  const t = await setup(srv, "text");
  const path = `/hooks/${t.integration.id}`;
  const auth = { authorization: `Bearer ${t.token}` };
  const cases: [Record<string, string>, string, string][] = [
    [{ "X-Priority": "5", "X-Title": "five" }, "five", "urgent"],
    [{ p: "1", t: "one" }, "one", "low"],
    [{ "X-Priority": "4", Title: "four" }, "four", "high"],
    [{ Priority: "3", "X-Title": "three" }, "three", "medium"],
    [{ p: "max", t: "max" }, "max", "urgent"],
    [{ p: "min", t: "min" }, "min", "low"],
    [{ p: "default", t: "default" }, "default", "medium"],
    [{ p: "urgent", t: "urgent" }, "urgent", "urgent"],
    [{ "X-Priority": "high", "X-Title": "high", "X-Tags": "warning, disk" }, "high", "high"],
  ];
  for (const [headers, title, _] of cases) {
    const r = await post(srv, path, `body of ${title}`, { ...auth, ...headers });
    assert.equal(r.status, 202, title);
  }
  const q = await post(srv, `${path}?t=query&p=5`, "from the query", auth);
  assert.equal(q.status, 202);
  const all = await alertsOf(t.admin);
  for (const [, title, priority] of [...cases, [{}, "query", "urgent"] as const]) {
    const a = all.find((x: { title: string }) => x.title === title);
    assert.ok(a, title);
    assert.equal(a.priority, priority, title);
  }
  assert.equal(all.find((x: { title: string }) => x.title === "high").labels.tags, "warning,disk");
  assert.equal((await post(srv, path, "x", { ...auth, p: "6" })).status, 400);
});
