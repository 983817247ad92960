/**
 * DING: an urgent message to chosen members, a banner until each confirms, then push, SMS and a
 * call as far as the sender chose, confirmed in the app or by a single-use link; the sender sees
 * delivered, read and confirmed, and may DING again no sooner than TOCSIN_DING_AGAIN_MS.
 */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import {
  addVerifiedContact,
  adminClient,
  Client,
  startServer,
  type TestServer,
  userClient,
} from "./_helpers.ts";
import { pushService } from "./_push_service.ts";
import { queueTest } from "./_queues.ts";

const STEP = 60_000;

async function advance(srv: TestServer, clock: ManualClock, ms: number) {
  clock.advance(ms);
  await srv.core.timers.sweep();
}

function smsGateway() {
  const sms: { to: string; text: string }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    sms.push(await req.json());
    return new Response("ok");
  });
  return { url: `http://127.0.0.1:${server.addr.port}/sms`, sms, close: () => server.shutdown() };
}

queueTest({
  name: "ding - banner, push then SMS for the unconfirmed, confirm by link, status for the sender",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const push = pushService();
    const gw = smsGateway();
    const clock = new ManualClock(Date.now());
    try {
      await using srv = await startServer({
        clock,
        config: { timerSweepMs: 0, allowPrivateWebhooks: true, dingStepMs: STEP },
      });
      const { client: admin } = await adminClient(srv);
      const ann = await userClient(srv, "Ann");
      const bob = await userClient(srv, "Bob");
      await admin.post("/api/v1/providers", {
        name: "gateway",
        kind: "http",
        config: { url: gw.url, headers: {} },
      });
      await addVerifiedContact(srv, bob.user, "sms", "+8613800000007");
      await bob.client.post("/api/v1/me/push-devices", push.subscribe("bob"));
      const conv = (await ann.client.post("/api/v1/conversations", {
        kind: "group",
        title: "db",
        memberIds: [bob.user.id],
      })).json.conversation;
      const msg = (await ann.client.post(`/api/v1/conversations/${conv.id}/messages`, {
        clientId: "c1",
        text: "Primary is down, please look now",
      })).json.message;

      const sent = await ann.client.post(`/api/v1/conversations/${conv.id}/dings`, {
        seq: msg.seq,
        userIds: [bob.user.id],
        mode: "sms",
      });
      assert.equal(sent.status, 201, JSON.stringify(sent.json));
      const ding = sent.json.ding;
      assert.deepEqual(
        ding.recipients.map((r: { name: string; confirmedAt: null }) => [r.name, r.confirmedAt]),
        [["Bob", null]],
      );
      // Everyone in the conversation sees the event (live and after a resume, like a message).
      const history = (await bob.client.get(`/api/v1/conversations/${conv.id}/messages`)).json;
      const event = history.items.at(-1);
      assert.equal(event.system.event, "ding");
      assert.equal(event.system.dingId, ding.id);
      assert.equal(event.system.ref, msg.seq);
      // Bob's banner.
      const banners = (await bob.client.get("/api/v1/me/dings")).json.items;
      assert.equal(banners.length, 1);
      assert.equal(banners[0].senderName, "Ann");
      assert.equal(banners[0].text, "Primary is down, please look now");
      assert.deepEqual((await ann.client.get("/api/v1/me/dings")).json.items, []);

      // Bob reads the conversation: the sender sees delivered and read.
      await bob.client.post(`/api/v1/conversations/${conv.id}/read`, { seq: event.seq });
      const seen = (await ann.client.get(`/api/v1/dings/${ding.id}`)).json.ding.recipients[0];
      assert.equal(seen.read, true);
      assert.equal(seen.confirmedAt, null);

      // Not confirmed after a step: push; after another: SMS with a confirm link; then nothing.
      await advance(srv, clock, STEP);
      assert.equal(push.received.length, 1);
      assert.equal(push.received[0].payload.title, "DING · Ann");
      assert.equal(push.received[0].payload.action, "confirm");
      assert.equal(gw.sms.length, 0);
      await advance(srv, clock, STEP);
      assert.equal(gw.sms.length, 1);
      assert.match(gw.sms[0].text, /^DING from Ann: Primary is down.* Confirm: http\S+\/ding\//);
      await advance(srv, clock, STEP);
      await advance(srv, clock, STEP);
      assert.equal(gw.sms.length, 1, "mode sms: no call");
      const steps =
        (await ann.client.get(`/api/v1/dings/${ding.id}`)).json.ding.recipients[0].steps;
      assert.deepEqual(steps.map((s: { channel: string; ok: boolean }) => [s.channel, s.ok]), [
        ["push", true],
        ["sms", true],
      ]);

      // Confirmed from the SMS link, without a session; once.
      const path = new URL(/Confirm: (\S+)/.exec(gw.sms[0].text)![1]).pathname;
      const anon = new Client(srv.url, undefined, null);
      const page = await anon.request("GET", path);
      assert.equal(page.status, 200);
      assert.equal((await anon.request("POST", path)).status, 200);
      assert.notEqual((await anon.request("POST", path)).status, 200, "single use");
      const after = (await ann.client.get(`/api/v1/dings/${ding.id}`)).json.ding.recipients[0];
      assert.ok(after.confirmedAt);
      assert.deepEqual((await bob.client.get("/api/v1/me/dings")).json.items, []);
      const again = await ann.client.post(`/api/v1/dings/${ding.id}/again`, {});
      assert.equal(again.status, 409, "everyone confirmed");
    } finally {
      await push.close();
      await gw.close();
    }
  },
});

