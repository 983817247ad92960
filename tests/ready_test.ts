import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { keys } from "../lib/core/keys.ts";
import { startServer } from "./_helpers.ts";

async function readyz(url: string) {
  const r = await fetch(url + "/readyz");
  return { status: r.status, json: await r.json() };
}

Deno.test("readyz - 200 while KV takes writes and timers run; 503 once the timer engine stops", async () => {
  await using srv = await startServer();
  const ok = await readyz(srv.url);
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
  assert.deepEqual(ok.json, { ready: true, checks: { kv: "ok", timers: "ok" } });
  assert.ok((await srv.kv.get(keys.readyProbe())).versionstamp, "the probe wrote to KV");
  const health = await fetch(srv.url + "/healthz");
  assert.equal(health.status, 200, "liveness is not readiness");
  await health.body?.cancel();

  await srv.core.timers.close();
  const stopped = await readyz(srv.url);
  assert.equal(stopped.status, 503);
  assert.equal(stopped.json.ready, false);
  assert.equal(stopped.json.checks.timers, "timer engine stopped");
  assert.equal(stopped.json.checks.kv, "ok");
  assert.equal(stopped.json.error.code, "unavailable");
  assert.match(stopped.json.error.message, /timers: timer engine stopped/);
});

Deno.test("readyz - 503 with the reason when KV is closed", async () => {
  const srv = await startServer();
  const dispose = async () => {
    // The store is closed already: closing it again is the one step of disposal that fails.
    try {
      await srv[Symbol.asyncDispose]();
    } catch (err) {
      if (!(err instanceof Deno.errors.BadResource)) throw err;
    }
  };
  try {
    srv.kv.close();
    const r = await readyz(srv.url);
    assert.equal(r.status, 503);
    assert.match(r.json.checks.kv, /^probe write failed/);
    assert.match(r.json.error.message, /kv: probe write failed/);
  } finally {
    await dispose();
  }
});

Deno.test("readyz - 503 when the timer engine made no progress within the bound, 200 after a sweep", async () => {
  const clock = new ManualClock();
  await using srv = await startServer({
    clock,
    config: { timerSweepMs: 100_000, readyMaxSweepAgeMs: 1_000 },
  });
  assert.equal((await readyz(srv.url)).status, 200);
  clock.advance(299_000); // under three sweep intervals: a slow sweep is not a stall
  assert.equal((await readyz(srv.url)).status, 200);
  clock.advance(2_000);
  const stale = await readyz(srv.url);
  assert.equal(stale.status, 503);
  assert.match(stale.json.checks.timers, /no progress for 301000 ms \(bound 300000 ms\)/);
  await srv.core.timers.sweep();
  assert.equal((await readyz(srv.url)).status, 200);
});
