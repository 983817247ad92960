/**
 * Web Push end to end against a stand-in push service that checks the VAPID JWT and decrypts
 * the payload as a browser would: a person subscribes a device, an urgent alert pushes to it
 * (priority, title, team, a link to the alert, a single-use acknowledge link that works
 * without a session), and a subscription the service calls gone is dropped.
 */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { adminClient, Client, startServer, type TestServer, userClient } from "./_helpers.ts";
import { pushService } from "./_push_service.ts";
import { queueTest } from "./_queues.ts";

async function advance(srv: TestServer, clock: ManualClock, ms: number) {
  clock.advance(ms);
  await srv.core.timers.sweep();
}

queueTest({
  name:
    "push - an urgent alert reaches a subscribed device, acknowledges from it, gone devices drop",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const push = pushService();
    const clock = new ManualClock(Date.now());
    try {
      await using srv = await startServer({
        clock,
        config: { timerSweepMs: 0, allowPrivateWebhooks: true },
      });
      const { client: admin, user: adminUser } = await adminClient(srv);
      const ann = await userClient(srv, "Ann");
      const bob = await userClient(srv, "Bob");

      const key1 = (await ann.client.get("/api/v1/push/key")).json.publicKey;
      const key2 = (await bob.client.get("/api/v1/push/key")).json.publicKey;
      assert.match(key1, /^[A-Za-z0-9_-]{87}$/, "an uncompressed P-256 key, base64url");
      assert.equal(key1, key2, "one key pair per server, made once");

      const sub = push.subscribe("ann-phone");
      const made = await ann.client.post("/api/v1/me/push-devices", {
        ...sub,
        expirationTime: null,
        label: "Chrome on Android",
      });
      assert.equal(made.status, 201, JSON.stringify(made.json));
      // Subscribing the same endpoint again (new keys) replaces the device, not adds one.
      assert.equal((await ann.client.post("/api/v1/me/push-devices", sub)).status, 201);
      const list = (await ann.client.get("/api/v1/me/push-devices")).json.items;
      assert.equal(list.length, 1);
      assert.equal(list[0].label, "Browser", "the second subscribe named no device");
      assert.equal(list[0].service, new URL(push.base).host);
      assert.equal(JSON.stringify(list).includes(sub.keys.auth), false, "keys are not read back");
      // Nobody else sees or removes Ann's device.
      assert.deepEqual((await bob.client.get("/api/v1/me/push-devices")).json.items, []);
      const theft = await bob.client.request("DELETE", `/api/v1/me/push-devices/${list[0].id}`);
      assert.equal(theft.status, 404);

      await ann.client.request("PUT", "/api/v1/me/notification-rules", {
        urgent: [{ channel: "push", afterMinutes: 0 }],
        high: [],
        medium: [],
        low: [],
      });
      const team = (await admin.post("/api/v1/teams", {
        name: "SRE",
        memberIds: [ann.user.id],
        adminIds: [adminUser.id],
      })).json.team;
      const integration =
        (await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id }))
          .json;
      const fire = async (title: string) => {
        const r = await fetch(`${srv.url}/hooks/${integration.integration.id}`, {
          method: "POST",
          headers: { authorization: `Bearer ${integration.token}`, priority: "urgent", title },
          body: `${title} details`,
        });
        return (await r.json()).alerts[0].alertId as string;
      };

      const id = await fire("Payments down");
      await advance(srv, clock, 1_000);
      assert.deepEqual(push.refused, [], "the VAPID JWT was good");
      assert.equal(push.received.length, 1);
      const got = push.received[0];
      assert.equal(got.vapidKey, key1);
      assert.equal(got.urgency, "high");
      assert.ok(got.ttl > 0);
      assert.equal(got.payload.title, "Payments down");
      assert.match(String(got.payload.body), /^URGENT · SRE/);
      assert.equal(got.payload.url, `/alerts/${id}`);
      assert.equal(got.payload.requireInteraction, true);
      const deliveries = (await admin.get(`/api/v1/alerts/${id}/deliveries`)).json.items;
      const mine = deliveries.find((d: { userId: string }) => d.userId === ann.user.id);
      assert.equal(mine.channel, "push");
      assert.equal(mine.status, "sent");
      assert.equal(mine.to, "1 device(s)");

      // The notification's Acknowledge button: a POST to the single-use link, no session.
      const ack = new URL(String(got.payload.ackUrl)).pathname;
      assert.match(ack, /^\/ack\//);
      const anon = new Client(srv.url, undefined, null);
      assert.equal((await anon.request("POST", ack)).status, 200);
      assert.equal((await admin.get(`/api/v1/alerts/${id}`)).json.alert.status, "acknowledged");
      assert.notEqual((await anon.request("POST", ack)).status, 200, "single use");
      const device = (await ann.client.get("/api/v1/me/push-devices")).json.items[0];
      assert.ok(device.lastOkAt, "the device shows its last good delivery");

      // The browser unsubscribed: the service answers 410, and the device is dropped.
      push.gone("ann-phone");
      const id2 = await fire("Checkout slow");
      await advance(srv, clock, 1_000);
      assert.deepEqual((await ann.client.get("/api/v1/me/push-devices")).json.items, []);
      const failed = (await admin.get(`/api/v1/alerts/${id2}/deliveries`)).json.items
        .find((d: { userId: string }) => d.userId === ann.user.id);
      assert.equal(failed.status, "failed");
      assert.match(failed.attempts[0].detail, /gone \(410\)/);
      // With no device left, paging no longer plans push steps for Ann (she is unreachable).
      await fire("Third");
      await advance(srv, clock, 1_000);
      assert.equal(push.received.length, 1);
    } finally {
      await push.close();
    }
  },
});

