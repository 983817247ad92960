/**
 * Two real server processes (no shared memory) on one KV file, with KV
 * queues off and every enqueue refused as KV Connect refuses it: chat and
 * timers cross between them through the KV file alone (the fanout poll), and
 * a SIGKILL of either loses no timer and fires none twice.
 */
import assert from "node:assert/strict";
import { keys } from "../lib/core/keys.ts";
import { Client, connect, sleep } from "./_helpers.ts";
import { freePort, ServerProcess, setupTeam } from "./_process.ts";

/** An urgent alert's one reminder is due this long after it (the schema takes minutes). */
const REMINDER_MS = 3_000;
/** The one escalation step (policies count whole minutes). */
const ESCALATION_MS = 60_000;

interface Entry {
  kind: string;
  detail?: { reminder?: number; level?: number };
}

async function waitFor<T>(what: string, ms: number, f: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const v = await f();
      if (v !== null) return v;
    } catch {
      // a server is restarting: ask again
    }
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

Deno.test("processes - two servers without queues share chat and timers; either may be SIGKILLed (no queues)", async () => {
  const dir = await Deno.makeTempDir();
  const kvPath = `${dir}/tocsin.kv`;
  // The periodic sweep is out of the way (10 minutes): timers made by the other process are
  // found only through the timer hints the fanout poll reads, or a process's start-up sweep.
  const env = {
    TOCSIN_TIMER_SWEEP_MS: "600000",
    TOCSIN_TIMER_PEER_GRACE_MS: "500",
    TOCSIN_FANOUT_POLL_MS: "200",
  };
  await using a = new ServerProcess(kvPath, freePort(), env, [], { queues: "no queues" });
  await using b = new ServerProcess(kvPath, freePort(), env, [], { queues: "no queues" });
  try {
    await a.start();
    await b.start();
    const { admin, team, hook } = await setupTeam(a.url, "text");
    const me = (await admin.get("/api/v1/me")).json.user as { id: string };
    const put = await admin.request("PUT", "/api/v1/settings/reminders", {
      urgent: { everyMinutes: REMINDER_MS / 60_000, maxRepeats: 1 },
      high: { everyMinutes: 0, maxRepeats: 0 },
      medium: { everyMinutes: 0, maxRepeats: 0 },
      low: { everyMinutes: 0, maxRepeats: 0 },
    });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    await admin.request("PUT", "/api/v1/me/notification-rules", {
      urgent: [],
      high: [],
      medium: [],
      low: [],
    });
    const policy = await admin.post("/api/v1/escalation-policies", {
      name: "two steps",
      teamId: team.id,
      levels: [
        { delayMinutes: ESCALATION_MS / 60_000, targets: [{ type: "user", id: me.id }] },
        { delayMinutes: 1, targets: [{ type: "user", id: me.id }] },
      ],
    });
    assert.equal(policy.status, 201, JSON.stringify(policy.json));
    await admin.request("PUT", `/api/v1/teams/${team.id}/escalation-policy`, {
      policyId: policy.json.policy.id,
    });
    const fire = async (server: ServerProcess, title: string) => {
      const r = await fetch(`${server.url}/hooks/${hook.integration.id}`, {
        method: "POST",
        headers: { authorization: `Bearer ${hook.token}`, priority: "urgent", title },
        body: title,
      });
      const j = await r.json();
      assert.equal(r.status, 202, JSON.stringify(j));
      return j.alerts[0].alertId as string;
    };
    /** The admin's view of an alert, through whichever server answers. */
    const timeline = async (id: string, via: ServerProcess[]) => {
      for (const s of via) {
        try {
          const c = new Client(s.url);
          c.cookie = admin.cookie;
          const r = await c.get(`/api/v1/alerts/${id}`);
          if (r.status === 200) return r.json.timeline as Entry[];
        } catch {
          // down: try the other
        }
      }
      return null;
    };
    const reminders = (t: Entry[]) =>
      t.filter((e) => e.kind === "notified" && e.detail?.reminder === 1).length;
    const escalations = (t: Entry[]) => t.filter((e) => e.kind === "escalated").length;

    // 1. Chat: a message sent through A reaches a socket on B.
    const first = await fire(a, "one");
    const alert = (await admin.get(`/api/v1/alerts/${first}`)).json.alert;
    const onB = new Client(b.url);
    onB.cookie = admin.cookie;
    const ws = await connect(onB, { hello: { [alert.conversationId]: 1 } });
    const sent = await admin.post(`/api/v1/conversations/${alert.conversationId}/messages`, {
      clientId: "c1",
      text: "sent through A",
    });
    assert.equal(sent.status, 201, JSON.stringify(sent.json));
    await ws.until(
      () => ws.messages(alert.conversationId).some((m) => m.text === "sent through A"),
      5_000,
      "the message on B",
    );
    ws.close();

    // 2. Both up: the first alert's reminder fires once between them.
    await waitFor("the first reminder", 15_000, async () => {
      const t = await timeline(first, [a, b]);
      return t && reminders(t) > 0 ? t : null;
    });

    // 3. A is killed just after it stored an alert: B, which only heard of its timers through
    // the fanout log, fires the reminder.
    const second = await fire(a, "two");
    await a.kill();
    await waitFor("the second reminder, fired by B", 15_000, async () => {
      const t = await timeline(second, [b]);
      return t && reminders(t) > 0 ? t : null;
    });
    await a.start();

    // 4. The other way round: B stores an alert and is killed; A fires its reminder.
    const third = await fire(b, "three");
    await b.kill();
    await waitFor("the third reminder, fired by A", 15_000, async () => {
      const t = await timeline(third, [a]);
      return t && reminders(t) > 0 ? t : null;
    });
    await b.start();

    // 5. The escalation steps (a minute after each alert) fire too, across one more SIGKILL.
    await a.kill();
    await sleep(500);
    await a.start();
    const ids = [first, second, third];
    await waitFor("every escalation step", ESCALATION_MS + 30_000, async () => {
      for (const id of ids) {
        const t = await timeline(id, [a, b]);
        if (!t || escalations(t) === 0) return null;
      }
      return true;
    });
    // Leave time for a second firing, if any was going to happen (the peer grace, a sweep).
    await sleep(2_000);
    for (const id of ids) {
      const t = await timeline(id, [a, b]);
      assert.ok(t, `the timeline of ${id}`);
      assert.equal(reminders(t), 1, `one reminder for ${id}`);
      assert.equal(escalations(t), 1, `one escalation step for ${id}`);
    }
    await a.kill();
    await b.kill();
    const kv = await Deno.openKv(kvPath);
    try {
      const left = [];
      for await (const e of kv.list({ prefix: keys.timersByDue() })) left.push(e.key);
      assert.deepEqual(left, [], "no timer left pending");
    } finally {
      kv.close();
    }
  } finally {
    await a.kill();
    await b.kill();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
