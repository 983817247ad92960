/**
 * Rollups against a full recount: a random mix of alerts, acks, resolves and reopens runs
 * against a real server process that is SIGKILLed twice; with the server stopped, every
 * counter in the store must equal the recount over the stored alerts and their timelines.
 */
import assert from "node:assert/strict";
import { sleep } from "./_helpers.ts";
import { freePort, prng, ServerProcess, setupTeam } from "./_process.ts";
import type { Alert } from "../lib/alerts/model.ts";
import { getTimeline } from "../lib/alerts/timeline.ts";
import { keyId } from "../lib/core/staged_op.ts";
import {
  DEFAULT_REPORT_NIGHT_FROM_HOUR,
  DEFAULT_REPORT_NIGHT_TO_HOUR,
} from "../lib/core/config.ts";
import { pagedIn, recountAlert, zonesOf } from "../lib/reports/rollups.ts";

const NIGHT = {
  reportNightFromHour: DEFAULT_REPORT_NIGHT_FROM_HOUR,
  reportNightToHour: DEFAULT_REPORT_NIGHT_TO_HOUR,
};
const RUN_MS = 5_000;
const KILLS = 2;
const WORKERS = 3;

/** Every rollup counter in the store, by key. */
async function stored(kv: Deno.Kv): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  for await (const e of kv.list<Deno.KvU64>({ prefix: ["rollups"] })) {
    if (e.value.value) out.set(keyId(e.key), e.value.value);
  }
  return out;
}

/** The same counters recounted from every alert and its timeline. */
async function recount(kv: Deno.Kv): Promise<{ sums: Map<string, bigint>; alerts: number }> {
  const sums = new Map<string, bigint>();
  let alerts = 0;
  for await (const e of kv.list<Alert>({ prefix: ["alerts"] })) {
    alerts++;
    const timeline = await getTimeline(kv, e.value.id);
    const zones = await zonesOf(kv, pagedIn(timeline), true);
    for (const [k, n] of recountAlert(e.value, timeline, zones, NIGHT)) {
      sums.set(keyId(k), (sums.get(keyId(k)) ?? 0n) + n);
    }
  }
  return { sums, alerts };
}

Deno.test("reports - rollups equal a full recount after a random run with SIGKILLs", async () => {
  const seed = Number(Deno.env.get("TOCSIN_TEST_SEED") ?? Date.now() % 1_000_000);
  console.log(`reports crash test seed ${seed} (set TOCSIN_TEST_SEED to repeat)`);
  const rand = prng(seed);
  const dir = await Deno.makeTempDir();
  const path = `${dir}/tocsin.kv`;
  await using server = new ServerProcess(path, freePort());
  await server.start();
  const { admin, hook } = await setupTeam(server.url, "text");
  // The admin's night is in Shanghai: pages count as night there, not in UTC.
  await admin.patch("/api/v1/me", {
    quietHours: { from: "23:00", to: "23:30", timeZone: "Asia/Shanghai" },
  });

  const token = (await admin.post("/api/v1/tokens", { name: "load" })).json.token as string;
  // Every request is bounded: one cut by a kill must not hang the run.
  const call = (path: string, init: RequestInit) =>
    fetch(server.url + path, { ...init, signal: AbortSignal.timeout(5_000) });
  const ids: string[] = [];
  const done = { acted: 0, failed: 0 };
  const fire = async () => {
    const r = await call(`/hooks/${hook.integration.id}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${hook.token}`,
        title: `alert ${Math.floor(rand() * 6)}`,
        priority: ["urgent", "high", "medium", "low"][Math.floor(rand() * 4)],
        "dedup-key": `k${Math.floor(rand() * 12)}`,
      },
      body: "something broke",
    });
    const body = await r.json().catch(() => null);
    const id = body?.alerts?.[0]?.alertId;
    if (r.ok && id && !ids.includes(id)) ids.push(id);
  };
  const act = async () => {
    if (!ids.length) return;
    const id = ids[Math.floor(rand() * ids.length)];
    const kind = ["ack", "ack", "resolve", "resolve", "reopen"][Math.floor(rand() * 5)];
    const r = await call(`/api/v1/alerts/${id}/${kind}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: "{}",
    });
    await r.body?.cancel();
  };
  const until = Date.now() + RUN_MS;
  const worker = async () => {
    while (Date.now() < until) {
      try {
        await (rand() < 0.45 ? fire() : act());
        done.acted++;
      } catch {
        done.failed++; // the server was killed under this request
        await sleep(20);
      }
    }
  };
  const killer = async () => {
    for (let k = 0; k < KILLS; k++) {
      await sleep(800 + rand() * 1200);
      await server.kill();
      await server.start();
    }
  };
  await Promise.all([...Array.from({ length: WORKERS }, worker), killer()]);
  await server.kill();

  const kv = await Deno.openKv(path);
  try {
    const { sums, alerts } = await recount(kv);
    const have = await stored(kv);
    console.log(`${alerts} alerts, ${done.acted} requests, ${done.failed} cut by kills`);
    assert.ok(alerts >= 5, "the run opened alerts");
    assert.ok(done.failed > 0, "the kills interrupted requests (otherwise this proves little)");
    const show = (m: Map<string, bigint>) =>
      [...m].map(([k, n]) => `${k.replaceAll("\u0000", "/")}=${n}`).sort();
    assert.deepEqual(show(have), show(sums));
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});
