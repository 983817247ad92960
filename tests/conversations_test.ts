import assert from "node:assert/strict";
import { keys } from "../lib/core/keys.ts";
import { systemRemoveMember } from "../lib/chat/membership.ts";
import { adminClient, assertGapFree, Client, startServer, userClient } from "./_helpers.ts";

Deno.test("direct - one conversation per pair, whoever asks", async () => {
  await using srv = await startServer();
  const { client: a, user: ua } = await adminClient(srv);
  const { client: b, user: ub } = await userClient(srv, "Bob");
  const first = await a.post("/api/v1/conversations", { kind: "direct", userId: ub.id });
  assert.equal(first.status, 201);
  assert.equal(first.json.conversation.kind, "direct");
  assert.equal(first.json.conversation.title, "Bob");
  assert.equal(first.json.conversation.peer.id, ub.id);
  const again = await a.post("/api/v1/conversations", { kind: "direct", userId: ub.id });
  assert.equal(again.status, 200);
  assert.equal(again.json.conversation.id, first.json.conversation.id);
  const reverse = await b.post("/api/v1/conversations", { kind: "direct", userId: ua.id });
  assert.equal(reverse.json.conversation.id, first.json.conversation.id);
  assert.equal(reverse.json.conversation.peer.id, ua.id);
  const self = await a.post("/api/v1/conversations", { kind: "direct", userId: ua.id });
  assert.equal(self.status, 400);
});

Deno.test("direct - concurrent creation by both sides yields one conversation", async () => {
  await using srv = await startServer();
  const { client: a, user: ua } = await adminClient(srv);
  const { client: b, user: ub } = await userClient(srv, "Bob");
  const rs = await Promise.all([
    a.post("/api/v1/conversations", { kind: "direct", userId: ub.id }),
    b.post("/api/v1/conversations", { kind: "direct", userId: ua.id }),
    a.post("/api/v1/conversations", { kind: "direct", userId: ub.id }),
  ]);
  assert.equal(new Set(rs.map((r) => r.json.conversation.id)).size, 1);
  assert.equal((await a.get("/api/v1/conversations")).json.items.length, 1);
});

Deno.test("group - creator owns it; members see it with unread counts, newest first", async () => {
  await using srv = await startServer();
  const { client: a } = await adminClient(srv);
  const { client: b, user: ub } = await userClient(srv, "Bob");
  const g1 =
    (await a.post("/api/v1/conversations", { kind: "group", title: "oncall", memberIds: [ub.id] }))
      .json.conversation;
  assert.equal(g1.role, "owner");
  assert.equal(g1.seq, 1, "the creation notice is seq 1");
  assert.equal(g1.unread, 0);
  const g2 =
    (await a.post("/api/v1/conversations", { kind: "group", title: "db", memberIds: [ub.id] }))
      .json.conversation;
  await a.post(`/api/v1/conversations/${g1.id}/messages`, { clientId: "m1", text: "first" });
  await a.post(`/api/v1/conversations/${g1.id}/messages`, { clientId: "m2", text: "second" });
  const list = (await b.get("/api/v1/conversations")).json.items;
  assert.deepEqual(list.map((c: { id: string }) => c.id), [g1.id, g2.id]);
  assert.equal(list[0].unread, 3);
  assert.equal(list[0].lastMessage.text, "second");
  assert.equal(list[0].role, "member");
  assert.equal(list[1].unread, 1);
  const read = await b.post(`/api/v1/conversations/${g1.id}/read`, { seq: 3 });
  assert.equal(read.status, 200);
  assert.deepEqual(read.json.receipt.read, 3);
  assert.equal((await b.get("/api/v1/conversations")).json.items[0].unread, 0);
  // Reading past the end is clamped to the last message.
  assert.equal(
    (await b.post(`/api/v1/conversations/${g1.id}/read`, { seq: 99 })).json.receipt.read,
    3,
  );
});

