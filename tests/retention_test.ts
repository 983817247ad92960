/**
 * Fault suite T3: offline resume and retention. A client that was offline
 * while 2,000 messages arrived resumes from its cursors with all of them, in
 * order, once each. A cursor that retention has passed gets a `resync` frame
 * (and the history API says so too), never a silent gap.
 */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { sweepRetention } from "../lib/chat/retention.ts";
import { adminClient, type Client, connect, startServer, userClient } from "./_helpers.ts";

const OFFLINE = 2000;
const DAY = 86_400_000;

async function sendMany(client: Client, conv: string, n: number, prefix: string, senders = 8) {
  let next = 0;
  await Promise.all(Array.from({ length: senders }, async () => {
    while (next < n) {
      const i = next++;
      const r = await client.post(`/api/v1/conversations/${conv}/messages`, {
        clientId: `${prefix}-${i}`,
        text: `${prefix} ${i}`,
      });
      assert.equal(r.status, 201, JSON.stringify(r.json));
    }
  }));
}

Deno.test("resume - offline for 2,000 messages resumes all, in order; a cursor older than retention gets resync (T3)", async () => {
  const clock = new ManualClock();
  await using srv = await startServer({
    clock,
    config: { sendRatePerSec: 0, messageRetentionDays: 1, retentionSweepMs: 0 },
  });
  const { client: alice } = await adminClient(srv);
  const bob = await userClient(srv, "Bob");
  const carol = await userClient(srv, "Carol");
  const conv = (await alice.post("/api/v1/conversations", {
    kind: "group",
    title: "ops",
    memberIds: [bob.user.id, carol.user.id],
  })).json.conversation.id;
  const quiet = (await alice.post("/api/v1/conversations", {
    kind: "group",
    title: "quiet",
    memberIds: [bob.user.id],
  })).json.conversation.id;
  await sendMany(alice, quiet, 3, "quiet", 1);
  const quietSeq =
    (await alice.get(`/api/v1/conversations/${quiet}/messages`)).json.items.at(-1).seq;

  // Bob goes offline holding his cursor.
  const ws1 = await connect(bob.client);
  const c0 = ws1.frames.flatMap((f) => f.type === "ready" ? f.conversations : [])
    .find((c) => c.id === conv)!.seq;
  ws1.close();
  await sendMany(alice, conv, OFFLINE, "offline");

  // He comes back with his cursors: every message once, in seq order, then live traffic.
  const ws2 = await connect(bob.client, { hello: { [conv]: c0, [quiet]: quietSeq } });
  await ws2.until(() => ws2.messages(conv).length >= OFFLINE, 60_000, "the backlog");
  const seqs = ws2.messages(conv).map((m) => m.seq);
  assert.deepEqual(seqs, Array.from({ length: OFFLINE }, (_, i) => c0 + 1 + i));
  const texts = new Set(ws2.messages(conv).map((m) => m.text));
  assert.equal(texts.size, OFFLINE, "each message once");
  assert.ok(!ws2.frames.some((f) => f.type === "resync"), "nothing was lost: no resync");
  await sendMany(alice, conv, 1, "live", 1);
  await ws2.until((f) => f.some((x) => x.type === "message" && x.message.text === "live 0"));
  const c1 = ws2.messages(conv).at(-1)!.seq;
  ws2.close();

  // Ten more while Bob is away; then two days pass and retention (1 day) removes all of them.
  await sendMany(alice, conv, 10, "old", 1);
  const ws3 = await connect(carol.client);
  await ws3.until((f) => f.some((x) => x.type === "ready"));
  const floorCursor = c1 + 10;
  ws3.close();
  clock.advance(2 * DAY);
  await sendMany(alice, conv, 3, "fresh", 1);
  const swept = await sweepRetention(srv.core);
  assert.equal(swept.deleted, quietSeq + c1 + 10, "every message older than a day, in both");
  assert.equal((await sweepRetention(srv.core)).deleted, 0, "a second sweep finds nothing");

  // Bob's cursor is older than retention: a resync frame, then the stream goes on after it.
  const ws4 = await connect(bob.client, { hello: { [conv]: c1, [quiet]: quietSeq } });
  await ws4.until(() => ws4.messages(conv).length >= 3, 5000, "fresh messages");
  const resync = ws4.frames.filter((f) => f.type === "resync");
  assert.deepEqual(resync, [{
    type: "resync",
    conversationId: conv,
    seq: floorCursor,
    reason: "retention",
  }]);
  assert.deepEqual(ws4.messages(conv).map((m) => m.text), ["fresh 0", "fresh 1", "fresh 2"]);
  const resyncAt = ws4.frames.findIndex((f) => f.type === "resync");
  const firstFresh = ws4.frames.findIndex((f) => f.type === "message");
  assert.ok(resyncAt < firstFresh, "the resync comes before what follows it");
  ws4.close();

  // A cursor at the floor lost nothing: no resync.
  const ws5 = await connect(carol.client, { hello: { [conv]: floorCursor } });
  await ws5.until(() => ws5.messages(conv).length >= 3, 5000, "fresh messages");
  assert.ok(!ws5.frames.some((f) => f.type === "resync"));
  ws5.close();

  // The history API answers a passed cursor with resync too; the quiet conversation's preview
  // of its deleted last message is gone from the list.
  const page = await bob.client.get(`/api/v1/conversations/${conv}/messages?after=${c1}`);
  assert.deepEqual(page.json.resync, { seq: floorCursor, reason: "retention" });
  assert.deepEqual(page.json.items.map((m: { text: string }) => m.text), [
    "fresh 0",
    "fresh 1",
    "fresh 2",
  ]);
  const ok = await bob.client.get(`/api/v1/conversations/${conv}/messages?after=${floorCursor}`);
  assert.equal(ok.json.resync, undefined);
  const list = (await bob.client.get("/api/v1/conversations")).json.items as {
    id: string;
    lastMessage: unknown;
  }[];
  assert.equal(list.find((c) => c.id === quiet)!.lastMessage, null);
  assert.notEqual(list.find((c) => c.id === conv)!.lastMessage, null);
  const older = await bob.client.get(`/api/v1/conversations/${quiet}/messages`);
  assert.deepEqual(older.json.items, []);
});
