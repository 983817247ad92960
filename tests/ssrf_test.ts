/**
 * The SSRF defence end to end: through the API, a member's webhook contact
 * spelt as an IPv4-mapped IPv6 address is refused before anything connects,
 * with one text for open and closed ports; an allowed range lets it through;
 * https keeps the URL's name for the certificate while it connects to the
 * checked address; TOCSIN_OUTBOUND_ALLOW is read and checked at start-up.
 */
import * as assert from "node:assert/strict";
import { loadConfig } from "../lib/core/config.ts";
import { COULD_NOT_DELIVER, sendOutbound } from "../lib/notify/outbound.ts";
import { adminClient, startServer, userClient } from "./_helpers.ts";
import { CERT, KEY } from "./_tls.ts";

/** A real receiver on 127.0.0.1 that records every request. */
function receiver(tls = false) {
  const seen: { host: string | null; path: string; body: string }[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {}, ...(tls ? { cert: CERT, key: KEY } : {}) },
    async (req) => {
      const u = new URL(req.url);
      seen.push({ host: req.headers.get("host"), path: u.pathname, body: await req.text() });
      return Response.json({ ok: true });
    },
  );
  return { seen, port: server.addr.port, [Symbol.asyncDispose]: () => server.shutdown() };
}

function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

Deno.test("ssrf - a member's webhook at [::ffff:7f00:1] is refused, open or closed port alike", async () => {
  await using rx = receiver();
  await using srv = await startServer({ config: { timerSweepMs: 0 } });
  await adminClient(srv);
  const ann = await userClient(srv, "Ann");
  const answers = [];
  for (const port of [rx.port, closedPort()]) {
    for (const host of ["[::ffff:7f00:1]", "[::ffff:127.0.0.1]", "[::127.0.0.1]", "127.1"]) {
      const r = await ann.client.post("/api/v1/me/contacts", {
        kind: "webhook",
        address: `http://${host}:${port}/x`,
      });
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.equal(r.json.error.code, "invalid_input");
      answers.push(JSON.stringify(r.json).replace(String(port), "PORT"));
    }
  }
  assert.equal(rx.seen.length, 0, "nothing reached the listener");
  assert.deepEqual(answers.slice(0, 4), answers.slice(4), "the same answer for both ports");
  assert.equal((await ann.client.get("/api/v1/me/contacts")).json.items.length, 0);
});

Deno.test("ssrf - an admin-allowed range lets the webhook through; a closed port reads generic", async () => {
  await using rx = receiver();
  await using srv = await startServer({
    config: { timerSweepMs: 0, outboundAllow: ["127.0.0.0/8"] },
  });
  await adminClient(srv);
  const ann = await userClient(srv, "Ann");
  const ok = await ann.client.post("/api/v1/me/contacts", {
    kind: "webhook",
    address: `http://[::ffff:7f00:1]:${rx.port}/x`,
  });
  assert.equal(ok.status, 201, JSON.stringify(ok.json));
  assert.equal(rx.seen.length, 1);
  assert.equal(rx.seen[0].host, `[::ffff:7f00:1]:${rx.port}`);
  assert.equal(JSON.parse(rx.seen[0].body).event, "verification");
  const closed = await ann.client.post("/api/v1/me/contacts", {
    kind: "webhook",
    address: `http://127.0.0.1:${closedPort()}/x`,
  });
  assert.equal(closed.status, 400);
  assert.equal(
    closed.json.error.message,
    `the webhook did not accept the code (${COULD_NOT_DELIVER})`,
  );
});

Deno.test("ssrf - https connects to the checked address and verifies the URL's name", async () => {
  await using rx = receiver(true);
  const policy = {
    allowPrivateWebhooks: false,
    outboundAllow: ["127.0.0.0/8"],
    resolve: () => Promise.resolve(["127.0.0.1"]),
    caCerts: [CERT],
  };
  const init = { headers: { "content-type": "text/plain" }, body: "hi", timeoutMs: 2_000 };
  const good = await sendOutbound(`https://hooks.example.test:${rx.port}/in`, init, policy);
  assert.deepEqual(good, { status: 200, text: '{"ok":true}' });
  assert.deepEqual(rx.seen, [{ host: `hooks.example.test:${rx.port}`, path: "/in", body: "hi" }]);
  // The same address under a name the certificate does not carry: no request goes out.
  const bad = await sendOutbound(`https://other.example.test:${rx.port}/in`, init, policy);
  assert.deepEqual(bad, { status: 0, text: COULD_NOT_DELIVER });
  assert.equal(rx.seen.length, 1);
});

Deno.test("ssrf - TOCSIN_OUTBOUND_ALLOW is read as CIDRs and a malformed one stops start-up", () => {
  assert.deepEqual(loadConfig({}).outboundAllow, []);
  assert.deepEqual(
    loadConfig({ TOCSIN_OUTBOUND_ALLOW: "10.0.0.0/8, fd00::/8,192.168.1.5" }).outboundAllow,
    ["10.0.0.0/8", "fd00::/8", "192.168.1.5"],
  );
  for (const bad of ["10.0.0.0/33", "example.com", "10.0.0/8", "::1/129"]) {
    assert.throws(() => loadConfig({ TOCSIN_OUTBOUND_ALLOW: bad }), /TOCSIN_OUTBOUND_ALLOW/, bad);
  }
});
