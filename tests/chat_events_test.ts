/**
 * Edits, recalls, reactions, replies and forwards: the rules (windows, who may, limits), the
 * atomic commit, and that each change is an event with its own seq that reaches devices live and
 * after a resume.
 */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { keys } from "../lib/core/keys.ts";
import type { Message } from "../lib/protocol.ts";
import { adminClient, type Client, connect, startServer, userClient } from "./_helpers.ts";

async function setupGroup(opts: { clock?: ManualClock; config?: Record<string, number> } = {}) {
  const srv = await startServer({ clock: opts.clock, config: opts.config });
  const admin = await adminClient(srv);
  const alice = await userClient(srv, "Alice");
  const bob = await userClient(srv, "Bob");
  const r = await alice.client.post("/api/v1/conversations", {
    kind: "group",
    title: "ops",
    memberIds: [bob.user.id, admin.user.id],
  });
  const conv = r.json.conversation as { id: string };
  return { srv, admin, alice, bob, conv };
}

async function say(c: Client, convId: string, text: string, extra: object = {}): Promise<Message> {
  const r = await c.post(`/api/v1/conversations/${convId}/messages`, {
    clientId: crypto.randomUUID(),
    text,
    ...extra,
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json.message;
}

const path = (convId: string, seq: number, rest = "") =>
  `/api/v1/conversations/${convId}/messages/${seq}${rest}`;

Deno.test("chat events - an edit within the window is an event with its own seq; the old text stays for admins only", async () => {
  const clock = new ManualClock();
  const { srv, admin, alice, bob, conv } = await setupGroup({ clock });
  await using _srv = srv;
  const m = await say(alice.client, conv.id, "disk at 91%");
  const ws = await connect(bob.client, { hello: { [conv.id]: m.seq } });

  clock.advance(60_000);
  const r = await alice.client.patch(path(conv.id, m.seq), { text: "disk at 95%" });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.message.text, "disk at 95%");
  assert.equal(r.json.message.editedAt, clock.now());

  // Live: the event arrives with the next seq and carries the message's new state.
  await ws.until(() => ws.messages(conv.id).length === 1, 5000, "edit event");
  const ev = ws.messages(conv.id)[0];
  assert.equal(ev.seq, m.seq + 1);
  assert.equal(ev.kind, "event");
  assert.equal(ev.event?.type, "edit");
  assert.equal(ev.event?.target, m.seq);
  assert.equal(ev.event?.message?.text, "disk at 95%");
  ws.close();

  // History shows the message as it is now; the original message keeps its seq.
  const hist = await bob.client.get(`/api/v1/conversations/${conv.id}/messages`);
  const stored = hist.json.items.find((x: Message) => x.seq === m.seq);
  assert.equal(stored.text, "disk at 95%");
  assert.ok(stored.editedAt);

  // Only the sender edits; not after the window; no one else's text.
  assert.equal((await bob.client.patch(path(conv.id, m.seq), { text: "mine now" })).status, 403);
  assert.equal((await bob.client.get(path(conv.id, m.seq, "/versions"))).status, 403);
  const audit = await admin.client.get(path(conv.id, m.seq, "/versions"));
  assert.equal(audit.status, 200);
  assert.deepEqual(audit.json.versions.map((v: { text: string }) => v.text), ["disk at 91%"]);
  clock.advance(srv.config.messageEditWindowMs);
  const late = await alice.client.patch(path(conv.id, m.seq), { text: "too late" });
  assert.equal(late.status, 403);
  assert.equal(late.json.error.code, "forbidden");
  // An unchanged edit commits nothing.
  const seqBefore = (await alice.client.get(`/api/v1/conversations/${conv.id}`)).json.conversation
    .seq;
  clock.advance(-srv.config.messageEditWindowMs);
  await alice.client.patch(path(conv.id, m.seq), { text: "disk at 95%" });
  assert.equal(
    (await alice.client.get(`/api/v1/conversations/${conv.id}`)).json.conversation.seq,
    seqBefore,
  );
});

Deno.test("chat events - recall within the window deletes the content from KV, versions and quotes included", async () => {
  const clock = new ManualClock();
  const { srv, alice, bob, conv } = await setupGroup({ clock });
  await using _srv = srv;
  const secret = await say(alice.client, conv.id, "password is hunter2");
  await alice.client.patch(path(conv.id, secret.seq), { text: "password is hunter2!" });
  const reply = await say(bob.client, conv.id, "rotate it", { replyTo: secret.seq });
  assert.equal(reply.replyTo?.seq, secret.seq);
  assert.equal(reply.replyTo?.excerpt, "password is hunter2!");
  await bob.client.post(path(conv.id, secret.seq, "/reactions"), { emoji: "😱" });

  // Someone else cannot recall it.
  assert.equal((await bob.client.delete(path(conv.id, secret.seq))).status, 403);
  const r = await alice.client.delete(path(conv.id, secret.seq));
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.message.recalled, true);
  assert.equal(r.json.message.text, "");

  // Nothing of the text is left anywhere in KV.
  for await (const e of srv.kv.list({ prefix: [] })) {
    const text = JSON.stringify(e.value ?? null, (_k, v) => typeof v === "bigint" ? String(v) : v);
    assert.ok(!text.includes("hunter2"), `found in ${String(e.key)}`);
  }
  const stored = (await srv.kv.get<Message>(keys.message(conv.id, secret.seq))).value!;
  assert.equal(stored.reactions, undefined);
  const quoted = (await srv.kv.get<Message>(keys.message(conv.id, reply.seq))).value!;
  assert.equal(quoted.replyTo?.excerpt, "");

  // Recalled messages cannot be edited, reacted to or forwarded; a late recall is refused.
  assert.equal((await alice.client.patch(path(conv.id, secret.seq), { text: "x" })).status, 409);
  const other = await say(alice.client, conv.id, "later");
  clock.advance(srv.config.messageRecallWindowMs + 1);
  const late = await alice.client.delete(path(conv.id, other.seq));
  assert.equal(late.status, 403);
  assert.match(late.json.error.message, /2 min/);
});

