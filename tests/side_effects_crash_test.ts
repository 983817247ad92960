/**
 * Fault suite T5: the server is SIGKILLed while it is notifying. Each
 * notification is an automation webhook to a stand-in that runs in its own
 * process and honours Tocsin's idempotency key; after the restarts, every
 * alert's notification took effect exactly once.
 */
import assert from "node:assert/strict";
import { sleep } from "./_helpers.ts";
import { freePort, prng, ServerProcess, setupTeam } from "./_process.ts";
import { queueTest } from "./_queues.ts";

const ALERTS = 200;
const KILLS = 2;

interface Stats {
  received: number;
  effects: number;
  perAlert: Record<string, number>;
}

queueTest(
  "side effects - killed while notifying: after restarts each notification took effect once (T5)",
  async () => {
    const seed = Number(Deno.env.get("TOCSIN_TEST_SEED") ?? Date.now() % 1_000_000);
    console.log(`side-effects crash test seed ${seed} (set TOCSIN_TEST_SEED to repeat)`);
    const rand = prng(seed);
    const standinPort = freePort();
    const standin = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./_standin.ts", import.meta.url).pathname,
        `${standinPort}`,
        "300",
      ],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = standin.stdout.getReader();
    await reader.read(); // "listening"
    reader.releaseLock();
    const stats = async (): Promise<Stats> =>
      await (await fetch(`http://127.0.0.1:${standinPort}/stats`)).json();

    const dir = await Deno.makeTempDir();
    await using server = new ServerProcess(`${dir}/tocsin.kv`, freePort(), {
      TOCSIN_ALLOW_PRIVATE_WEBHOOKS: "1",
      TOCSIN_TIMER_SWEEP_MS: "500",
      // A delivery the kill interrupted is claimed by the dead process until this lapses; the
      // stand-in holds each request 300 ms, well within it.
      TOCSIN_TIMER_CLAIM_MS: "2000",
    });
    try {
      await server.start();
      const { admin, team, hook } = await setupTeam(server.url, "text");
      const rule = await admin.post("/api/v1/automation-rules", {
        name: "notify the script",
        teamId: team.id,
        when: { unacknowledgedForMinutes: 0.02 },
        actions: [{
          type: "webhook",
          url: `http://127.0.0.1:${standinPort}/hook`,
          secret: "t5-webhook-secret-0123",
        }],
      });
      assert.equal(rule.status, 201, JSON.stringify(rule.json));
      const ids = new Set<string>();
      for (let i = 0; i < ALERTS; i++) {
        const r = await fetch(`${server.url}/hooks/${hook.integration.id}`, {
          method: "POST",
          headers: { authorization: `Bearer ${hook.token}` },
          body: `side effect ${i}`,
        });
        assert.equal(r.status, 202);
        ids.add((await r.json()).alerts[0].alertId);
      }

      // Kill it while notifications are under way (the stand-in holds each one for 300 ms).
      let interrupted = 0;
      for (let k = 0; k < KILLS; k++) {
        const before = (await stats()).received;
        const deadline = Date.now() + 30_000;
        while ((await stats()).received < before + 5 + Math.floor(rand() * 30)) {
          if (Date.now() > deadline) throw new Error("no notifications under way");
          await sleep(20);
        }
        await server.kill();
        interrupted = (await stats()).received;
        await sleep(rand() * 300);
        await server.start();
      }

      const deadline = Date.now() + 90_000;
      while ((await stats()).effects < ALERTS && Date.now() < deadline) await sleep(250);
      await sleep(2000); // anything still to come would be a second notification
      const s = await stats();
      console.log(
        `T5: ${s.received} webhook requests, ${s.effects} distinct notifications, ` +
          `${s.received - s.effects} repeats absorbed by the idempotency key`,
      );
      assert.ok(interrupted > 0);
      assert.equal(s.effects, ALERTS, "every alert's notification took effect");
      assert.deepEqual(new Set(Object.keys(s.perAlert)), ids);
      assert.deepEqual(
        Object.entries(s.perAlert).filter(([, n]) => n !== 1),
        [],
        "each alert notified exactly once",
      );
      assert.ok(s.received >= s.effects);
      // Tocsin's own record: one webhook delivery per alert on its timeline, ending "sent". A
      // request the kill cut off before its record is sent again (and recorded) once the dead
      // process's claim on it lapses.
      for (const id of [...ids].slice(0, 20)) {
        const recorded = async () => {
          const t = (await admin.get(`/api/v1/alerts/${id}`)).json.timeline as {
            kind: string;
            detail?: { ok?: boolean; status?: string };
          }[];
          return t.some((e) => e.kind === "webhook");
        };
        const until = Date.now() + 15_000;
        while (!(await recorded()) && Date.now() < until) await sleep(250);
        assert.ok(await recorded(), `alert ${id} records its webhook`);
      }
      const after = await stats();
      assert.equal(after.effects, ALERTS, "the repeats took no second effect");
    } finally {
      await server.kill();
      standin.kill("SIGKILL");
      await standin.status;
      await standin.stdout.cancel().catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
);
