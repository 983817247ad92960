/**
 * Hostile requests that once reached the wrong answer: ids of 3 KiB (KV's
 * "Key too large" as a 500), control characters in logged paths and headers,
 * connection counts on /healthz, and sockets past the per-user and
 * per-address caps.
 */
import assert from "node:assert/strict";
import { adminClient, Client, connect, startServer, userClient } from "./_helpers.ts";

const LONG = "A".repeat(3 * 1024);

Deno.test("ids - a 3 KiB id in a query or a path is 400 or 404, never 500", async () => {
  await using srv = await startServer();
  const { client: admin } = await adminClient(srv);
  const routes: [string, string, number][] = [
    ["GET", `/api/v1/alerts?teamId=${LONG}`, 400],
    ["GET", `/api/v1/alerts?ids=${LONG}`, 400],
    ["GET", `/api/v1/alerts?ids=01ARZ3NDEKTSV4RRFFQ69G5FAV,${LONG}`, 400],
    ["GET", `/api/v1/alerts?assignee=${LONG}`, 400],
    ["GET", `/api/v1/integrations?teamId=${LONG}`, 400],
    ["GET", `/api/v1/schedules?teamId=${LONG}`, 400],
    ["GET", `/api/v1/escalation-policies?teamId=${LONG}`, 400],
    ["GET", `/api/v1/automation-rules?teamId=${LONG}`, 400],
    ["GET", `/api/v1/robots?teamId=${LONG}`, 400],
    ["GET", `/api/v1/alerts/${LONG}`, 404],
    ["POST", `/api/v1/alerts/${LONG}/ack`, 404],
    ["GET", `/api/v1/conversations/${LONG}`, 404],
    ["GET", `/api/v1/conversations/${LONG}/messages`, 404],
    ["GET", `/api/v1/teams/${LONG}`, 404],
    ["GET", `/api/v1/integrations/${LONG}`, 404],
    ["GET", `/api/v1/schedules/${LONG}`, 404],
    ["GET", `/api/v1/automation-rules/${LONG}`, 404],
    ["GET", `/api/v1/alerts/${LONG}/deliveries`, 404],
    ["POST", `/api/v1/admin/dead-letters/${LONG}/retry`, 404],
    ["DELETE", `/api/v1/admin/dead-letters/${LONG}`, 404],
    ["GET", `/api/v1/poll?cursors=${LONG}:1&timeout=0`, 400],
  ];
  const problems: string[] = [];
  for (const [method, path, want] of routes) {
    const r = await admin.request(method, path, method === "GET" ? undefined : {});
    if (r.status !== want) problems.push(`${method} ${path.slice(0, 60)}…: ${r.status}`);
    if (r.status === 400) assert.equal(r.json.error.code, "invalid_input", path.slice(0, 60));
  }
  const hook = await fetch(`${srv.url}/hooks/${LONG}`, { method: "POST", body: "{}" });
  if (hook.status !== 404) problems.push(`POST /hooks/<long>: ${hook.status}`);
  await hook.body?.cancel();
  const page = await fetch(`${srv.url}/c/${LONG}`, { headers: { cookie: admin.cookie } });
  if (page.status >= 500 && page.status !== 503) problems.push(`GET /c/<long>: ${page.status}`);
  await page.body?.cancel();
  assert.deepEqual(problems, []);
});

Deno.test("logs - a request's path and headers cannot add lines or escape sequences", async () => {
  await using srv = await startServer();
  const { client: admin } = await adminClient(srv);
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => lines.push(args.map(String).join(" "));
  try {
    // A failing KV makes the request a 500, which is logged with its path and user agent.
    srv.kv.get = () => Promise.reject(new Error("disk on fire\nFAKE LINE"));
    // In process: an HTTP client refuses to send ESC in a header, a raw socket need not.
    const r = await srv.app.request(`/api/v1/me/%0A%0DINJECTED%1b[31m`, {
      headers: { cookie: admin.cookie, "user-agent": "evil\u001b[2Jagent" },
    });
    await r.body?.cancel();
    assert.equal(r.status, 500);
  } finally {
    console.error = original;
  }
  const line = lines.find((l) => l.includes("INJECTED"));
  assert.ok(line, `the failure is logged: ${JSON.stringify(lines)}`);
  assert.equal(lines.filter((l) => l.includes("INJECTED")).length, 1);
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f]/, "no raw control character");
  assert.match(line, /\\n\\rINJECTED\\x1b\[31m/);
  assert.match(line, /evil\\x1b\[2Jagent/);
  assert.match(line, /disk on fire\\nFAKE LINE/);
});

Deno.test("healthz - liveness for anyone, counts only for admins", async () => {
  await using srv = await startServer();
  const { client: admin } = await adminClient(srv);
  const member = await userClient(srv, "Mia");
  const anon = await fetch(`${srv.url}/healthz`);
  assert.equal(anon.status, 200);
  assert.deepEqual(await anon.json(), { ok: true });
  assert.deepEqual((await member.client.get("/healthz")).json, { ok: true });
  const full = (await admin.get("/healthz")).json;
  assert.equal(full.ok, true);
  for (const k of ["subscribers", "users", "channels"]) assert.equal(typeof full[k], "number", k);
});

Deno.test("connection caps - sockets and streams past the per-user cap are refused with 429", async () => {
  await using srv = await startServer({ config: { wsMaxPerUser: 2, wsMaxPerAddress: 3 } });
  const { client: admin } = await adminClient(srv);
  const a = await userClient(srv, "Ann");
  const b = await userClient(srv, "Ben");
  const upgrade = (c: Client) =>
    fetch(`${srv.url}/api/v1/ws`, {
      headers: {
        cookie: c.cookie,
        origin: srv.url,
        upgrade: "websocket",
        connection: "Upgrade",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
      },
    });
  const s1 = await connect(a.client);
  const s2 = await connect(a.client);
  // Ann's third socket, and an SSE stream of hers, are refused before any upgrade.
  const third = await upgrade(a.client);
  assert.equal(third.status, 429);
  assert.equal((await third.json()).error.code, "rate_limited");
  assert.ok(Number(third.headers.get("retry-after")) > 0);
  const stream = await fetch(`${srv.url}/api/v1/events`, { headers: { cookie: a.client.cookie } });
  assert.equal(stream.status, 429);
  await stream.body?.cancel();
  assert.equal((await a.client.get("/api/v1/poll?timeout=0")).status, 429);
  // The address cap (3) counts every user from 127.0.0.1: Ben gets one, then no more.
  const s3 = await connect(b.client);
  const fourth = await upgrade(b.client);
  assert.equal(fourth.status, 429);
  await fourth.body?.cancel();
  const adminStream = await fetch(`${srv.url}/api/v1/events`, {
    headers: { cookie: admin.cookie },
  });
  assert.equal(adminStream.status, 429);
  await adminStream.body?.cancel();
  // Closing a socket frees its slot.
  s1.close();
  await s1.untilClosed();
  const deadline = Date.now() + 5000;
  while (srv.core.hub.connections.count(a.user.id, "127.0.0.1").user > 1) {
    if (Date.now() > deadline) throw new Error("the slot was not released");
    await new Promise((r) => setTimeout(r, 20));
  }
  const again = await connect(a.client);
  for (const s of [s2, s3, again]) s.close();
});