Deno.test("chat events - a device that resumes after edits, a recall and reactions gets each event once, in order", async () => {
  const { srv, alice, bob, conv } = await setupGroup();
  await using _srv = srv;
  const a = await say(alice.client, conv.id, "first");
  const b = await say(alice.client, conv.id, "second");
  const cursor = b.seq;
  await alice.client.patch(path(conv.id, a.seq), { text: "first, edited" });
  await bob.client.post(path(conv.id, b.seq, "/reactions"), { emoji: "👍" });
  await alice.client.post(path(conv.id, b.seq, "/reactions"), { emoji: "👍" });
  await bob.client.post(path(conv.id, b.seq, "/reactions"), { emoji: "👍" }); // taken back
  await alice.client.delete(path(conv.id, b.seq));

  // Over the WebSocket.
  const ws = await connect(bob.client, { hello: { [conv.id]: cursor } });
  await ws.until(() => ws.messages(conv.id).length === 5, 5000, "five events");
  const evs = ws.messages(conv.id);
  assert.deepEqual(evs.map((m) => m.seq), [
    cursor + 1,
    cursor + 2,
    cursor + 3,
    cursor + 4,
    cursor + 5,
  ]);
  assert.deepEqual(evs.map((m) => m.event?.type), ["edit", "react", "react", "react", "recall"]);
  assert.deepEqual(evs.map((m) => m.event?.on), [undefined, true, true, false, undefined]);
  // Every event carries the target's current state: the last word wins whatever was seen before.
  assert.equal(evs[4].event?.message?.recalled, true);
  ws.close();

  // Over long-polling, the same events.
  const poll = await bob.client.get(`/api/v1/poll?cursors=${conv.id}:${cursor}&timeout=1000`);
  const polled = poll.json.frames.flatMap((f: { type: string; message?: Message }) =>
    f.type === "message" ? [f.message!] : []
  );
  assert.deepEqual(polled.map((m: Message) => m.event?.type), [
    "edit",
    "react",
    "react",
    "react",
    "recall",
  ]);

  // Reactions are counted per person, and toggling works.
  const c = await say(alice.client, conv.id, "third");
  const r1 = await bob.client.post(path(conv.id, c.seq, "/reactions"), { emoji: "👍" });
  const r2 = await alice.client.post(path(conv.id, c.seq, "/reactions"), { emoji: "👍" });
  assert.equal(r1.json.on, true);
  assert.deepEqual(r2.json.message.reactions, { "👍": [bob.user.id, alice.user.id] });
  const r3 = await bob.client.post(path(conv.id, c.seq, "/reactions"), { emoji: "👍" });
  assert.equal(r3.json.on, false);
  assert.deepEqual(r3.json.message.reactions, { "👍": [alice.user.id] });
  // Not an emoji: refused.
  for (const emoji of ["x", "<script>", "__proto__", "👍".repeat(20)]) {
    const bad = await bob.client.post(path(conv.id, c.seq, "/reactions"), { emoji });
    assert.equal(bad.status, 400, emoji);
  }
});

Deno.test("chat events - events are not unread: a reaction after what I read leaves the count at 0", async () => {
  const { srv, alice, bob, conv } = await setupGroup();
  await using _srv = srv;
  const m = await say(alice.client, conv.id, "hello");
  await bob.client.post(`/api/v1/conversations/${conv.id}/read`, { seq: m.seq });
  await alice.client.post(path(conv.id, m.seq, "/reactions"), { emoji: "✅" });
  const list = await bob.client.get("/api/v1/conversations");
  const c = list.json.items.find((x: { id: string }) => x.id === conv.id);
  assert.equal(c.seq, m.seq + 1);
  assert.equal(c.unread, 0);
  assert.equal(c.lastMessage.seq, m.seq, "the preview is still the message");
  await say(alice.client, conv.id, "new");
  const again = (await bob.client.get("/api/v1/conversations")).json.items.find((
    x: { id: string },
  ) => x.id === conv.id);
  assert.ok(again.unread >= 1);
});

