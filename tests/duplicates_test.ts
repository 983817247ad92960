/**
 * Fault suite T8: duplicate webhooks. An HA Alertmanager trio sends every group
 * three times, 8 senders post concurrently in a shuffled order, and some groups
 * are sent again late (Alertmanager's repeat_interval). Exactly one alert per
 * group must exist, with one card and one notification each.
 */
import assert from "node:assert/strict";
import type { TimelineEntry } from "../lib/alerts/model.ts";
import { hmacSha256Hex } from "../lib/core/crypto.ts";
import { sleep } from "./_helpers.ts";
import { freePort, prng, ServerProcess, setupTeam } from "./_process.ts";

const GROUPS = 500;
const COPIES = 3;
const SENDERS = 8;
const LATE = 150;
const SECRET = "t8-webhook-secret";

function group(g: number, startsAt: string) {
  const size = 1 + (g % 4);
  return JSON.stringify({
    receiver: "tocsin",
    status: "firing",
    alerts: Array.from({ length: size }, (_, i) => ({
      status: "firing",
      labels: { alertname: `T8_${g}`, instance: `host-${i}`, severity: "warning" },
      annotations: { summary: `duplicate test ${g}/${i}` },
      startsAt,
      endsAt: "0001-01-01T00:00:00Z",
      generatorURL: "",
      fingerprint: `t8-${g}-${i}`,
    })),
    groupLabels: { alertname: `T8_${g}` },
    commonLabels: { alertname: `T8_${g}`, severity: "warning" },
    commonAnnotations: {},
    externalURL: "http://alertmanager:9093",
    version: "4",
    groupKey: `{}:{alertname="T8_${g}"}`,
    truncatedAlerts: 0,
  });
}

Deno.test("duplicates - 500 groups x 3 HA copies + late resends from 8 senders: 500 alerts, one notification each (T8)", async () => {
  const seed = Number(Deno.env.get("TOCSIN_TEST_SEED") ?? Date.now() % 1_000_000);
  console.log(`duplicates test seed ${seed} (set TOCSIN_TEST_SEED to repeat)`);
  const rand = prng(seed);

  // The notification: a signed automation webhook per alert left unacknowledged, to this receiver.
  const got: { alertId: string; delivery: string; valid: boolean }[] = [];
  const rx = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.text();
    const ts = req.headers.get("x-tocsin-timestamp") ?? "";
    got.push({
      alertId: JSON.parse(body).alert.id,
      delivery: req.headers.get("x-tocsin-delivery") ?? "",
      valid: req.headers.get("x-tocsin-signature") ===
        "sha256=" + await hmacSha256Hex(SECRET, `${ts}.${body}`),
    });
    return new Response("ok");
  });
  const dir = await Deno.makeTempDir();
  const kvPath = `${dir}/tocsin.kv`;
  await using server = new ServerProcess(kvPath, freePort(), {
    TOCSIN_ALLOW_PRIVATE_WEBHOOKS: "1",
    TOCSIN_TIMER_SWEEP_MS: "1000",
  });
  await server.start();
  try {
    const { admin, team, hook } = await setupTeam(server.url, "alertmanager");
    const rule = await admin.post("/api/v1/automation-rules", {
      name: "tell the script",
      teamId: team.id,
      when: { unacknowledgedForMinutes: 0.02 },
      actions: [{
        type: "webhook",
        url: `http://127.0.0.1:${rx.addr.port}/hook`,
        secret: SECRET,
      }],
    });
    assert.equal(rule.status, 201, JSON.stringify(rule.json));

    // Every group three times, shuffled, then late resends of some of them (same state).
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const jobs: number[] = [];
    for (let g = 0; g < GROUPS; g++) for (let c = 0; c < COPIES; c++) jobs.push(g);
    for (let i = jobs.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [jobs[i], jobs[j]] = [jobs[j], jobs[i]];
    }
    const post = async (g: number) => {
      const r = await fetch(`${server.url}/hooks/${hook.integration.id}`, {
        method: "POST",
        headers: { authorization: `Bearer ${hook.token}`, "content-type": "application/json" },
        body: group(g, startsAt),
      });
      const json = await r.json();
      assert.equal(r.status, 202, JSON.stringify(json));
      return json.alerts[0] as { alertId: string; outcome: string };
    };
    const ids = new Map<number, Set<string>>();
    const outcomes: Record<string, number> = {};
    const sendAll = async (list: number[]) => {
      let next = 0;
      await Promise.all(Array.from({ length: SENDERS }, async () => {
        while (next < list.length) {
          const g = list[next++];
          const a = await post(g);
          outcomes[a.outcome] = (outcomes[a.outcome] ?? 0) + 1;
          if (!ids.has(g)) ids.set(g, new Set());
          ids.get(g)!.add(a.alertId);
        }
      }));
    };
    await sendAll(jobs);
    await sleep(1500); // Alertmanager's repeat_interval, shortened
    await sendAll(Array.from({ length: LATE }, () => Math.floor(rand() * GROUPS)));
    console.log(`T8 outcomes: ${JSON.stringify(outcomes)}`);
    assert.equal(outcomes.created, GROUPS, "one created per group");
    assert.equal(outcomes.duplicate, GROUPS * (COPIES - 1) + LATE, "every other copy a duplicate");
    for (const [g, set] of ids) assert.equal(set.size, 1, `group ${g} maps to one alert`);

    // Exactly one notification per alert: wait for all of them, then a little longer for extras.
    const deadline = Date.now() + 60_000;
    while (got.length < GROUPS && Date.now() < deadline) await sleep(200);
    await sleep(2000);
    const alertIds = new Set([...ids.values()].map((s) => [...s][0]));
    assert.equal(got.length, GROUPS, "one webhook per alert, none twice");
    assert.deepEqual(new Set(got.map((x) => x.alertId)), alertIds);
    assert.equal(new Set(got.map((x) => x.delivery)).size, GROUPS, "distinct delivery ids");
    assert.ok(got.every((x) => x.valid), "every webhook is signed");
  } finally {
    await server.kill();
    await rx.shutdown();
  }

  // And in the store: 500 alerts, each with one card and one in-app notification.
  const kv = await Deno.openKv(kvPath);
  try {
    const alertIds: string[] = [];
    for await (const e of kv.list({ prefix: ["alerts_by_team"] })) alertIds.push(String(e.key[2]));
    assert.equal(alertIds.length, GROUPS, "exactly 500 alert objects");
    let cards = 0;
    for await (const e of kv.list<{ kind: string }>({ prefix: ["messages"] })) {
      if (e.value.kind === "alert") cards++;
    }
    assert.equal(cards, GROUPS, "one card per alert");
    for (const id of alertIds) {
      const notified: TimelineEntry[] = [];
      for await (const e of kv.list<TimelineEntry>({ prefix: ["alert_timeline", id] })) {
        if (e.value.kind === "notified") notified.push(e.value);
      }
      assert.equal(notified.length, 1, `alert ${id} notified once in the app`);
    }
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
