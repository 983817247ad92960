import assert from "node:assert/strict";
import type { TimelineEntry } from "../lib/alerts/model.ts";
import { keys } from "../lib/core/keys.ts";
import { sleep } from "./_helpers.ts";
import { freePort, prng, ServerProcess, setupTeam } from "./_process.ts";
import { queueTest } from "./_queues.ts";

const ALERTS = 1000;
/** Reminder delays spread over 2-30 s (fault suite T4): alert i has priority PRIORITIES[i % 3]. */
const PRIORITIES = ["urgent", "high", "medium"] as const;
const REMINDER_MINUTES = { urgent: 2 / 60, high: 0.25, medium: 0.5 }; // 2 s, 15 s, 30 s

queueTest(
  "timers - 1,000 reminders due in 2-30 s across two SIGKILLs: each fires exactly once (T4)",
  async () => {
    const seed = Number(Deno.env.get("TOCSIN_TEST_SEED") ?? Date.now() % 1_000_000);
    console.log(`timers crash test seed ${seed} (set TOCSIN_TEST_SEED to repeat)`);
    const rand = prng(seed);
    const dir = await Deno.makeTempDir();
    const kvPath = `${dir}/tocsin.kv`;
    await using server = new ServerProcess(kvPath, freePort(), { TOCSIN_TIMER_SWEEP_MS: "500" });
    await server.start();
    const { admin, hook } = await setupTeam(server.url, "text");
    const put = await admin.request("PUT", "/api/v1/settings/reminders", {
      urgent: { everyMinutes: REMINDER_MINUTES.urgent, maxRepeats: 1 },
      high: { everyMinutes: REMINDER_MINUTES.high, maxRepeats: 1 },
      medium: { everyMinutes: REMINDER_MINUTES.medium, maxRepeats: 1 },
      low: { everyMinutes: 0, maxRepeats: 0 },
    });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    // This test is about reminders: no out-of-app rules (their timers would still be pending at the end).
    const none = await admin.request("PUT", "/api/v1/me/notification-rules", {
      urgent: [],
      high: [],
      medium: [],
      low: [],
    });
    assert.equal(none.status, 200);

    // 1,000 alerts (urgent, high, medium in turn) from 20 senders that retry until answered (the text dedups retries).
    let next = 0;
    let lastCreated = 0;
    const sender = async () => {
      while (next < ALERTS) {
        const i = next++;
        while (true) {
          try {
            const r = await fetch(`${server.url}/hooks/${hook.integration.id}`, {
              method: "POST",
              headers: {
                authorization: `Bearer ${hook.token}`,
                priority: PRIORITIES[i % 3],
                title: `alert ${i}`,
              },
              body: `reminder test ${i}`,
            });
            await r.body?.cancel();
            if (r.status === 202) break;
          } catch {
            // the server is down: retry
          }
          await sleep(50);
        }
        lastCreated = Date.now();
      }
    };
    const killer = (async () => {
      await sleep(500 + rand() * 1500); // while alerts are being created
      await server.kill();
      await server.start();
      await sleep(5000 + rand() * 3000); // while reminders are firing
      await server.kill();
      await sleep(rand() * 500);
      await server.start();
    })();
    await Promise.all([...Array.from({ length: 20 }, sender), killer]);
    // The last reminders are due 30 s after their alerts; give the reconciler time after them.
    await sleep(Math.max(0, lastCreated + REMINDER_MINUTES.medium * 60_000 + 3_000 - Date.now()));
    await server.kill();

    const kv = await Deno.openKv(kvPath);
    try {
      const reminders = new Map<string, number>();
      const alerts = new Set<string>();
      for await (const e of kv.list<TimelineEntry>({ prefix: ["alert_timeline"] })) {
        const alertId = String(e.key[1]);
        alerts.add(alertId);
        if (
          e.value.kind === "notified" && (e.value.detail as { reminder?: number })?.reminder === 1
        ) {
          reminders.set(alertId, (reminders.get(alertId) ?? 0) + 1);
        }
      }
      assert.equal(alerts.size, ALERTS, "every alert was stored once");
      const missing = [...alerts].filter((a) => !reminders.has(a));
      const doubled = [...reminders].filter(([, n]) => n !== 1);
      assert.deepEqual(missing, [], "no reminder lost");
      assert.deepEqual(doubled, [], "no reminder fired twice");
      let pending = 0;
      for await (const _ of kv.list({ prefix: keys.timersByDue() })) pending++;
      assert.equal(pending, 0, "no timer left behind");
    } finally {
      kv.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
);