Deno.test("chat events - reaction limits and concurrent toggles keep one consistent message", async () => {
  const { srv, alice, bob, admin, conv } = await setupGroup({
    config: { messageMaxEmoji: 2, messageMaxReactions: 3 },
  });
  await using _srv = srv;
  const m = await say(alice.client, conv.id, "vote");
  // Racing reactions from three people: all land, each as its own event.
  const rs = await Promise.all(
    [alice, bob, admin].map((p) =>
      p.client.post(path(conv.id, m.seq, "/reactions"), { emoji: "👍" })
    ),
  );
  assert.deepEqual(rs.map((r) => r.status), [200, 200, 200]);
  const stored = (await srv.kv.get<Message>(keys.message(conv.id, m.seq))).value!;
  assert.equal(stored.reactions?.["👍"].length, 3);
  const head = await alice.client.get(`/api/v1/conversations/${conv.id}`);
  assert.equal(head.json.conversation.seq, m.seq + 3);
  // The fourth reaction is over the limit.
  const over = await alice.client.post(path(conv.id, m.seq, "/reactions"), { emoji: "🔥" });
  assert.equal(over.status, 409);
  assert.equal(over.json.error.code, "conflict");
});

Deno.test("chat events - replies quote the original; forwarding names the origin and needs both memberships", async () => {
  const { srv, alice, bob, conv } = await setupGroup();
  await using _srv = srv;
  const orig = await say(alice.client, conv.id, "x".repeat(500));
  const reply = await say(bob.client, conv.id, "ack", { replyTo: orig.seq });
  assert.equal(reply.replyTo?.excerpt.length, 140);
  assert.equal(reply.replyTo?.senderId, alice.user.id);
  // A reply to something that is not there is refused.
  const missing = await bob.client.post(`/api/v1/conversations/${conv.id}/messages`, {
    clientId: "r404",
    text: "?",
    replyTo: 9999,
  });
  assert.equal(missing.status, 404);

  const dm = (await bob.client.post("/api/v1/conversations", {
    kind: "direct",
    userId: alice.user.id,
  })).json.conversation;
  const fw = await bob.client.post(path(conv.id, orig.seq, "/forward"), {
    conversationId: dm.id,
    clientId: "fw-1",
  });
  assert.equal(fw.status, 201, JSON.stringify(fw.json));
  assert.equal(fw.json.message.conversationId, dm.id);
  assert.equal(fw.json.message.text, orig.text);
  assert.deepEqual(fw.json.message.forwardedFrom, {
    conversationId: conv.id,
    title: "ops",
    senderId: alice.user.id,
    senderName: "Alice",
  });
  // The same clientId again is the same message.
  const again = await bob.client.post(path(conv.id, orig.seq, "/forward"), {
    conversationId: dm.id,
    clientId: "fw-1",
  });
  assert.equal(again.status, 200);
  assert.equal(again.json.message.seq, fw.json.message.seq);
  // Into a conversation the forwarder is not in: 404, and nothing is written there.
  const outsider = await userClient(srv, "Eve");
  const eveDm = (await outsider.client.post("/api/v1/conversations", {
    kind: "direct",
    userId: alice.user.id,
  })).json.conversation;
  const refused = await bob.client.post(path(conv.id, orig.seq, "/forward"), {
    conversationId: eveDm.id,
    clientId: "fw-2",
  });
  assert.equal(refused.status, 404);
  assert.equal(
    (await outsider.client.get(`/api/v1/conversations/${eveDm.id}/messages`)).json
      .items.length,
    0,
  );
});

Deno.test("chat events - message retention also deletes the earlier versions of edited messages", async () => {
  const clock = new ManualClock();
  const { srv, alice, bob, conv } = await setupGroup({
    clock,
    config: { messageRetentionDays: 1 },
  });
  await using _srv = srv;
  const m = await say(alice.client, conv.id, "v1 token=abc");
  await alice.client.patch(path(conv.id, m.seq), { text: "v2" });
  await alice.client.patch(path(conv.id, m.seq), { text: "v3" });
  const r = await say(bob.client, conv.id, "re", { replyTo: m.seq });
  const versions = async () => {
    const out = [];
    for await (const e of srv.kv.list({ prefix: keys.messageVersions(conv.id, m.seq) })) {
      out.push(e);
    }
    return out.length;
  };
  assert.equal(await versions(), 2);
  clock.advance(2 * 24 * 3600_000);
  await say(alice.client, conv.id, "fresh");
  const { sweepRetention } = await import("../lib/chat/retention.ts");
  assert.ok((await sweepRetention(srv.core)).deleted >= 2);
  assert.equal(await versions(), 0, "no audit copy outlives its message");
  assert.equal(
    (await srv.kv.get(keys.messageReply(conv.id, m.seq, r.seq))).value,
    null,
    "nor the reply index",
  );
});
