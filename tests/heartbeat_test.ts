/**
 * The self-heartbeat: a local receiver (a stand-in dead-man's switch) gets pings while Tocsin is
 * ready, and none once its timer engine has stopped, although the process still answers.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../lib/core/config.ts";
import { sleep, startServer } from "./_helpers.ts";

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

Deno.test("heartbeat - pings arrive while ready and stop when the timer engine stops", async () => {
  const pings: { method: string; body: string }[] = [];
  await using receiver = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    async (req) => {
      pings.push({ method: req.method, body: await req.text() });
      return new Response("OK");
    },
  );
  await using srv = await startServer({
    config: {
      selfHeartbeatUrl: `http://127.0.0.1:${receiver.addr.port}/ping/3f0c-secret-uuid`,
      selfHeartbeatMs: 100,
      // The receiver is on loopback: allowed explicitly, as an operator would.
      outboundAllow: ["127.0.0.0/8"],
    },
  });
  await until("three pings", () => pings.length >= 3);
  assert.equal(pings[0].method, "POST");
  assert.equal(pings[0].body, "tocsin ready");
  assert.ok(srv.core.heartbeat.sent >= 3);

  // The engine stops; the process still answers /healthz, but is not ready: no more pings.
  await srv.core.timers.close();
  assert.equal((await fetch(srv.url + "/healthz").then((r) => r.json())).ok, true);
  await sleep(300); // a ping already under way may still land
  const stoppedAt = pings.length;
  await sleep(600);
  assert.equal(pings.length, stoppedAt, "no ping while the timer engine is stopped");
  const ready = await fetch(srv.url + "/readyz");
  assert.equal(ready.status, 503);
  await ready.body?.cancel();
});

Deno.test("heartbeat - a private target needs an explicit allowance (the outbound check applies)", async () => {
  let hits = 0;
  await using receiver = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, () => {
    hits++;
    return new Response("OK");
  });
  await using srv = await startServer({
    config: {
      selfHeartbeatUrl: `http://127.0.0.1:${receiver.addr.port}/`,
      selfHeartbeatMs: 100,
    },
  });
  await sleep(500);
  assert.equal(hits, 0);
  assert.equal(srv.core.heartbeat.sent, 0);
});

Deno.test("heartbeat - the config takes an http(s) URL and an interval of at least a second", () => {
  const c = loadConfig({
    TOCSIN_SELF_HEARTBEAT_URL: "https://hc-ping.com/abc",
    TOCSIN_SELF_HEARTBEAT_MS: "30000",
  });
  assert.equal(c.selfHeartbeatUrl, "https://hc-ping.com/abc");
  assert.equal(c.selfHeartbeatMs, 30_000);
  assert.equal(loadConfig({}).selfHeartbeatUrl, null);
  assert.throws(() => loadConfig({ TOCSIN_SELF_HEARTBEAT_URL: "ftp://x/secret" }), /http\(s\)/);
  assert.throws(
    () => loadConfig({ TOCSIN_SELF_HEARTBEAT_URL: "nope-secret" }),
    (e: Error) => !e.message.includes("nope-secret"),
  );
  assert.throws(() => loadConfig({ TOCSIN_SELF_HEARTBEAT_MS: "10" }), /at least 1000/);
});
