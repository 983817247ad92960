/**
 * Credentials senders put in payloads never reach a stored alert: through each source, the alert
 * as read back (GET /api/v1/alerts/:id, the list) and its stored raw payload hold no secret.
 * And a payload nested 100,000 deep is a plain 400 for every JSON source.
 */
import assert from "node:assert/strict";
import { keys } from "../lib/core/keys.ts";
import { adminClient, startServer, type TestServer } from "./_helpers.ts";

/** Every secret the payloads below carry; none may be found in what is stored. */
const SECRETS = [
  "pgSup3rSecret",
  "redisPa55word",
  "sk_bearer_0123456789abcdef",
  "xoxb-1234567890-0987654321-abcdefghijkl",
  "AKIAIOSFODNN7EXAMPLE",
  "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
  "dingtokenABCDEF0123456789",
  "labelPasswordValue",
  "Zm9vOmJhcmJhenF1eA", // base64 of "foo:barbazqux" (Basic)
];
/** Text that carries all of them, in the forms they turn up in. */
const LEAKY = "db postgres://app:pgSup3rSecret@db.internal:5432/app " +
  "cache redis://:redisPa55word@cache:6379 Authorization: Bearer sk_bearer_0123456789abcdef " +
  "slack xoxb-1234567890-0987654321-abcdefghijkl aws AKIAIOSFODNN7EXAMPLE " +
  "gh ghp_abcdefghijklmnopqrstuvwxyz0123456789 " +
  "robot https://oapi.dingtalk.com/robot/send?access_token=dingtokenABCDEF0123456789 " +
  "basic Basic Zm9vOmJhcmJhenF1eA";

