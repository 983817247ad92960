/**
 * Group admin: muting one member or the whole group (muted members cannot post, over HTTP and
 * the socket, and are told until when), pins, announcements with a validity period, the
 * permissions of each, and a member's own notification mute.
 */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { adminClient, connect, startServer, userClient } from "./_helpers.ts";

const HOUR = 3_600_000;

async function group(srv: Awaited<ReturnType<typeof startServer>>) {
  const owner = await adminClient(srv);
  const bob = await userClient(srv, "Bob");
  const carol = await userClient(srv, "Carol");
  const conv = (await owner.client.post("/api/v1/conversations", {
    kind: "group",
    title: "ops",
    memberIds: [bob.user.id, carol.user.id],
  })).json.conversation.id as string;
  return { owner, bob, carol, conv, base: `/api/v1/conversations/${conv}` };
}

Deno.test("group admin - a muted member cannot post (HTTP and socket) until the mute ends; others can", async () => {
  const clock = new ManualClock();
  await using srv = await startServer({ clock, config: { sendRatePerSec: 0 } });
  const { owner, bob, carol, base } = await group(srv);
  const until = clock.now() + HOUR;
  const r = await owner.client.request("PUT", `${base}/members/${bob.user.id}/mute`, { until });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.message.system.event, "muted");
  assert.equal(r.json.message.system.until, until);

  const refused = await bob.client.post(`${base}/messages`, { clientId: "b1", text: "hi" });
  assert.equal(refused.status, 403);
  assert.equal(refused.json.error.code, "muted");
  assert.match(refused.json.error.message, /until/);
  assert.equal((await bob.client.get(`${base}/admin`)).json.myMutedUntil, until);
  const ws = await connect(bob.client);
  ws.send({ type: "send", conversationId: base.split("/").pop(), clientId: "b2", text: "hi" });
  const isErr = (f: { type: string; clientId?: string }) =>
    f.type === "error" && f.clientId === "b2";
  await ws.until((fs) => fs.some(isErr), 5000, "the refusal");
  const err = ws.frames.find(isErr) as { code: string };
  assert.equal(err.code, "muted");
  ws.close();
  // Files too.
  const up = await bob.client.post(`${base}/uploads`, {
    name: "a.png",
    type: "image/png",
    size: 5,
  });
  assert.equal(up.json.error.code, "muted");
  assert.equal(
    (await carol.client.post(`${base}/messages`, { clientId: "c1", text: "hi" })).status,
    201,
  );
  clock.advance(HOUR + 1);
  assert.equal(
    (await bob.client.post(`${base}/messages`, { clientId: "b3", text: "back" })).status,
    201,
  );
});

Deno.test("group admin - muting the whole group stops members, not owners and admins; unmute lifts it", async () => {
  await using srv = await startServer({ config: { sendRatePerSec: 0 } });
  const { owner, bob, carol, base } = await group(srv);
  await owner.client.patch(`${base}/members/${carol.user.id}`, { role: "admin" });
  const until = Date.now() + HOUR;
  assert.equal((await owner.client.request("PUT", `${base}/mute`, { until })).status, 200);
  assert.equal((await bob.client.get(`${base}/admin`)).json.mutedUntil, until);
  const r = await bob.client.post(`${base}/messages`, { clientId: "b1", text: "hi" });
  assert.equal(r.json.error.code, "muted");
  for (const [c, id] of [[owner.client, "o1"], [carol.client, "c1"]] as const) {
    assert.equal((await c.post(`${base}/messages`, { clientId: id, text: "ok" })).status, 201);
  }
  assert.equal((await owner.client.request("PUT", `${base}/mute`, { until: null })).status, 200);
  assert.equal(
    (await bob.client.post(`${base}/messages`, { clientId: "b2", text: "hi" })).status,
    201,
  );
});

Deno.test("group admin - only owners and admins mute, pin and announce; owners cannot be muted; limits hold", async () => {
  await using srv = await startServer({ config: { maxPins: 1, maxMuteMs: HOUR } });
  const { owner, bob, carol, base } = await group(srv);
  const until = Date.now() + 60_000;
  const sent =
    (await bob.client.post(`${base}/messages`, { clientId: "b1", text: "x" })).json.message;
  const tries = [
    bob.client.request("PUT", `${base}/members/${carol.user.id}/mute`, { until }),
    bob.client.request("PUT", `${base}/mute`, { until }),
    bob.client.post(`${base}/pins`, { seq: sent.seq }),
    bob.client.request("PUT", `${base}/announcement`, { text: "hi", until }),
  ];
  for (const r of await Promise.all(tries)) assert.equal(r.status, 403, JSON.stringify(r.json));
  await owner.client.patch(`${base}/members/${carol.user.id}`, { role: "admin" });
  const ownerMute = await carol.client.request("PUT", `${base}/members/${owner.user.id}/mute`, {
    until,
  });
  assert.equal(ownerMute.status, 403);
  const tooLong = await owner.client.request("PUT", `${base}/mute`, {
    until: Date.now() + 2 * HOUR,
  });
  assert.equal(tooLong.status, 400);
  // Pins: one allowed here; a second is refused; a system message cannot be pinned.
  assert.equal((await carol.client.post(`${base}/pins`, { seq: sent.seq })).status, 200);
  const second =
    (await bob.client.post(`${base}/messages`, { clientId: "b2", text: "y" })).json.message;
  assert.equal((await carol.client.post(`${base}/pins`, { seq: second.seq })).status, 400);
  assert.equal((await carol.client.post(`${base}/pins`, { seq: 1 })).status, 404);
  // Outsiders see nothing.
  const eve = await userClient(srv, "Eve");
  assert.equal((await eve.client.get(`${base}/admin`)).status, 404);
  assert.equal((await eve.client.post(`${base}/pins`, { seq: sent.seq })).status, 404);
});