Deno.test("group - owners add and remove, members cannot, anyone can leave", async () => {
  await using srv = await startServer();
  const { client: owner } = await adminClient(srv);
  const { client: bob, user: ub } = await userClient(srv, "Bob");
  const { client: carol, user: uc } = await userClient(srv, "Carol");
  const { user: ud } = await userClient(srv, "Dan");
  const g =
    (await owner.post("/api/v1/conversations", { kind: "group", title: "g", memberIds: [ub.id] }))
      .json.conversation;
  const base = `/api/v1/conversations/${g.id}`;
  assert.equal((await bob.post(`${base}/members`, { userIds: [uc.id] })).status, 403);
  assert.equal((await carol.get(base)).status, 404);
  const added = await owner.post(`${base}/members`, { userIds: [uc.id, ud.id, uc.id] });
  assert.equal(added.status, 200);
  assert.equal(added.json.items.length, 4);
  assert.deepEqual(added.json.message.system.userIds, [uc.id, ud.id]);
  // Adding members already in is a no-op, not a new system message.
  const noop = await owner.post(`${base}/members`, { userIds: [uc.id] });
  assert.equal(noop.json.message, null);
  assert.equal((await carol.get(base)).status, 200);
  // Carol joined at the "added" notice: her unread count starts there.
  assert.equal((await carol.get(base)).json.conversation.unread, 1);
  // Promote Bob to admin; admins can remove members but not owners.
  assert.equal((await owner.patch(`${base}/members/${ub.id}`, { role: "admin" })).status, 200);
  assert.equal((await bob.delete(`${base}/members/${ud.id}`)).status, 200);
  const owners = (await bob.get(`${base}/members`)).json.items.filter((m: { role: string }) =>
    m.role === "owner"
  );
  assert.equal((await bob.delete(`${base}/members/${owners[0].userId}`)).status, 403);
  assert.equal((await carol.post(`${base}/leave`)).status, 200);
  assert.equal((await carol.get(base)).status, 404);
  assert.equal((await carol.get("/api/v1/conversations")).json.items.length, 0);
  // Every change is in the history, in order, with gap-free seqs.
  const history = (await owner.get(`${base}/messages?after=0&limit=100`)).json.items;
  assert.deepEqual(history.map((m: { system: { event: string } }) => m.system.event), [
    "created",
    "member_added",
    "role_changed",
    "member_removed",
    "member_left",
  ]);
  assertGapFree(history.map((m: { seq: number }) => m.seq));
  const conv = (await owner.get(base)).json.conversation;
  assert.equal(conv.memberCount, 2);
});

Deno.test("group - removing a non-member is 404 for people and a no-op for Tocsin", async () => {
  await using srv = await startServer();
  const { client: owner, user: uo } = await adminClient(srv);
  const { client: bob, user: ub } = await userClient(srv, "Bob");
  const { user: ud } = await userClient(srv, "Dan");
  const g =
    (await owner.post("/api/v1/conversations", { kind: "group", title: "g", memberIds: [ub.id] }))
      .json.conversation;
  const base = `/api/v1/conversations/${g.id}`;
  const gone = await owner.delete(`${base}/members/${ud.id}`);
  assert.equal(gone.status, 404);
  assert.equal(gone.json.error.message, "member not found");
  await systemRemoveMember(srv.core, g.id, ud.id);
  const events = async () =>
    (await owner.get(`${base}/messages?after=0&limit=100`)).json.items.map((
      m: { system: { event: string; actorId: string; userIds: string[] } },
    ) => m.system);
  assert.deepEqual((await events()).map((e: { event: string }) => e.event), ["created"]);
  // Tocsin acts as an owner: it removes members and owners alike, and says so.
  await systemRemoveMember(srv.core, g.id, ub.id);
  assert.equal((await bob.get(base)).status, 404);
  const last = (await events()).at(-1);
  assert.deepEqual([last.event, last.actorId, last.userIds], ["member_removed", "system", [ub.id]]);
  await systemRemoveMember(srv.core, g.id, uo.id);
  assert.equal((await owner.get(base)).status, 404);
  const stored = (await srv.kv.get<{ memberCount: number }>(keys.conversation(g.id))).value;
  assert.equal(stored?.memberCount, 0);
});

