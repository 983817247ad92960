/**
 * @mentions (who may mention whom, resolved on the server), the "@" marker and "mentions of me",
 * burn after reading (its durable timer fires exactly once, also across a restart) and a team's
 * quick replies (who may edit them, limits).
 */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { keys } from "../lib/core/keys.ts";
import { ensureTeamConversation } from "../lib/accounts/teams.ts";
import { burnTimerId, fireBurn } from "../lib/chat/burn.ts";
import type { Message } from "../lib/protocol.ts";
import { adminClient, type Client, connect, startServer, userClient } from "./_helpers.ts";

async function say(
  c: Client,
  convId: string,
  text: string,
  extra: object = {},
  status = 201,
): Promise<Message & { error?: { code: string } }> {
  const r = await c.post(`/api/v1/conversations/${convId}/messages`, {
    clientId: crypto.randomUUID(),
    text,
    ...extra,
  });
  assert.equal(r.status, status, JSON.stringify(r.json));
  return r.json.message ?? r.json;
}

async function summary(c: Client, convId: string) {
  return (await c.get(`/api/v1/conversations/${convId}`)).json.conversation as {
    read: number;
    mentionSeq: number;
  };
}

async function world(opts: { clock?: ManualClock; kvPath?: string } = {}) {
  const srv = await startServer({ clock: opts.clock, kvPath: opts.kvPath });
  const admin = await adminClient(srv);
  const alice = await userClient(srv, "Alice");
  const bob = await userClient(srv, "Bob");
  const carol = await userClient(srv, "Carol");
  const r = await alice.client.post("/api/v1/conversations", {
    kind: "group",
    title: "ops",
    memberIds: [bob.user.id, carol.user.id],
  });
  return { srv, admin, alice, bob, carol, conv: r.json.conversation as { id: string } };
}

Deno.test("mentions - only members can be mentioned, @all needs an owner or admin, and the marker shows while muted until read", async () => {
  const w = await world();
  await using _ = w.srv;
  const c = w.conv.id;
  // Bob mutes the conversation's notifications: the mention still marks it.
  const mute = await w.bob.client.request("PUT", `/api/v1/conversations/${c}/notify-mute`, {
    muted: true,
  });
  assert.ok(mute.status < 300, JSON.stringify(mute.json));
  // An outsider (the admin is not in the group) cannot be mentioned.
  const bad = await say(w.alice.client, c, "@Admin look", { mentions: [w.admin.user.id] }, 400);
  assert.equal(bad.error?.code, "invalid_input");
  // A plain member may not mention @all; the owner may.
  const denied = await say(w.bob.client, c, "@all hi", { mentions: ["all"] }, 403);
  assert.equal(denied.error?.code, "forbidden");
  // @team is only for a team's conversation.
  await say(w.alice.client, c, "@team", { mentions: ["team"] }, 400);

  const m = await say(w.alice.client, c, "@Bob disk is full", { mentions: [w.bob.user.id] });
  assert.deepEqual(m.mentions, { userIds: [w.bob.user.id] });
  const s = await summary(w.bob.client, c);
  assert.equal(s.mentionSeq, m.seq);
  assert.ok(s.mentionSeq > s.read, "the marker shows for Bob");
  assert.equal((await summary(w.carol.client, c)).mentionSeq, 0, "not for Carol");
  // Mentions of me lists it; Carol's list is empty.
  const mine = await w.bob.client.get("/api/v1/me/mentions");
  assert.deepEqual(mine.json.items.map((x: Message) => x.seq), [m.seq]);
  assert.equal((await w.carol.client.get("/api/v1/me/mentions")).json.items.length, 0);
  // Reading clears the marker.
  await w.bob.client.post(`/api/v1/conversations/${c}/read`, { seq: m.seq });
  const after = await summary(w.bob.client, c);
  assert.ok(after.mentionSeq <= after.read);

  const all = await say(w.alice.client, c, "@all standup", { mentions: ["all"] });
  assert.equal(all.mentions?.all, true);
  assert.equal((await summary(w.carol.client, c)).mentionSeq, all.seq);
});