async function world(srv: TestServer, type: string) {
  const { client: admin, user } = await adminClient(srv);
  const team = (await admin.post("/api/v1/teams", { name: "SRE", adminIds: [user.id] })).json.team;
  const r = await admin.post("/api/v1/integrations", { name: type, type, teamId: team.id });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const hook = async (body: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${srv.url}/hooks/${r.json.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${r.json.token}`, ...headers },
      body,
    });
    return { status: res.status, json: await res.json().catch(() => null) };
  };
  return { admin, token: r.json.token as string, hook };
}

async function assertNoSecret(
  srv: TestServer,
  admin: Awaited<ReturnType<typeof world>>["admin"],
  extra: string[] = [],
) {
  const list = await admin.get("/api/v1/alerts");
  assert.equal(list.json.items.length, 1, JSON.stringify(list.json));
  const id = list.json.items[0].id;
  const detail = await admin.get(`/api/v1/alerts/${id}`);
  assert.equal(detail.status, 200);
  const raw = (await srv.kv.get<string>(keys.alertRaw(id))).value ?? "";
  assert.ok(raw.length > 0, "the raw payload is kept");
  const stored = JSON.stringify((await srv.kv.get(keys.alert(id))).value);
  for (
    const [what, text] of [
      ["list", JSON.stringify(list.json)],
      ["detail", JSON.stringify(detail.json)],
      ["raw", raw],
      ["record", stored],
    ]
  ) {
    for (const s of [...SECRETS, ...extra]) {
      assert.ok(!text.includes(s), `${what} holds ${s}: ${text.slice(0, 3000)}`);
    }
  }
  // What is not a secret stays readable.
  assert.match(JSON.stringify(detail.json), /db\.internal:5432/);
  return detail.json;
}

Deno.test("redact - alertmanager: labels, annotations and the raw payload lose their credentials", async () => {
  await using srv = await startServer();
  const w = await world(srv, "alertmanager");
  const r = await w.hook(JSON.stringify({
    status: "firing",
    groupKey: '{}:{alertname="DbDown"}',
    groupLabels: { alertname: "DbDown" },
    commonLabels: { alertname: "DbDown", password: "labelPasswordValue" },
    commonAnnotations: { summary: LEAKY },
    externalURL: "http://am:pgSup3rSecret@am.internal:9093",
    alerts: [{
      status: "firing",
      labels: { alertname: "DbDown", dsn: "postgres://app:pgSup3rSecret@db.internal:5432/app" },
      annotations: {
        description: LEAKY,
        runbook: "https://wiki/run?token=ghp_abcdefghijklmnopqrstuvwxyz0123456789",
      },
      startsAt: "2026-01-01T00:00:00Z",
      generatorURL: "http://u:redisPa55word@prom:9090/graph",
      fingerprint: "f1",
    }],
  }));
  assert.equal(r.status, 202, JSON.stringify(r.json));
  const alert = (await assertNoSecret(srv, w.admin)).alert ?? {};
  assert.ok(JSON.stringify(alert).includes("***"), "the secret's place is marked");
});

Deno.test("redact - grafana: values and image URLs too", async () => {
  await using srv = await startServer();
  const w = await world(srv, "grafana");
  const r = await w.hook(JSON.stringify({
    status: "firing",
    title: "[FIRING:1] DbDown",
    message: LEAKY,
    alerts: [{
      status: "firing",
      labels: { alertname: "DbDown", conn: "postgres://app:pgSup3rSecret@db.internal:5432/app" },
      annotations: { summary: LEAKY },
      values: { A: 1, nested: { api_key: "labelPasswordValue", note: LEAKY } },
      startsAt: "2026-01-01T00:00:00Z",
      imageURL: "https://img.example/x.png?sign=dingtokenABCDEF0123456789",
      fingerprint: "g1",
    }],
  }));
  assert.equal(r.status, 202, JSON.stringify(r.json));
  await assertNoSecret(srv, w.admin);
});

Deno.test("redact - zabbix: tags, description and URLs", async () => {
  await using srv = await startServer();
  const w = await world(srv, "zabbix");
  const r = await w.hook(JSON.stringify({
    event_id: "1",
    event_value: "1",
    event_name: "DB down db.internal:5432",
    event_tags: JSON.stringify([{
      tag: "dsn",
      value: "postgres://app:pgSup3rSecret@db.internal:5432/app",
    }, { tag: "password", value: "labelPasswordValue" }]),
    host_name: "db-1",
    trigger_description: LEAKY,
    event_url: "https://zbx:redisPa55word@zabbix.example/tr_events.php?eventid=1",
  }));
  assert.equal(r.status, 202, JSON.stringify(r.json));
  await assertNoSecret(srv, w.admin);
});

Deno.test("redact - events API: the routing_key (the integration token) is not stored", async () => {
  await using srv = await startServer();
  const w = await world(srv, "events");
  const r = await w.hook(
    JSON.stringify({
      routing_key: w.token,
      event_action: "trigger",
      payload: {
        summary: "DB down at db.internal:5432",
        source: "postgres://app:pgSup3rSecret@db.internal:5432/app",
        severity: "critical",
        custom_details: {
          dsn: LEAKY,
          password: "labelPasswordValue",
          deep: { token: "labelPasswordValue" },
        },
      },
      links: [{ href: "https://grafana/d/x?auth=dingtokenABCDEF0123456789", text: "dash" }],
    }),
    { "content-type": "application/json" },
  );
  assert.equal(r.status, 202, JSON.stringify(r.json));
  await assertNoSecret(srv, w.admin, [w.token]);
});

Deno.test("redact - text: the body and the title header", async () => {
  await using srv = await startServer();
  const w = await world(srv, "text");
  const r = await w.hook(`DB down db.internal:5432\n${LEAKY}`, {
    title: "DB down: postgres://app:pgSup3rSecret@db.internal:5432/app",
  });
  assert.equal(r.status, 202, JSON.stringify(r.json));
  await assertNoSecret(srv, w.admin);
});

Deno.test("depth - a payload nested 100,000 levels is a 400 for every JSON source, not a 503", async () => {
  const deep = (inner: string) => inner.replace("DEEP", "[".repeat(100_000) + "]".repeat(100_000));
  const bodies: Record<string, string> = {
    alertmanager: deep(
      '{"status":"firing","alerts":[{"status":"firing","labels":{"a":"b"},"annotations":DEEP}]}',
    ),
    grafana: deep(
      '{"status":"firing","alerts":[{"status":"firing","labels":{"a":"b"},"values":{"A":DEEP}}]}',
    ),
    zabbix: deep('{"event_id":"1","event_value":"1","host_name":"h","extra":DEEP}'),
    events: "", // built with the token below
  };
  for (const type of Object.keys(bodies)) {
    await using srv = await startServer();
    const w = await world(srv, type);
    const body = type === "events"
      ? deep(
        `{"routing_key":"${w.token}","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"info","custom_details":DEEP}}`,
      )
      : bodies[type];
    const r = await w.hook(body, { "content-type": "application/json" });
    assert.equal(r.status, 400, `${type}: ${JSON.stringify(r.json)}`);
    assert.equal((await w.admin.get("/api/v1/alerts")).json.items.length, 0, type);
    // Shallow nesting still works.
    const ok = body.replace("[".repeat(100_000) + "]".repeat(100_000), "[[[[1]]]]");
    assert.equal((await w.hook(ok, { "content-type": "application/json" })).status, 202, type);
  }
  // Zabbix tags given as a JSON string are parsed with the same bound: ignored, not a crash.
  await using srv = await startServer();
  const w = await world(srv, "zabbix");
  const r = await w.hook(JSON.stringify({
    event_id: "2",
    event_value: "1",
    host_name: "h",
    event_tags: "[".repeat(100_000) + "]".repeat(100_000),
  }));
  assert.ok(r.status === 202 || r.status === 400, JSON.stringify(r.json));
});