Deno.test("group - when the last owner leaves, the longest-standing member becomes owner", async () => {
  await using srv = await startServer();
  const { client: owner } = await adminClient(srv);
  const { client: bob, user: ub } = await userClient(srv, "Bob");
  const { user: uc } = await userClient(srv, "Carol");
  const g = (await owner.post("/api/v1/conversations", {
    kind: "group",
    title: "g",
    memberIds: [ub.id, uc.id],
  })).json.conversation;
  const left = await owner.post(`/api/v1/conversations/${g.id}/leave`);
  assert.equal(left.json.message.system.event, "member_left");
  const members = (await bob.get(`/api/v1/conversations/${g.id}/members`)).json.items;
  assert.equal(members.filter((m: { role: string }) => m.role === "owner").length, 1);
});

Deno.test("group - rename is owners' and admins', announced in the history", async () => {
  await using srv = await startServer();
  const { client: owner } = await adminClient(srv);
  const { client: bob, user: ub } = await userClient(srv, "Bob");
  const g =
    (await owner.post("/api/v1/conversations", { kind: "group", title: "old", memberIds: [ub.id] }))
      .json.conversation;
  assert.equal((await bob.patch(`/api/v1/conversations/${g.id}`, { title: "x" })).status, 403);
  const r = await owner.patch(`/api/v1/conversations/${g.id}`, { title: "new name" });
  assert.equal(r.status, 200);
  assert.equal(r.json.conversation.title, "new name");
  assert.equal(r.json.conversation.memberCount, 2);
  assert.equal(r.json.message.system.event, "renamed");
});

Deno.test("messages - a retried clientId returns the original, never a duplicate", async () => {
  await using srv = await startServer();
  const { client: a } = await adminClient(srv);
  const g =
    (await a.post("/api/v1/conversations", { kind: "group", title: "g" })).json.conversation;
  const url = `/api/v1/conversations/${g.id}/messages`;
  const first = await a.post(url, { clientId: "retry-1", text: "disk full" });
  assert.equal(first.status, 201);
  const retries = await Promise.all(
    [1, 2, 3, 4, 5].map(() => a.post(url, { clientId: "retry-1", text: "disk full" })),
  );
  for (const r of retries) {
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.message, first.json.message);
  }
  const all = (await a.get(`${url}?after=0`)).json.items;
  assert.equal(all.filter((m: { clientId?: string }) => m.clientId === "retry-1").length, 1);
});

Deno.test("messages - concurrent senders get gap-free seqs, each message once", async () => {
  await using srv = await startServer();
  const { client: a } = await adminClient(srv);
  const others = await Promise.all([1, 2, 3].map((i) => userClient(srv, "W" + i)));
  const g = (await a.post("/api/v1/conversations", {
    kind: "group",
    title: "hot",
    memberIds: others.map((o) => o.user.id),
  })).json.conversation;
  const url = `/api/v1/conversations/${g.id}/messages`;
  const senders = [a, ...others.map((o) => o.client)];
  await Promise.all(senders.map(async (c, i) => {
    await Promise.all(
      Array.from(
        { length: 25 },
        (_, j) => c.post(url, { clientId: `s${i}-${j}`, text: `${i}/${j}` }),
      ),
    );
  }));
  const items = [];
  let after = 0;
  while (true) {
    const page = (await a.get(`${url}?after=${after}&limit=40`)).json;
    items.push(...page.items);
    if (page.cursor === null) break;
    after = page.cursor;
  }
  assert.equal(items.length, 101);
  assertGapFree(items.map((m: { seq: number }) => m.seq));
  assert.equal(new Set(items.map((m: { clientId?: string }) => m.clientId)).size, 101);
});