Deno.test("mentions - an edit notifies only the newly mentioned; a recall takes the marker back", async () => {
  const w = await world();
  await using _ = w.srv;
  const c = w.conv.id;
  const first = await say(w.alice.client, c, "@Carol earlier", { mentions: [w.carol.user.id] });
  const m = await say(w.alice.client, c, "@Bob check", { mentions: [w.bob.user.id] });
  const ws = await connect(w.carol.client, { hello: { [c]: m.seq } });
  const r = await w.alice.client.patch(`/api/v1/conversations/${c}/messages/${m.seq}`, {
    text: "@Bob @Carol check",
    mentions: [w.bob.user.id, w.carol.user.id],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  // Carol is newly mentioned: her marker moves to it and it is listed once for her; Bob's
  // index is not written twice (one entry).
  assert.equal((await summary(w.carol.client, c)).mentionSeq, m.seq);
  assert.equal((await w.bob.client.get("/api/v1/me/mentions")).json.items.length, 1);
  assert.equal((await w.carol.client.get("/api/v1/me/mentions")).json.items.length, 2);
  await ws.until(() => ws.messages(c).some((x) => x.event?.type === "edit"), 5000, "edit");
  ws.close();
  const bobMarks = [];
  for await (const e of w.srv.kv.list({ prefix: keys.mentionsOf(w.bob.user.id) })) {
    bobMarks.push(e);
  }
  assert.equal(bobMarks.length, 1);

  // An edit that drops Bob takes the mention away from him (entry and marker).
  const drop = await w.alice.client.patch(`/api/v1/conversations/${c}/messages/${m.seq}`, {
    text: "@Carol check",
    mentions: [w.carol.user.id],
  });
  assert.equal(drop.status, 200);
  assert.equal((await w.bob.client.get("/api/v1/me/mentions")).json.items.length, 0);
  assert.equal((await summary(w.bob.client, c)).mentionSeq, 0);
  assert.equal((await summary(w.carol.client, c)).mentionSeq, m.seq);

  // Recall: gone from the lists; Carol's marker falls back to her earlier mention, Bob's goes.
  const del = await w.alice.client.delete(`/api/v1/conversations/${c}/messages/${m.seq}`);
  assert.equal(del.status, 200);
  assert.equal(del.json.message.mentions, undefined);
  assert.equal((await summary(w.bob.client, c)).mentionSeq, 0);
  assert.equal((await summary(w.carol.client, c)).mentionSeq, first.seq);
  assert.equal((await w.bob.client.get("/api/v1/me/mentions")).json.items.length, 0);
});

Deno.test("mentions - @team reaches the team's members and @oncall whoever is on call now", async () => {
  const w = await world();
  await using _ = w.srv;
  const t = await w.admin.client.post("/api/v1/teams", {
    name: "Payments",
    memberIds: [w.alice.user.id, w.bob.user.id],
    adminIds: [w.alice.user.id],
  });
  const teamId = t.json.team.id;
  const conv = await ensureTeamConversation(w.srv.core, teamId);
  const sched = await w.alice.client.post("/api/v1/schedules", {
    name: "Primary",
    teamId,
    timeZone: "UTC",
    layers: [{
      name: "L",
      participants: [w.bob.user.id],
      rotation: "weekly",
      handoff: "09:00",
      startDate: "2020-01-06",
    }],
  });
  assert.equal(sched.status, 201, JSON.stringify(sched.json));
  const m = await say(w.alice.client, conv, "@oncall @team db down", {
    mentions: ["oncall", "team"],
  });
  assert.deepEqual(m.mentions?.oncall, [w.bob.user.id]);
  assert.equal(m.mentions?.team, true);
  assert.equal((await summary(w.bob.client, conv)).mentionSeq, m.seq);
  // @all in a team conversation: the team admin is a conversation admin.
  await say(w.alice.client, conv, "@all", { mentions: ["all"] });
  await say(w.bob.client, conv, "@all", { mentions: ["all"] }, 403);
});

Deno.test("burn after reading - hidden from previews, opened by each recipient, destroyed once after the window, also across a restart", async () => {
  const dir = await Deno.makeTempDir();
  const kvPath = `${dir}/kv.sqlite`;
  const clock = new ManualClock();
  const c0 = await (async () => {
    const w = await world({ clock, kvPath });
    const c = w.conv.id;
    const m = await say(w.alice.client, c, "the root password is hunter2", { burn: true });
    assert.equal(m.burn?.ms, w.srv.config.burnAfterReadingMs);
    const s = (await w.bob.client.get(`/api/v1/conversations/${c}`)).json.conversation;
    assert.equal(s.lastMessage.text, "", "the list's preview never shows it");
    // The sender does not open it; a non-member cannot.
    const open = (u: Client) => u.post(`/api/v1/conversations/${c}/messages/${m.seq}/open`);
    assert.equal((await open(w.alice.client)).status, 400);
    assert.equal((await open(w.admin.client)).status, 404);
    // It cannot be forwarded.
    const fwd = await w.bob.client.post(`/api/v1/conversations/${c}/messages/${m.seq}/forward`, {
      conversationId: c,
      clientId: crypto.randomUUID(),
    });
    assert.equal(fwd.status, 404);
    const ob = await open(w.bob.client);
    assert.equal(ob.status, 200, JSON.stringify(ob.json));
    assert.ok(ob.json.message.burn.opened[w.bob.user.id]);
    // Not every recipient opened it yet: no timer.
    const id = burnTimerId(c, m.seq);
    assert.equal((await w.srv.kv.get(keys.timer(id))).value, null);
    await open(w.carol.client);
    assert.ok((await w.srv.kv.get(keys.timer(id))).value, "the last opening schedules its end");
    return { c, seq: m.seq, id, bob: w.bob, srv: w.srv };
  })();
  // The process stops before the window ends.
  await c0.srv[Symbol.asyncDispose]();

  clock.advance(10 * 60_000);
  const srv = await startServer({ clock, kvPath });
  await using _ = srv;
  const [a, b] = await Promise.all([fireBurn(srv.core, c0.id), fireBurn(srv.core, c0.id)]);
  assert.equal([a, b].filter(Boolean).length, 1, "destroyed exactly once");
  await srv.core.timers.sweep();
  assert.equal(await fireBurn(srv.core, c0.id), false);
  const log: Message[] = [];
  for await (const e of srv.kv.list<Message>({ prefix: keys.messages(c0.c) })) log.push(e.value);
  const gone = log.find((x) => x.seq === c0.seq)!;
  assert.equal(gone.burned, true);
  assert.equal(gone.text, "");
  assert.equal(gone.burn, undefined);
  const burns = log.filter((x) => x.event?.type === "burn");
  assert.equal(burns.length, 1, "one burn event with its own seq");
  assert.ok(burns[0].seq > c0.seq);
  assert.equal((await srv.kv.get(keys.timer(c0.id))).value, null);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("burn after reading - refused in a conversation larger than the limit", async () => {
  const srv = await startServer({ config: { burnMaxMembers: 2 } });
  await using _ = srv;
  const alice = await userClient(srv, "Alice");
  const bob = await userClient(srv, "Bob");
  const carol = await userClient(srv, "Carol");
  const g = await alice.client.post("/api/v1/conversations", {
    kind: "group",
    title: "big",
    memberIds: [bob.user.id, carol.user.id],
  });
  const r = await say(alice.client, g.json.conversation.id, "secret", { burn: true }, 400);
  assert.equal(r.error?.code, "invalid_input");
});

Deno.test("quick replies - a team admin edits the team's list within the limits; members read it in the team's conversation", async () => {
  const srv = await startServer({ config: { quickRepliesMax: 3, quickReplyMaxChars: 12 } });
  await using _ = srv;
  const admin = await adminClient(srv);
  const lead = await userClient(srv, "Lead");
  const ann = await userClient(srv, "Ann");
  const out = await userClient(srv, "Out");
  const t = await admin.client.post("/api/v1/teams", {
    name: "Core",
    memberIds: [ann.user.id],
    adminIds: [lead.user.id],
  });
  const teamId = t.json.team.id;
  const conv = await ensureTeamConversation(srv.core, teamId);
  const path = `/api/v1/teams/${teamId}/quick-replies`;
  // Defaults until the team has its own.
  const first = await ann.client.get(`/api/v1/conversations/${conv}/quick-replies`);
  assert.deepEqual(first.json, { teamId, items: [], custom: false });
  assert.equal((await ann.client.request("PUT", path, { items: ["Mine"] })).status, 403);
  assert.equal((await out.client.request("PUT", path, { items: ["Mine"] })).status, 404);
  assert.equal((await out.client.get(path)).status, 404);
  assert.equal(
    (await lead.client.request("PUT", path, { items: ["a", "b", "c", "d"] })).status,
    400,
  );
  assert.equal((await lead.client.request("PUT", path, { items: ["far too long!"] })).status, 400);
  assert.equal((await lead.client.request("PUT", path, { items: ["a", "a"] })).status, 400);
  const ok = await lead.client.request("PUT", path, { items: ["Ack", " Rolling back "] });
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
  const got = await ann.client.get(`/api/v1/conversations/${conv}/quick-replies`);
  assert.deepEqual(got.json, { teamId, items: ["Ack", "Rolling back"], custom: true });
  assert.equal((await out.client.get(`/api/v1/conversations/${conv}/quick-replies`)).status, 404);
  // An empty list goes back to the defaults.
  await lead.client.request("PUT", path, { items: [] });
  assert.equal((await ann.client.get(path)).json.custom, false);
});

Deno.test("burn after reading - in a group, a reader whose window passed gets no text while others have not opened it", async () => {
  const clock = new ManualClock();
  const w = await world({ clock });
  await using _ = w.srv;
  const c = w.conv.id;
  const m = await say(w.alice.client, c, "vault token s3cr3t", { burn: true });
  await w.bob.client.post(`/api/v1/conversations/${c}/messages/${m.seq}/open`);
  const text = async (u: Client) =>
    ((await u.get(`/api/v1/conversations/${c}/messages`)).json.items as Message[])
      .find((x) => x.seq === m.seq)!.text;
  assert.equal(await text(w.bob.client), "vault token s3cr3t");
  clock.advance(w.srv.config.burnAfterReadingMs + 1);
  assert.equal(await text(w.bob.client), "");
  // Carol has not opened it: it is still there for her, and not destroyed yet.
  assert.equal(await text(w.carol.client), "vault token s3cr3t");
  assert.equal((await w.srv.kv.get(keys.timer(burnTimerId(c, m.seq)))).value, null);
});
