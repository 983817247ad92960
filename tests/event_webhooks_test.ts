/** Event webhooks against a real local receiver that checks the signature and records deliveries. */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { sendMessage } from "../lib/chat/messages.ts";
import { adminClient, type Client, startServer, type TestServer, userClient } from "./_helpers.ts";

const enc = new TextEncoder();
async function hmacHex(key: string, msg: string): Promise<string> {
  const k = await crypto.subtle.importKey(
    "raw",
    enc.encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return [...new Uint8Array(await crypto.subtle.sign("HMAC", k, enc.encode(msg)))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

interface Got {
  path: string;
  delivery: string;
  event: string;
  contentType: string;
  signed: boolean;
  // deno-lint-ignore no-explicit-any
  body: any;
}

/** A receiver: `/fail-N` answers 503 to its first N requests, then 204; secrets by path. */
function receiver(secrets: Map<string, string>) {
  const got: Got[] = [];
  const seen = new Map<string, number>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    const text = await req.text();
    const ts = req.headers.get("x-tocsin-timestamp") ?? "";
    const secret = secrets.get(path) ?? "unknown";
    const signed = req.headers.get("x-tocsin-signature") ===
      "sha256=" + await hmacHex(secret, `${ts}.${text}`);
    got.push({
      path,
      delivery: req.headers.get("x-tocsin-delivery") ?? "",
      event: req.headers.get("x-tocsin-event") ?? "",
      contentType: req.headers.get("content-type") ?? "",
      signed,
      body: JSON.parse(text),
    });
    const m = /^\/fail-(\d+)$/.exec(path);
    const n = (seen.get(path) ?? 0) + 1;
    seen.set(path, n);
    if (m && n <= Number(m[1])) return new Response("down", { status: 503 });
    return new Response(null, { status: 204 });
  });
  return { base: `http://127.0.0.1:${server.addr.port}`, got, close: () => server.shutdown() };
}

async function world() {
  const clock = new ManualClock(Date.now());
  const srv = await startServer({
    clock,
    config: {
      timerSweepMs: 0,
      allowPrivateWebhooks: true,
      eventWebhookBackoffMs: 1_000,
      eventWebhookMaxAttempts: 3,
    },
  });
  const { client: admin, user } = await adminClient(srv);
  const team = async (name: string) => {
    const t = (await admin.post("/api/v1/teams", { name, adminIds: [user.id] })).json.team;
    const hook = (await admin.post("/api/v1/integrations", { name, type: "text", teamId: t.id }))
      .json;
    const fire = async (title: string) => {
      const r = await fetch(`${srv.url}/hooks/${hook.integration.id}`, {
        method: "POST",
        headers: { authorization: `Bearer ${hook.token}`, title },
        body: title,
      });
      assert.equal(r.status, 202);
      return (await r.json()).alerts[0].alertId as string;
    };
    const conversationId = (await admin.get(`/api/v1/teams/${t.id}`)).json.team.conversationId;
    return { id: t.id as string, conversationId: conversationId as string, fire };
  };
  return { clock, srv, admin, team };
}

async function subscribe(
  admin: Client,
  teamId: string,
  url: string,
  events: string[],
  format = "tocsin",
) {
  const r = await admin.post("/api/v1/event-webhooks", { teamId, name: "rx", url, events, format });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.match(r.json.secret, /^whsec_/);
  assert.equal(r.json.webhook.secret, undefined);
  return { id: r.json.webhook.id as string, secret: r.json.secret as string };
}

async function drain(srv: TestServer) {
  for (let i = 0; i < 3; i++) await srv.core.timers.sweep();
}

Deno.test("event webhooks - alert events arrive signed, in Tocsin's JSON, only for the team's own alerts", async () => {
  const w = await world();
  await using _srv = w.srv;
  const secrets = new Map<string, string>();
  const rx = receiver(secrets);
  try {
    const a = await w.team("Payments");
    const b = await w.team("Search");
    const subA = await subscribe(w.admin, a.id, rx.base + "/a", [
      "alert.triggered",
      "alert.acknowledged",
      "alert.noted",
      "alert.resolved",
    ]);
    secrets.set("/a", subA.secret);
    const subB = await subscribe(w.admin, b.id, rx.base + "/b", ["alert.triggered"]);
    secrets.set("/b", subB.secret);

    const alertId = await a.fire("disk full");
    await drain(w.srv);
    assert.deepEqual(rx.got.map((g) => [g.path, g.event]), [["/a", "alert.triggered"]]);
    const first = rx.got[0];
    assert.equal(first.signed, true);
    assert.equal(first.contentType, "application/json");
    assert.equal(first.body.type, "alert.triggered");
    assert.equal(first.body.id, first.delivery);
    assert.equal(first.body.teamId, a.id);
    assert.equal(first.body.data.alert.id, alertId);
    assert.equal(first.body.data.alert.title, "disk full");
    assert.equal(first.body.data.entry.kind, "triggered");

    assert.equal((await w.admin.post(`/api/v1/alerts/${alertId}/ack`, {})).status, 200);
    assert.equal(
      (await w.admin.post(`/api/v1/alerts/${alertId}/notes`, { text: "looking" })).status,
      200,
    );
    await drain(w.srv);
    assert.equal(rx.got[0].event, "alert.triggered");
    // The acknowledgement and the note are delivered side by side: either may arrive first.
    assert.deepEqual(rx.got.slice(1).map((g) => g.event).sort(), [
      "alert.acknowledged",
      "alert.noted",
    ]);
    assert.equal(rx.got.find((g) => g.event === "alert.noted")!.body.data.entry.note, "looking");
    assert.ok(rx.got.every((g) => g.signed && g.path === "/a"), "nothing went to team B");
    assert.equal(new Set(rx.got.map((g) => g.delivery)).size, 3);

    // Team B's own alert reaches only team B's subscription.
    await b.fire("index lag");
    await drain(w.srv);
    assert.deepEqual(rx.got.slice(3).map((g) => [g.path, g.event]), [["/b", "alert.triggered"]]);

    // A disabled subscription hears nothing.
    const off = await w.admin.patch(`/api/v1/event-webhooks/${subA.id}`, { enabled: false });
    assert.equal(off.status, 200);
    assert.equal(off.json.webhook.enabled, false);
    assert.equal((await w.admin.post(`/api/v1/alerts/${alertId}/resolve`, {})).status, 200);
    await drain(w.srv);
    assert.equal(rx.got.length, 4);
  } finally {
    await rx.close();
  }
});

Deno.test("event webhooks - a failing receiver gets retries with the same delivery id, logged per attempt", async () => {
  const w = await world();
  await using _srv = w.srv;
  const secrets = new Map<string, string>();
  const rx = receiver(secrets);
  try {
    const a = await w.team("Payments");
    const sub = await subscribe(w.admin, a.id, rx.base + "/fail-2", ["alert.triggered"]);
    secrets.set("/fail-2", sub.secret);
    await a.fire("db down");
    await drain(w.srv);
    assert.equal(rx.got.length, 1);
    // Backoff: 1 s, then 2 s.
    w.clock.advance(999);
    await drain(w.srv);
    assert.equal(rx.got.length, 1, "not before the backoff");
    w.clock.advance(1);
    await drain(w.srv);
    assert.equal(rx.got.length, 2);
    w.clock.advance(2_000);
    await drain(w.srv);
    assert.equal(rx.got.length, 3);
    w.clock.advance(60_000);
    await drain(w.srv);
    assert.equal(rx.got.length, 3, "delivered: no more attempts");
    assert.equal(new Set(rx.got.map((g) => g.delivery)).size, 1, "one delivery id");
    assert.equal(new Set(rx.got.map((g) => g.body.id)).size, 1);
    assert.ok(rx.got.every((g) => g.signed));

    const log = (await w.admin.get(`/api/v1/event-webhooks/${sub.id}/deliveries`)).json.items;
    assert.deepEqual(
      log.map((l: { attempt: number; status: number; ok: boolean }) => [l.attempt, l.status, l.ok]),
      [[3, 204, true], [2, 503, false], [1, 503, false]],
    );
    assert.equal(log[0].deliveryId, rx.got[0].delivery);
    assert.ok(log[1].retryAt > log[1].at);
  } finally {
    await rx.close();
  }
});

Deno.test("event webhooks - gives up after the configured attempts", async () => {
  const w = await world();
  await using _srv = w.srv;
  const rx = receiver(new Map());
  try {
    const a = await w.team("Payments");
    const sub = await subscribe(w.admin, a.id, rx.base + "/fail-99", ["alert.triggered"]);
    await a.fire("db down");
    for (let i = 0; i < 6; i++) {
      await drain(w.srv);
      w.clock.advance(10_000);
    }
    assert.equal(rx.got.length, 3);
    const log = (await w.admin.get(`/api/v1/event-webhooks/${sub.id}/deliveries`)).json.items;
    assert.equal(log.length, 3);
    assert.equal(log[0].retryAt, undefined, "the last attempt schedules none");
  } finally {
    await rx.close();
  }
});

Deno.test("event webhooks - CloudEvents structured mode, message events and send test", async () => {
  const w = await world();
  await using _srv = w.srv;
  const secrets = new Map<string, string>();
  const rx = receiver(secrets);
  try {
    const a = await w.team("Payments");
    const sub = await subscribe(
      w.admin,
      a.id,
      rx.base + "/ce",
      ["alert.triggered", "message.created"],
      "cloudevents",
    );
    secrets.set("/ce", sub.secret);
    const alertId = await a.fire("latency");
    const sent = await w.admin.post(`/api/v1/conversations/${a.conversationId}/messages`, {
      text: "on it",
      clientId: "c1",
    });
    assert.equal(sent.status, 201, JSON.stringify(sent.json));
    await drain(w.srv);
    // Deliveries run side by side: the two may arrive in either order.
    assert.deepEqual(rx.got.map((g) => g.event).sort(), ["alert.triggered", "message.created"]);
    for (const g of rx.got) {
      assert.equal(g.signed, true);
      assert.equal(g.contentType, "application/cloudevents+json; charset=utf-8");
      assert.equal(g.body.specversion, "1.0");
      assert.equal(g.body.id, g.delivery);
      assert.equal(
        g.body.source,
        `${w.srv.config.publicOrigin ?? "http://localhost:" + w.srv.config.port}/teams/${a.id}`,
      );
      assert.equal(g.body.datacontenttype, "application/json");
      assert.ok(!Number.isNaN(Date.parse(g.body.time)));
    }
    const byEvent = (e: string) => rx.got.find((g) => g.event === e)!.body;
    assert.equal(byEvent("alert.triggered").type, "tocsin.alert.triggered");
    assert.equal(byEvent("alert.triggered").subject, `alerts/${alertId}`);
    assert.equal(byEvent("alert.triggered").data.alert.id, alertId);
    assert.equal(byEvent("message.created").type, "tocsin.message.created");
    assert.equal(byEvent("message.created").data.message.text, "on it");

    const t = await w.admin.post(`/api/v1/event-webhooks/${sub.id}/test`);
    assert.equal(t.status, 200);
    assert.equal(t.json.result.ok, true);
    assert.equal(rx.got.at(-1)!.body.type, "tocsin.webhook.test");
    assert.equal(rx.got.at(-1)!.signed, true);
    const log = (await w.admin.get(`/api/v1/event-webhooks/${sub.id}/deliveries`)).json.items;
    assert.equal(log[0].type, "webhook.test");

    // A rotated secret signs from then on; the old one no longer verifies.
    const rot = await w.admin.post(`/api/v1/event-webhooks/${sub.id}/secret`);
    assert.notEqual(rot.json.secret, sub.secret);
    await w.admin.post(`/api/v1/event-webhooks/${sub.id}/test`);
    assert.equal(rx.got.at(-1)!.signed, false);
    secrets.set("/ce", rot.json.secret);
    await w.admin.post(`/api/v1/event-webhooks/${sub.id}/test`);
    assert.equal(rx.got.at(-1)!.signed, true);
  } finally {
    await rx.close();
  }
});

Deno.test("event webhooks - hostile input: bad events, private URLs, other teams' ids", async () => {
  const clock = new ManualClock(Date.now());
  await using srv = await startServer({ clock, config: { timerSweepMs: 0 } });
  const { client: admin, user } = await adminClient(srv);
  const t = (await admin.post("/api/v1/teams", { name: "T", adminIds: [user.id] })).json.team;
  const bad = await admin.post("/api/v1/event-webhooks", {
    teamId: t.id,
    name: "x",
    url: "https://example.com/h",
    events: ["alert.exploded"],
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, "invalid_input");
  const priv = await admin.post("/api/v1/event-webhooks", {
    teamId: t.id,
    name: "x",
    url: "http://127.0.0.1:9/h",
    events: ["alert.triggered"],
  });
  assert.equal(priv.status, 400);
  assert.match(priv.json.error.message, /not public/);
  assert.equal((await admin.get(`/api/v1/event-webhooks?teamId=constructor`)).status, 400);
  assert.equal((await admin.get(`/api/v1/event-webhooks/01ARZ3NDEKTSV4RRFFQ69G5FAV`)).status, 404);
  assert.equal((await admin.get(`/api/v1/event-webhooks/__proto__/deliveries`)).status, 404);
});

Deno.test("event webhooks - team members may not see or change them; team admins may", async () => {
  await using srv = await startServer({ config: { timerSweepMs: 0 } });
  const { client: admin, user } = await adminClient(srv);
  const member = await userClient(srv, "Member");
  const lead = await userClient(srv, "Lead");
  const t = (await admin.post("/api/v1/teams", {
    name: "T",
    memberIds: [member.user.id],
    adminIds: [user.id, lead.user.id],
  })).json.team;
  const body = {
    teamId: t.id,
    name: "x",
    url: "https://hooks.example.com/x",
    events: ["alert.triggered"],
  };
  const made = await lead.client.post("/api/v1/event-webhooks", body);
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const id = made.json.webhook.id;
  assert.equal((await member.client.post("/api/v1/event-webhooks", body)).status, 403);
  assert.equal((await member.client.get(`/api/v1/event-webhooks?teamId=${t.id}`)).status, 403);
  assert.equal((await member.client.get(`/api/v1/event-webhooks/${id}`)).status, 403);
  assert.equal((await member.client.post(`/api/v1/event-webhooks/${id}/secret`)).status, 403);
  assert.equal((await member.client.delete(`/api/v1/event-webhooks/${id}`)).status, 403);
  assert.equal((await lead.client.get(`/api/v1/event-webhooks/${id}/deliveries`)).status, 200);
  assert.equal((await lead.client.delete(`/api/v1/event-webhooks/${id}`)).status, 200);
  assert.equal((await admin.get(`/api/v1/event-webhooks/${id}`)).status, 404);
});

Deno.test("event webhooks - a message subscription made, disabled or deleted through one process applies at once to sends on another, and each is sent once", async () => {
  // Two servers on one KV file stand for two processes: each keeps its own cache of who
  // subscribes to a conversation's messages, and must see the other's change on its next send.
  const path = await Deno.makeTempFile({ suffix: ".sqlite3" });
  const clock = new ManualClock(Date.now());
  const config = { timerSweepMs: 0, allowPrivateWebhooks: true };
  await using a = await startServer({ kvPath: path, clock, config });
  await using b = await startServer({ kvPath: path, clock, config });
  const secrets = new Map<string, string>();
  const rx = receiver(secrets);
  try {
    const { client: admin, user } = await adminClient(a);
    const team = (await admin.post("/api/v1/teams", { name: "Ops", adminIds: [user.id] })).json
      .team;
    const sub = await subscribe(admin, team.id, rx.base + "/m", ["message.created"]);
    secrets.set("/m", sub.secret);
    const conv = (await admin.get(`/api/v1/teams/${team.id}`)).json.team.conversationId as string;
    let n = 0;
    const sendOnB = async (text: string) => {
      await sendMessage(b.core, user.id, conv, { text, clientId: `c${++n}` });
      // Whichever process claimed the delivery sends it, then deletes its timer.
      for (let i = 0; i < 200; i++) {
        await drain(b);
        await drain(a);
        if ((await Array.fromAsync(a.kv.list({ prefix: ["timers"] }))).length === 0) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error("a delivery is still pending");
    };
    // Both processes may wake for a delivery at once (B's own wake-up, A's queue wake-up where
    // queues are on): the claim on the timer lets only one of them send it.
    const texts = () => rx.got.map((g) => g.body.data.message.text);

    await sendOnB("one");
    assert.deepEqual(texts(), ["one"]);
    // Disabled on A: B's next send stages nothing.
    const off = await admin.patch(`/api/v1/event-webhooks/${sub.id}`, { enabled: false });
    assert.equal(off.status, 200, JSON.stringify(off.json));
    await sendOnB("two");
    assert.deepEqual(texts(), ["one"]);
    // Enabled again on A: B's next send is delivered.
    await admin.patch(`/api/v1/event-webhooks/${sub.id}`, { enabled: true });
    await sendOnB("three");
    assert.deepEqual(texts(), ["one", "three"]);
    // Deleted on A: nothing more.
    assert.equal((await admin.delete(`/api/v1/event-webhooks/${sub.id}`)).status, 200);
    await sendOnB("four");
    assert.deepEqual(texts(), ["one", "three"]);
    // A new subscription on A: B delivers to it at once.
    const again = await subscribe(admin, team.id, rx.base + "/m", ["message.created"]);
    secrets.set("/m", again.secret);
    await sendOnB("five");
    assert.deepEqual(texts(), ["one", "three", "five"]);
    assert.ok(rx.got.every((g) => g.signed));
  } finally {
    await rx.close();
    await Deno.remove(path).catch(() => {});
  }
});