Deno.test("messages - history pages backwards with before and forwards with after", async () => {
  await using srv = await startServer();
  const { client: a } = await adminClient(srv);
  const g =
    (await a.post("/api/v1/conversations", { kind: "group", title: "g" })).json.conversation;
  const url = `/api/v1/conversations/${g.id}/messages`;
  for (let i = 0; i < 9; i++) await a.post(url, { clientId: `c${i}`, text: `m${i}` });
  const latest = (await a.get(`${url}?limit=4`)).json;
  assert.deepEqual(latest.items.map((m: { seq: number }) => m.seq), [7, 8, 9, 10]);
  assert.equal(latest.cursor, 7);
  const older = (await a.get(`${url}?before=7&limit=4`)).json;
  assert.deepEqual(older.items.map((m: { seq: number }) => m.seq), [3, 4, 5, 6]);
  const oldest = (await a.get(`${url}?before=3&limit=4`)).json;
  assert.deepEqual(oldest.items.map((m: { seq: number }) => m.seq), [1, 2]);
  assert.equal(oldest.cursor, null);
  const fwd = (await a.get(`${url}?after=8`)).json;
  assert.deepEqual(fwd.items.map((m: { seq: number }) => m.seq), [9, 10]);
  const between = (await a.get(`${url}?after=2&before=5`)).json;
  assert.deepEqual(between.items.map((m: { seq: number }) => m.seq), [3, 4]);
  const bad = await a.get(`${url}?limit=abc`);
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, "invalid_input");
});

Deno.test("messages - a non-member gets 404 on every route and no content", async () => {
  await using srv = await startServer();
  const { client: a } = await adminClient(srv);
  const { client: eve } = await userClient(srv, "Eve");
  const g =
    (await a.post("/api/v1/conversations", { kind: "group", title: "secret" })).json.conversation;
  await a.post(`/api/v1/conversations/${g.id}/messages`, {
    clientId: "x",
    text: "the password is hunter2",
  });
  const base = `/api/v1/conversations/${g.id}`;
  const attempts: [string, string, unknown?][] = [
    ["GET", base],
    ["PATCH", base, { title: "mine" }],
    ["GET", `${base}/messages`],
    ["POST", `${base}/messages`, { clientId: "e", text: "hi" }],
    ["POST", `${base}/read`, { seq: 1 }],
    ["GET", `${base}/receipts`],
    ["GET", `${base}/members`],
    ["POST", `${base}/members`, { userIds: [g.createdBy] }],
    ["DELETE", `${base}/members/${g.createdBy}`],
    ["POST", `${base}/leave`],
  ];
  for (const [m, p, body] of attempts) {
    const r = await eve.request(m, p, body);
    assert.equal(r.status, 404, `${m} ${p}`);
    assert.equal(JSON.stringify(r.json).includes("hunter2"), false);
    assert.equal(JSON.stringify(r.json).includes("secret"), false);
  }
  // An id that does not exist answers the same.
  assert.equal((await eve.get("/api/v1/conversations/01ARZ3NDEKTSV4RRFFQ69G5FAV")).status, 404);
  assert.equal((await eve.get("/api/v1/conversations/not-an-id")).status, 404);
});

Deno.test("input - bad bodies get clear JSON errors with the right status", async () => {
  await using srv = await startServer({ config: { maxMessageChars: 100, maxBodyBytes: 4096 } });
  const { client: a } = await adminClient(srv);
  const g =
    (await a.post("/api/v1/conversations", { kind: "group", title: "g" })).json.conversation;
  const url = `/api/v1/conversations/${g.id}/messages`;
  const cases: [unknown, number, string][] = [
    ["{not json", 400, "invalid_json"],
    [{ clientId: "a" }, 400, "invalid_input"],
    [{ clientId: "a", text: "   " }, 400, "invalid_input"],
    [{ clientId: "has space", text: "x" }, 400, "invalid_input"],
    [{ clientId: "a", text: "x", extra: 1 }, 400, "invalid_input"],
    [{ clientId: "a", text: 5 }, 400, "invalid_input"],
    [[1, 2], 400, "invalid_input"],
    [{ clientId: "a", text: "x".repeat(101) }, 413, "payload_too_large"],
    [{ clientId: "a", text: "x".repeat(5000) }, 413, "payload_too_large"],
    [{ clientId: "__proto__", text: "x", __proto__: { admin: true } }, 201, ""],
  ];
  for (const [body, status, code] of cases) {
    const r = await a.request("POST", url, body);
    assert.equal(r.status, status, JSON.stringify(body).slice(0, 60));
    if (code) {
      assert.equal(r.json.error.code, code);
      assert.equal(typeof r.json.error.message, "string");
    }
  }
  const kinds = await a.post("/api/v1/conversations", { kind: "channel", title: "x" });
  assert.equal(kinds.status, 400);
  const noBody = await a.request("POST", "/api/v1/conversations", undefined, {});
  assert.equal(noBody.status, 400);
  const unknownRoute = await a.get("/api/v1/nope");
  assert.equal(unknownRoute.status, 404);
  assert.equal(unknownRoute.json.error.code, "not_found");
});