queueTest({
  name: "ding - who may send, to whom, confirm and repeat; a repeat replaces the old steps",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const push = pushService();
    const clock = new ManualClock(Date.now());
    try {
      await using srv = await startServer({
        clock,
        config: { timerSweepMs: 0, allowPrivateWebhooks: true, dingStepMs: STEP },
      });
      await adminClient(srv);
      const ann = await userClient(srv, "Ann");
      const bob = await userClient(srv, "Bob");
      const cat = await userClient(srv, "Cat");
      const out = await userClient(srv, "Outsider");
      await bob.client.post("/api/v1/me/push-devices", push.subscribe("bob"));
      const conv = (await ann.client.post("/api/v1/conversations", {
        kind: "group",
        title: "db",
        memberIds: [bob.user.id, cat.user.id],
      })).json.conversation;
      const msg = (await ann.client.post(`/api/v1/conversations/${conv.id}/messages`, {
        clientId: "c1",
        text: "look",
      })).json.message;
      const url = `/api/v1/conversations/${conv.id}/dings`;
      const body = (userIds: string[], seq = msg.seq) => ({ seq, userIds, mode: "app" });
      assert.equal((await ann.client.post(url, body([ann.user.id]))).status, 400, "not to oneself");
      assert.equal((await ann.client.post(url, body([out.user.id]))).status, 400, "members only");
      assert.equal((await ann.client.post(url, body([bob.user.id], 999))).status, 404);
      assert.equal(
        (await ann.client.post(url, body([bob.user.id], 1))).status,
        404,
        "a system event",
      );
      assert.equal((await out.client.post(url, body([bob.user.id]))).status, 404);
      const bad = await ann.client.post(url, { seq: msg.seq, userIds: [bob.user.id], mode: "fax" });
      assert.equal(bad.status, 400);

      const ding = (await ann.client.post(url, body([bob.user.id, cat.user.id]))).json.ding;
      // Only a recipient confirms; only members see the status; only the sender repeats.
      assert.equal((await out.client.post(`/api/v1/dings/${ding.id}/confirm`, {})).status, 404);
      assert.equal((await out.client.get(`/api/v1/dings/${ding.id}`)).status, 404);
      assert.equal((await ann.client.post(`/api/v1/dings/${ding.id}/confirm`, {})).status, 404);
      const catOk = await cat.client.post(`/api/v1/dings/${ding.id}/confirm`, {});
      assert.equal(catOk.status, 200);
      assert.equal((await cat.client.post(`/api/v1/dings/${ding.id}/confirm`, {})).status, 200);
      assert.equal((await bob.client.post(`/api/v1/dings/${ding.id}/again`, {})).status, 404);
      const early = await ann.client.post(`/api/v1/dings/${ding.id}/again`, {});
      assert.equal(early.status, 429);
      assert.equal(early.json.error.code, "rate_limited");

      // Four minutes on (the first push went at one), a repeat is allowed at five: to Bob only.
      await advance(srv, clock, STEP);
      assert.equal(push.received.length, 1, "mode app: the push step");
      await advance(srv, clock, 4 * STEP);
      const again = await ann.client.post(`/api/v1/dings/${ding.id}/again`, {});
      assert.equal(again.status, 200, JSON.stringify(again.json));
      const history = (await bob.client.get(`/api/v1/conversations/${conv.id}/messages`)).json;
      assert.deepEqual(history.items.at(-1).system.userIds, [bob.user.id]);
      await advance(srv, clock, STEP);
      assert.equal(push.received.length, 2, "the repeat's own push step");
      await advance(srv, clock, 3 * STEP);
      assert.equal(push.received.length, 2, "mode app stops after the push");
    } finally {
      await push.close();
    }
  },
});
