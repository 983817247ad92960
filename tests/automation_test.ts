import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { hmacSha256Hex } from "../lib/core/crypto.ts";
import { adminClient, startServer, type TestServer, userClient } from "./_helpers.ts";
import { queueTest } from "./_queues.ts";

const MIN = 60_000;
const SECRET = "automation-secret-0123";

/** A stand-in webhook receiver: checks the signature, answers with the next scripted status. */
function receiver(script: number[]) {
  const got: {
    delivery: string;
    valid: boolean;
    body: { rule: { name: string }; alert: { id: string } };
  }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.text();
    const ts = req.headers.get("x-tocsin-timestamp") ?? "";
    const want = "sha256=" + await hmacSha256Hex(SECRET, `${ts}.${body}`);
    got.push({
      delivery: req.headers.get("x-tocsin-delivery") ?? "",
      valid: req.headers.get("x-tocsin-signature") === want,
      body: JSON.parse(body),
    });
    return new Response("ok", { status: script.shift() ?? 200 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}/hook`, got, close: () => server.shutdown() };
}

async function world(clock: ManualClock, allowPrivateWebhooks = true) {
  const srv = await startServer({ clock, config: { timerSweepMs: 0, allowPrivateWebhooks } });
  const { client: admin, user: adminUser } = await adminClient(srv);
  const ann = await userClient(srv, "Ann");
  const team = (await admin.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [ann.user.id],
    adminIds: [adminUser.id],
  })).json.team;
  const hook =
    (await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id })).json;
  const fire = async (text: string, priority = "medium") => {
    const r = await fetch(`${srv.url}/hooks/${hook.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${hook.token}`, priority },
      body: text,
    });
    assert.equal(r.status, 202);
    return (await r.json()).alerts[0].alertId as string;
  };
  return { srv, admin, ann, team, fire };
}

async function advance(srv: TestServer, clock: ManualClock, ms: number) {
  clock.advance(ms);
  await srv.core.timers.sweep();
  await srv.core.timers.sweep(); // timers staged by the first sweep (webhooks due now)
}

queueTest(
  "automation - fired 3 times within 10 minutes: raise to urgent and notify; once per alert",
  async () => {
    const clock = new ManualClock();
    const w = await world(clock);
    await using _srv = w.srv;
    const rule = await w.admin.post("/api/v1/automation-rules", {
      name: "flapping",
      teamId: w.team.id,
      when: {
        firedAtLeast: { count: 3, withinMinutes: 10 },
        matchers: [{ field: "title", op: "=~", value: "disk.*" }],
      },
      actions: [{ type: "priority", priority: "urgent" }, {
        type: "notify",
        userId: w.ann.user.id,
      }],
    });
    assert.equal(rule.status, 201, JSON.stringify(rule.json));
    assert.equal(
      (await w.ann.client.post("/api/v1/automation-rules", rule.json.rule)).status,
      400,
      "ids are not input",
    );
    const id = await w.fire("disk full on db-2");
    await advance(w.srv, clock, 4 * MIN);
    await w.fire("disk full on db-2");
    let a = (await w.admin.get(`/api/v1/alerts/${id}`)).json;
    assert.equal(a.alert.priority, "medium", "2 firings: not yet");
    await advance(w.srv, clock, 4 * MIN);
    await w.fire("disk full on db-2");
    a = (await w.admin.get(`/api/v1/alerts/${id}`)).json;
    assert.equal(a.alert.priority, "urgent");
    assert.ok(
      a.timeline.some((e: { kind: string; detail: { rule?: string } }) =>
        e.kind === "automation" && e.detail.rule === "flapping"
      ),
    );
    const notified = a.timeline.filter((e: { kind: string; via: string }) =>
      e.kind === "notified" && e.via === "automation"
    );
    assert.deepEqual(notified[0].detail.userIds, [w.ann.user.id]);
    await w.fire("disk full on db-2");
    const again = (await w.admin.get(`/api/v1/alerts/${id}`)).json.timeline
      .filter((e: { kind: string }) => e.kind === "automation").length;
    assert.equal(again, 1, "a rule fires once per alert");
    // Spread over more than 10 minutes: never.
    const slow = await w.fire("disk slow on db-3");
    for (let i = 0; i < 3; i++) {
      await advance(w.srv, clock, 6 * MIN);
      await w.fire("disk slow on db-3");
    }
    assert.equal((await w.admin.get(`/api/v1/alerts/${slow}`)).json.alert.priority, "medium");
  },
);

queueTest(
  "automation - unacknowledged for 15 minutes: a signed webhook, retried on 500, result on the timeline",
  async () => {
    const clock = new ManualClock();
    const w = await world(clock);
    await using _srv = w.srv;
    const rx = receiver([500, 200]);
    try {
      const rule = await w.admin.post("/api/v1/automation-rules", {
        name: "page the script",
        teamId: w.team.id,
        when: { unacknowledgedForMinutes: 15, priorities: ["high", "urgent"] },
        actions: [{ type: "webhook", url: rx.url, secret: SECRET }],
      });
      assert.equal(rule.status, 201, JSON.stringify(rule.json));
      assert.equal(rule.json.rule.actions[0].secret, "********", "secrets are not read back");
      const acked = await w.fire("api errors", "high");
      const lonely = await w.fire("queue stuck", "high");
      const low = await w.fire("cert soon", "low");
      await w.ann.client.post(`/api/v1/alerts/${acked}/ack`);
      await advance(w.srv, clock, 15 * MIN);
      assert.equal(rx.got.length, 1, "only the unacknowledged high alert");
      assert.equal(rx.got[0].body.alert.id, lonely);
      assert.equal(rx.got[0].valid, true, "HMAC-SHA256 over timestamp.body");
      await advance(w.srv, clock, 10_000);
      assert.equal(rx.got.length, 2, "retried after the 500");
      assert.equal(rx.got[1].delivery, rx.got[0].delivery, "the same delivery id on every attempt");
      await advance(w.srv, clock, 10 * MIN);
      assert.equal(rx.got.length, 2, "and not again after the 200");
      const hooks = (await w.admin.get(`/api/v1/alerts/${lonely}`)).json.timeline
        .filter((e: { kind: string }) => e.kind === "webhook").map((
          e: { detail: { status: number; ok: boolean } },
        ) => [e.detail.status, e.detail.ok]);
      assert.deepEqual(hooks, [[500, false], [200, true]]);
      assert.equal(
        (await w.admin.get(`/api/v1/alerts/${low}`)).json.timeline
          .filter((e: { kind: string }) => e.kind === "automation").length,
        0,
      );
    } finally {
      await rx.close();
    }
  },
);

queueTest(
  "automation - a 400 is final (no retry storm); escalate-to-level acts at once",
  async () => {
    const clock = new ManualClock();
    const w = await world(clock);
    await using _srv = w.srv;
    const rx = receiver([400, 400, 400]);
    try {
      const policy = (await w.admin.post("/api/v1/escalation-policies", {
        name: "p",
        teamId: w.team.id,
        levels: [
          { delayMinutes: 60, targets: [{ type: "user", id: w.ann.user.id }] },
          { delayMinutes: 60, targets: [{ type: "team", id: w.team.id }] },
        ],
      })).json.policy;
      await w.admin.request("PUT", `/api/v1/teams/${w.team.id}/escalation-policy`, {
        policyId: policy.id,
      });
      await w.admin.post("/api/v1/automation-rules", {
        name: "skip ahead",
        teamId: w.team.id,
        when: { unacknowledgedForMinutes: 5 },
        actions: [{ type: "escalate", level: 1 }, { type: "webhook", url: rx.url, secret: SECRET }],
      });
      const id = await w.fire("db down", "high");
      await advance(w.srv, clock, 5 * MIN);
      for (let i = 0; i < 5; i++) await advance(w.srv, clock, 10 * MIN);
      assert.equal(rx.got.length, 1, "a 400 is not retried");
      const t = (await w.admin.get(`/api/v1/alerts/${id}`)).json.timeline;
      const esc = t.find((e: { kind: string }) => e.kind === "escalated");
      assert.equal(esc.detail.level, 1, "escalated to level 2 at 5 minutes, not 60");
    } finally {
      await rx.close();
    }
  },
);

queueTest("automation - webhooks to private addresses are refused unless allowed", async () => {
  const clock = new ManualClock();
  const w = await world(clock, false);
  await using _srv = w.srv;
  for (
    const url of [
      "http://127.0.0.1:9/x",
      "http://10.1.2.3/x",
      "http://[::1]/x",
      "http://localhost/x",
      "ftp://example.com/x",
      "http://user:pw@example.com/",
    ]
  ) {
    const r = await w.admin.post("/api/v1/automation-rules", {
      name: "x",
      teamId: w.team.id,
      when: { unacknowledgedForMinutes: 5 },
      actions: [{ type: "webhook", url, secret: SECRET }],
    });
    assert.equal(r.status, 400, url);
  }
  const member = await w.ann.client.post("/api/v1/automation-rules", {
    name: "x",
    teamId: w.team.id,
    when: { unacknowledgedForMinutes: 5 },
    actions: [{ type: "priority", priority: "low" }],
  });
  assert.equal(member.status, 403, "team members cannot create rules");
});
