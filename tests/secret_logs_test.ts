/**
 * No secret in the logs: the real server (a child process, stdout and stderr captured, in both
 * log formats) is driven through what handles secrets (passwords and a mistyped one, sessions,
 * API tokens, integration tokens right and wrong, provider keys, verification codes, a webhook
 * contact's signing secret, the metrics token, a dead-man's switch URL whose path is its secret),
 * with outbound failures that get logged; then every secret it saw is looked for in the output.
 */
import assert from "node:assert/strict";
import { Client, sleep, startServer } from "./_helpers.ts";
import { setLogSink } from "../lib/core/log.ts";
import { freePort, ServerProcess } from "./_process.ts";

const SECRETS = {
  adminPassword: "admin-pw-5ecret-0001",
  memberPassword: "member-pw-5ecret-0002",
  mistyped: "mistyped-pw-5ecret-0003",
  metricsToken: "metrics-5ecret-token-0004",
  wrongMetrics: "wrong-metrics-5ecret-0005",
  heartbeatPath: "hb-5ecret-uuid-0006",
  providerHeader: "prov-header-5ecret-0007",
  twilioToken: "twilio-5ecret-0008",
  badHookToken: "bad-hook-5ecret-0009",
};

async function run(format: "text" | "json") {
  const closed = freePort(); // nothing listens here: outbound requests to it fail and are logged
  const bodies: string[] = [];
  await using receiver = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    async (r) => {
      bodies.push(await r.text());
      return new Response("OK");
    },
  );
  const dir = await Deno.makeTempDir({ prefix: "tocsin-secrets-" });
  const srv = new ServerProcess(
    `${dir}/t.kv`,
    freePort(),
    {
      TOCSIN_LOG_FORMAT: format,
      TOCSIN_METRICS_TOKEN: SECRETS.metricsToken,
      TOCSIN_OUTBOUND_ALLOW: "127.0.0.0/8",
      TOCSIN_SELF_HEARTBEAT_URL: `http://127.0.0.1:${closed}/ping/${SECRETS.heartbeatPath}`,
      TOCSIN_SELF_HEARTBEAT_MS: "1000",
    },
    [],
    { captureOutput: true },
  );
  const seen: string[] = Object.values(SECRETS);
  try {
    await srv.start();
    const admin = new Client(srv.url);
    assert.equal(
      (await admin.post("/api/v1/setup", {
        email: "root@example.com",
        name: "Root",
        password: SECRETS.adminPassword,
      })).status,
      201,
    );
    seen.push(admin.cookie.split("=")[1]);
    const member = (await admin.post("/api/v1/users", {
      email: "m@example.com",
      name: "M",
      password: SECRETS.memberPassword,
      role: "member",
    })).json.user;
    assert.ok(member.id);
    const anon = new Client(srv.url);
    assert.equal(
      (await anon.post("/api/v1/session", { email: "m@example.com", password: SECRETS.mistyped }))
        .status,
      401,
    );
    const m = new Client(srv.url);
    assert.equal(
      (await m.post("/api/v1/session", {
        email: "m@example.com",
        password: SECRETS.memberPassword,
      })).status,
      200,
    );
    seen.push(m.cookie.split("=")[1]);

    // API tokens, used.
    const apiToken = (await m.post("/api/v1/tokens", { name: "ci" })).json.token as string;
    seen.push(apiToken);
    assert.equal((await new Client(srv.url, apiToken, null).get("/api/v1/me")).status, 200);

    // Integrations: tokens right, wrong, in the header, in the query, in an Events API body.
    const me = (await admin.get("/api/v1/me")).json.user;
    const team = (await admin.post("/api/v1/teams", { name: "SRE", adminIds: [me.id] })).json.team;
    for (const type of ["text", "events"] as const) {
      const r = (await admin.post("/api/v1/integrations", { name: type, type, teamId: team.id }))
        .json;
      seen.push(r.token);
      const url = `${srv.url}/hooks/${r.integration.id}`;
      const send = (init: RequestInit, q = "") =>
        fetch(url + q, { method: "POST", ...init }).then((x) => x.body?.cancel());
      if (type === "text") {
        await send({ headers: { authorization: `Bearer ${r.token}` }, body: "disk full" });
        await send({ body: "by query" }, `?token=${r.token}`);
        await send({ headers: { authorization: `Bearer ${SECRETS.badHookToken}` }, body: "x" });
        await send({ body: "x" }, `?token=${SECRETS.badHookToken}`);
      } else {
        for (const key of [r.token, SECRETS.badHookToken]) {
          await send({
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              routing_key: key,
              event_action: "trigger",
              payload: { summary: "s", source: "x", severity: "critical" },
            }),
          });
        }
      }
    }

    // Provider keys: an HTTP SMS provider (its key in a header) that works, a Twilio one that
    // cannot be reached.
    const providers = [
      {
        name: "gateway",
        kind: "http",
        order: 0,
        config: {
          url: `http://127.0.0.1:${receiver.addr.port}/sms`,
          headers: { authorization: `Bearer ${SECRETS.providerHeader}` },
        },
      },
      {
        name: "twilio",
        kind: "twilio",
        order: 1,
        config: {
          baseUrl: `http://127.0.0.1:${closed}`,
          accountSid: "AC1",
          authToken: SECRETS.twilioToken,
          from: "+15550000000",
        },
      },
    ];
    for (const p of providers) {
      const r = await admin.post("/api/v1/providers", p);
      assert.equal(r.status, 201, JSON.stringify(r.json));
      // The provider test goes through the same send path.
      await admin.post(`/api/v1/providers/${r.json.provider.id}/test`, {
        channel: "sms",
        to: "+15551234567",
      });
    }
    // A verification code, sent through the gateway; a wrong guess, then the right one.
    const contact = (await m.post("/api/v1/me/contacts", { kind: "sms", address: "+15557654321" }))
      .json.contact;
    const sms = bodies.findLast((b) => b.includes("+15557654321")) ?? "";
    const code = /verification code:? (\d+)/.exec(sms)?.[1];
    assert.ok(code, `a code was sent: ${bodies.join(" | ")}`);
    seen.push(code);
    const wrong = String((Number(code) + 1) % 10 ** code.length).padStart(code.length, "0");
    assert.notEqual(
      (await m.post(`/api/v1/me/contacts/${contact.id}/verify`, { code: wrong })).status,
      200,
    );
    assert.equal((await m.post(`/api/v1/me/contacts/${contact.id}/verify`, { code })).status, 200);
    // A webhook contact whose receiver is down: its signing secret is shown once, never logged.
    const hook = await m.post("/api/v1/me/contacts", {
      kind: "webhook",
      address: `http://127.0.0.1:${closed}/hook`,
    });
    if (hook.json.secret) seen.push(hook.json.secret);

    // Metrics, with a wrong token and the right one.
    for (const t of [SECRETS.wrongMetrics, SECRETS.metricsToken]) {
      await fetch(srv.url + "/metrics", {
        headers: { authorization: `Bearer ${t}`, "x-forwarded-for": "203.0.113.1" },
      }).then((r) => r.body?.cancel());
    }
    await sleep(1_500); // a heartbeat or two fail against the closed port
  } finally {
    await srv.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  const { stdout, stderr } = await srv.output();
  const out = stdout + "\n" + stderr;
  // The failures above were logged (so the look below means something).
  assert.match(out, /outbound: POST http:\/\/127\.0\.0\.1:\d+/);
  assert.match(out, /heartbeat:/);
  const leaked = seen.filter((s) => s && out.includes(s));
  assert.deepEqual(leaked, [], `secrets in the ${format} logs:\n${out}`);
}

Deno.test({
  name: "secret logs - nothing secret in the text logs of a server run",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () => run("text"),
});

Deno.test({
  name: "secret logs - nothing secret in the json logs of a server run",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () => run("json"),
});

Deno.test("secret logs - a failing request whose path carries a token logs the path without it", async () => {
  await using srv = await startServer();
  const lines: string[] = [];
  setLogSink((_l, line) => lines.push(line));
  try {
    srv.kv.get = () => Promise.reject(new Error("disk on fire"));
    const token = "ack5ecretpayload.ack5ecretsig0010";
    const r = await srv.app.request(`/ack/${token}`);
    await r.body?.cancel();
    assert.equal(r.status, 500);
    const line = lines.find((l) => l.includes("failed (user-agent"));
    assert.ok(line, JSON.stringify(lines));
    assert.ok(!line.includes(token), line);
    assert.match(line, /^GET \/ack\/\*\*\* failed/);
  } finally {
    setLogSink(null);
  }
});