Deno.test("messages - send rate limit answers 429 with Retry-After", async () => {
  await using srv = await startServer({ config: { sendRatePerSec: 2 } });
  const { client: a } = await adminClient(srv);
  const g =
    (await a.post("/api/v1/conversations", { kind: "group", title: "g" })).json.conversation;
  const statuses = [];
  for (let i = 0; i < 12; i++) {
    statuses.push(
      (await a.post(`/api/v1/conversations/${g.id}/messages`, { clientId: `r${i}`, text: "x" }))
        .status,
    );
  }
  assert.ok(statuses.includes(429));
  assert.equal(statuses[0], 201);
});

Deno.test("messages - the stored record is one atomic write: message, head, clientId together", async () => {
  await using srv = await startServer();
  const { client: a } = await adminClient(srv);
  const g =
    (await a.post("/api/v1/conversations", { kind: "group", title: "g" })).json.conversation;
  const r = await a.post(`/api/v1/conversations/${g.id}/messages`, { clientId: "k", text: "x" });
  const m = r.json.message;
  const [msg, head, byClient] = await srv.kv.getMany([
    keys.message(g.id, m.seq),
    keys.head(g.id),
    keys.messageByClientId(g.id, m.senderId, "k"),
  ]);
  assert.equal(msg.versionstamp, head.versionstamp);
  assert.equal(msg.versionstamp, byClient.versionstamp);
  assert.equal(byClient.value, m.seq);
});

Deno.test("teams - admins create teams with team admins who manage members", async () => {
  await using srv = await startServer();
  const { client: admin } = await adminClient(srv);
  const { client: lead, user: ul } = await userClient(srv, "Lead");
  const { client: dev, user: ud } = await userClient(srv, "Dev");
  const { user: ux } = await userClient(srv, "New");
  assert.equal((await lead.post("/api/v1/teams", { name: "SRE" })).status, 403);
  const t = await admin.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [ud.id],
    adminIds: [ul.id],
  });
  assert.equal(t.status, 201);
  assert.equal(t.json.members.length, 2);
  assert.equal((await admin.post("/api/v1/teams", { name: "sre" })).status, 409);
  const id = t.json.team.id;
  assert.equal((await dev.post(`/api/v1/teams/${id}/members`, { userIds: [ux.id] })).status, 403);
  assert.equal((await lead.post(`/api/v1/teams/${id}/members`, { userIds: [ux.id] })).status, 200);
  assert.equal(
    (await lead.patch(`/api/v1/teams/${id}/members/${ud.id}`, { role: "admin" })).status,
    200,
  );
  assert.equal((await lead.delete(`/api/v1/teams/${id}/members/${ux.id}`)).status, 200);
  assert.equal(
    (await lead.patch(`/api/v1/teams/${id}`, { name: "SRE China" })).json.team.name,
    "SRE China",
  );
  const mine = (await dev.get("/api/v1/teams")).json.items;
  assert.deepEqual(mine.map((x: { name: string; myRole: string }) => [x.name, x.myRole]), [[
    "SRE China",
    "admin",
  ]]);
  const me = (await dev.get("/api/v1/me")).json;
  assert.equal(me.teams.length, 1);
  const { client: outsider } = await userClient(srv, "Out");
  assert.equal((await outsider.get(`/api/v1/teams/${id}`)).status, 404);
  assert.deepEqual((await outsider.get("/api/v1/teams")).json.items, []);
  const anon = new Client(srv.url);
  assert.equal((await anon.get(`/api/v1/teams/${id}`)).status, 401);
});