Deno.test("push - subscriptions are checked: keys, endpoints inside the network, the device limit", async () => {
  const push = pushService();
  try {
    await using srv = await startServer({ config: { pushMaxDevices: 2 } });
    await adminClient(srv);
    const ann = await userClient(srv, "Ann");
    const sub = push.subscribe("a");
    // The default policy refuses a push service on a private address (SSRF).
    const inside = await ann.client.post("/api/v1/me/push-devices", sub);
    assert.equal(inside.status, 400, JSON.stringify(inside.json));
    assert.equal(inside.json.error.code, "invalid_input");
    const bad = await ann.client.post("/api/v1/me/push-devices", {
      endpoint: "https://push.example.com/x",
      keys: { p256dh: "not-a-key", auth: sub.keys.auth },
    });
    assert.equal(bad.status, 400);
    const js = await ann.client.post("/api/v1/me/push-devices", {
      endpoint: "javascript:alert(1)",
      keys: sub.keys,
    });
    assert.equal(js.status, 400);
  } finally {
    await push.close();
  }
  const push2 = pushService();
  try {
    await using srv = await startServer({
      config: { pushMaxDevices: 2, allowPrivateWebhooks: true },
    });
    await adminClient(srv);
    const ann = await userClient(srv, "Ann");
    for (const n of ["a", "b"]) {
      assert.equal(
        (await ann.client.post("/api/v1/me/push-devices", push2.subscribe(n))).status,
        201,
      );
    }
    const third = await ann.client.post("/api/v1/me/push-devices", push2.subscribe("c"));
    assert.equal(third.status, 409);
    const items = (await ann.client.get("/api/v1/me/push-devices")).json.items;
    assert.equal(items.length, 2);
    assert.equal(
      (await ann.client.request("DELETE", `/api/v1/me/push-devices/${items[0].id}`)).status,
      200,
    );
    assert.equal(
      (await ann.client.post("/api/v1/me/push-devices", push2.subscribe("c"))).status,
      201,
    );
  } finally {
    await push2.close();
  }
});
