/**
 * Fuzzing the webhooks (fault suite T12): generated and mutated bodies, from the real
 * Alertmanager captures and from random JSON (huge, deep, unicode, __proto__ keys), against
 * every integration type. No answer may be a 5xx, and nothing may be half-written: every alert
 * stored is whole and has its card.
 */
import assert from "node:assert/strict";
import type { Alert } from "../lib/alerts/model.ts";
import { keys } from "../lib/core/keys.ts";
import { adminClient, startServer } from "./_helpers.ts";
import { prng } from "./_process.ts";

/**
 * Bodies per run: the full T12 size, 100,000 (about 3m45s of one core on its own, near 6 minutes
 * beside the rest of the server suite, whose longest test it is). `deno task test` runs it with the
 * server suite, never beside the browser tests: on a 2-core machine it starved them into
 * time-outs. TOCSIN_FUZZ_BODIES resizes it.
 */
const BODIES = Number(Deno.env.get("TOCSIN_FUZZ_BODIES") ?? 100_000);
const FIXTURES = new URL("../../shared/fixtures/alertmanager/", import.meta.url);

Deno.test("fuzz - hostile webhook bodies (100,000 by default): no 5xx, server alive, nothing half-written", async () => {
  const seed = Number(Deno.env.get("TOCSIN_TEST_SEED") ?? Date.now() % 1_000_000);
  console.log(
    `fuzz seed ${seed}, ${BODIES} bodies (TOCSIN_TEST_SEED and TOCSIN_FUZZ_BODIES repeat or resize it)`,
  );
  const rand = prng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  await using srv = await startServer({
    config: { sendRatePerSec: 0, hookMaxBodyBytes: 64 * 1024 },
  });
  const { client: admin, user } = await adminClient(srv);
  const team = (await admin.post("/api/v1/teams", { name: "SRE", adminIds: [user.id] })).json.team;
  const hooks: { id: string; token: string; type: string }[] = [];
  for (const type of ["alertmanager", "grafana", "zabbix", "events", "text"]) {
    const r =
      (await admin.post("/api/v1/integrations", { name: type, type, teamId: team.id })).json;
    hooks.push({ id: r.integration.id, token: r.token, type });
  }
  const fixtures: unknown[] = [];
  for await (const e of Deno.readDir(FIXTURES)) {
    if (e.name.endsWith(".json")) {
      fixtures.push(JSON.parse(await Deno.readTextFile(new URL(e.name, FIXTURES))));
    }
  }
  fixtures.push(
    { event_id: "1", event_value: "1", event_nseverity: "4", event_name: "x", host_name: "h" },
    {
      routing_key: "",
      event_action: "trigger",
      payload: { summary: "s", source: "x", severity: "info" },
    },
  );
  const strings = [
    "",
    "a",
    "firing",
    "resolved",
    "0001-01-01T00:00:00Z",
    "__proto__",
    "constructor",
    "💥",
    "中文",
    "\u0000",
    "\ud800",
    "x".repeat(5_000),
    "{{alert.title}}",
    "<script>",
    "' OR 1=1",
    "../../",
    "\r\nBcc: x",
  ];
  const randomValue = (depth: number): unknown => {
    const r = rand();
    if (depth > 6 || r < 0.3) return pick(strings);
    if (r < 0.4) return Math.floor(rand() * 1e6) * (rand() < 0.5 ? -1 : 1);
    if (r < 0.45) return pick([null, true, false, 1e308, -0, 3.14]);
    if (r < 0.7) {
      return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(depth + 1));
    }
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(rand() * 5); i > 0; i--) {
      o[pick([...strings, "status", "alerts", "labels", "event_id", "payload"])] = randomValue(
        depth + 1,
      );
    }
    return o;
  };
  const mutate = (v: unknown, depth = 0): unknown => {
    if (v && typeof v === "object" && depth < 8) {
      if (Array.isArray(v)) {
        const a = v.map((x) => rand() < 0.2 ? mutate(x, depth + 1) : x);
        if (rand() < 0.1) a.push(randomValue(depth));
        if (rand() < 0.1) a.splice(0, 1);
        return a;
      }
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (rand() < 0.05) continue; // drop a field
        o[rand() < 0.03 ? pick(strings) : k] = rand() < 0.15 ? mutate(x, depth + 1) : x;
      }
      if (rand() < 0.05) o["__proto__"] = randomValue(depth);
      return o;
    }
    return rand() < 0.5 ? randomValue(depth) : v;
  };
  const deep = (n: number): unknown => n === 0 ? "bottom" : { a: [deep(n - 1)] };
  const body = (): string => {
    const r = rand();
    if (r < 0.6) return JSON.stringify(mutate(structuredClone(pick(fixtures))));
    if (r < 0.8) return JSON.stringify(randomValue(0));
    if (r < 0.85) return JSON.stringify(deep(Math.floor(rand() * 3_000)));
    if (r < 0.9) {
      const s = JSON.stringify(pick(fixtures));
      return s.slice(0, Math.floor(rand() * s.length)); // truncated
    }
    if (r < 0.93) return "x".repeat(Math.floor(rand() * 100_000)); // over the limit sometimes
    return Array.from(
      { length: Math.floor(rand() * 200) },
      () => String.fromCharCode(Math.floor(rand() * 0xffff)),
    ).join("");
  };

  const statuses = new Map<number, number>();
  const t0 = Date.now();
  for (let i = 0; i < BODIES; i++) {
    const h = pick(hooks);
    const b = body();
    const payload = h.type === "events" && b.startsWith("{") && rand() < 0.5
      ? b.replace(/"routing_key":"[^"]*"/, `"routing_key":"${h.token}"`)
      : b;
    const res = await srv.app.request(`/hooks/${h.id}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${h.token}`,
        "content-type": rand() < 0.8 ? "application/json" : "text/plain",
      },
      body: payload,
    });
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status >= 500) {
      throw new Error(
        `a ${res.status} for body (seed ${seed}, #${i}): ${payload.slice(0, 300)}\n${await res
          .text()}`,
      );
    }
    await res.body?.cancel();
  }
  console.log(
    `fuzz: ${BODIES} bodies in ${Date.now() - t0} ms, statuses ${
      JSON.stringify(Object.fromEntries(statuses))
    }`,
  );
  // Alive, and every stored alert is whole, with its card in the conversation.
  assert.equal((await srv.app.request("/healthz")).status, 200);
  let alerts = 0;
  for await (const e of srv.kv.list<Alert>({ prefix: ["alerts"] })) {
    alerts++;
    const a = e.value;
    assert.ok(
      a.id && a.title !== undefined && a.conversationId && a.status,
      "a whole alert record",
    );
    const card =
      (await srv.kv.get<{ alertId?: string }>(keys.message(a.conversationId, a.seq))).value;
    assert.equal(card?.alertId, a.id, "its card exists");
  }
  console.log(`fuzz: ${alerts} alerts stored, each whole`);
});