Deno.test("group admin - pins list their messages; an announcement shows until it expires", async () => {
  const clock = new ManualClock();
  await using srv = await startServer({ clock });
  const { owner, bob, base } = await group(srv);
  const m = (await bob.client.post(`${base}/messages`, { clientId: "b1", text: "runbook: x" })).json
    .message;
  const pinned = await owner.client.post(`${base}/pins`, { seq: m.seq });
  assert.equal(pinned.json.message.system.event, "pinned");
  let view = (await bob.client.get(`${base}/admin`)).json;
  assert.deepEqual(
    view.pins.map((p: { seq: number; message: { text: string } }) => [p.seq, p.message.text]),
    [[m.seq, "runbook: x"]],
  );
  assert.equal((await owner.client.delete(`${base}/pins/${m.seq}`)).status, 200);
  assert.deepEqual((await bob.client.get(`${base}/admin`)).json.pins, []);

  const until = clock.now() + HOUR;
  const a = await owner.client.request("PUT", `${base}/announcement`, {
    text: "Freeze Friday",
    until,
  });
  assert.equal(a.status, 200);
  assert.equal(a.json.message.text, "Freeze Friday");
  view = (await bob.client.get(`${base}/admin`)).json;
  assert.equal(view.announcement.text, "Freeze Friday");
  assert.equal(view.announcement.until, until);
  clock.advance(HOUR);
  assert.equal((await bob.client.get(`${base}/admin`)).json.announcement, null);
  const past = await owner.client.request("PUT", `${base}/announcement`, { text: "x", until: 1 });
  assert.equal(past.status, 400);
});

Deno.test("group admin - each member mutes their own notifications; the list shows only live mutes", async () => {
  const clock = new ManualClock();
  await using srv = await startServer({ clock });
  const { bob, carol, conv, base } = await group(srv);
  const put = (until?: number) =>
    bob.client.request(
      "PUT",
      `${base}/notify-mute`,
      until === undefined ? { muted: true } : { muted: true, until },
    );
  assert.equal((await put()).status, 200);
  assert.deepEqual((await bob.client.get("/api/v1/me/notify-mutes")).json.items, { [conv]: 0 });
  assert.deepEqual((await carol.client.get("/api/v1/me/notify-mutes")).json.items, {});
  await put(clock.now() + HOUR);
  clock.advance(HOUR + 1);
  assert.deepEqual((await bob.client.get("/api/v1/me/notify-mutes")).json.items, {});
  await bob.client.request("PUT", `${base}/notify-mute`, { muted: false });
  assert.deepEqual((await bob.client.get("/api/v1/me/notify-mutes")).json.items, {});
  const eve = await userClient(srv, "Eve");
  assert.equal(
    (await eve.client.request("PUT", `${base}/notify-mute`, { muted: true })).status,
    404,
  );
});

Deno.test("group admin - a person's changes to a group are in the audit log, each with its actor", async () => {
  await using srv = await startServer();
  const { owner, bob, carol, conv, base } = await group(srv);
  const dan = await userClient(srv, "Dan");
  const ok = (r: { status: number; json: unknown }) =>
    assert.equal(r.status, 200, JSON.stringify(r.json));
  ok(await owner.client.post(`${base}/members`, { userIds: [dan.user.id] }));
  ok(await owner.client.request("PATCH", `${base}/members/${bob.user.id}`, { role: "admin" }));
  ok(
    await bob.client.request("PUT", `${base}/members/${carol.user.id}/mute`, {
      until: Date.now() + HOUR,
    }),
  );
  ok(await owner.client.delete(`${base}/members/${dan.user.id}`));
  const items = (await owner.client.get("/api/v1/audit?action=group.")).json.items as {
    action: string;
    actorId: string;
    actorName: string;
    target: { id: string };
    detail?: { userIds?: string[] };
  }[];
  const seen = items.filter((e) => e.target.id === conv).map((e) =>
    `${e.action} by ${
      e.actorId === owner.user.id ? "owner" : e.actorId === bob.user.id ? "bob" : e.actorId
    }`
  ).reverse();
  assert.deepEqual(seen, [
    "group.member_added by owner",
    "group.role_changed by owner",
    "group.muted by bob",
    "group.member_removed by owner",
  ]);
  assert.equal(items.find((e) => e.action === "group.muted")?.actorName, "Bob", "with the name");
  assert.deepEqual(items.find((e) => e.action === "group.member_added")?.detail?.userIds, [
    dan.user.id,
  ]);
  assert.equal((await owner.client.get("/api/v1/audit/verify")).json.ok, true);
});
