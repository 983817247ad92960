/** The alert list: paging through the indexes, filters combined, cursors, the migration, bulk actions. */
import assert from "node:assert/strict";
import { keys } from "../lib/core/keys.ts";
import { migrateAlertIndexes } from "../lib/alerts/alert_index.ts";
import { adminClient, type Client, startServer, type TestServer, userClient } from "./_helpers.ts";

async function setup(srv: TestServer) {
  const { client: admin, user: adminUser } = await adminClient(srv);
  const member = await userClient(srv, "Member");
  const outsider = await userClient(srv, "Outsider");
  const team = (await admin.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [member.user.id],
    adminIds: [adminUser.id],
  })).json.team;
  const mk = async (name: string) => {
    const r = await admin.post("/api/v1/integrations", { name, type: "text", teamId: team.id });
    assert.equal(r.status, 201);
    return { id: r.json.integration.id as string, token: r.json.token as string };
  };
  const a = await mk("a");
  const b = await mk("b");
  let n = 0;
  const fire = async (src: { id: string; token: string }, priority = "medium") => {
    const r = await fetch(`${srv.url}/hooks/${src.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${src.token}`, priority, title: `alert ${++n}` },
      body: `body ${n}`,
    });
    assert.equal(r.status, 202);
    return (await r.json()).alerts[0].alertId as string;
  };
  return { admin, adminUser, member, outsider, team, a, b, fire };
}

async function all(c: Client, query: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const r = await c.get(
      `/api/v1/alerts?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    assert.equal(r.status, 200, JSON.stringify(r.json));
    ids.push(...r.json.items.map((x: { id: string }) => x.id));
    cursor = r.json.cursor;
    pages++;
    assert.ok(pages < 50, "the cursor never ends");
  } while (cursor);
  return { ids, pages };
}

Deno.test("alert list - pages newest and oldest first through the indexes", async () => {
  await using srv = await startServer({ config: { sendRatePerSec: 0 } });
  const s = await setup(srv);
  const made: string[] = [];
  for (let i = 0; i < 23; i++) made.push(await s.fire(i % 2 ? s.a : s.b));
  const newest = await all(s.member.client, "limit=10");
  assert.equal(newest.pages, 3);
  assert.deepEqual(newest.ids, [...made].reverse());
  const oldest = await all(s.member.client, "limit=10&sort=oldest");
  assert.deepEqual(oldest.ids, made);
  // Outsiders see nothing, even naming the team.
  assert.deepEqual((await all(s.outsider.client, `teamId=${s.team.id}`)).ids, []);
  // A cursor of another sort, or junk, is refused.
  const bad = await s.member.client.get("/api/v1/alerts?sort=priority&cursor=" + made[0]);
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, "invalid_input");
});

Deno.test("alert list - filters combine: status, priority, assignee, source and time", async () => {
  await using srv = await startServer({ config: { sendRatePerSec: 0 } });
  const s = await setup(srv);
  const urgentA = [await s.fire(s.a, "urgent"), await s.fire(s.a, "urgent")];
  const lowB = [await s.fire(s.b, "low"), await s.fire(s.b, "low")];
  const highA = await s.fire(s.a, "high");
  // Acknowledge one urgent, assign one low to the member, resolve the high one.
  assert.equal((await s.member.client.post(`/api/v1/alerts/${urgentA[0]}/ack`)).status, 200);
  await s.member.client.post(`/api/v1/alerts/${lowB[1]}/assign`, { userId: s.member.user.id });
  await s.member.client.post(`/api/v1/alerts/${highA}/resolve`);
  const q = async (query: string) => (await all(s.member.client, query)).ids;

  assert.deepEqual(await q("status=open&priority=urgent"), [urgentA[1], urgentA[0]]);
  assert.deepEqual(await q("status=triggered&priority=urgent"), [urgentA[1]]);
  assert.deepEqual(await q(`status=acknowledged&integrationId=${s.a.id}`), [urgentA[0]]);
  assert.deepEqual(await q(`integrationId=${s.b.id}&assignee=me`), [lowB[1]]);
  assert.deepEqual(await q(`integrationId=${s.b.id}&assignee=unassigned`), [lowB[0]]);
  assert.deepEqual(await q("status=open"), [lowB[1], lowB[0], urgentA[1], urgentA[0]]);
  assert.deepEqual(await q("status=resolved"), [highA]);
  assert.deepEqual(await q(`assignee=me&priority=urgent`), []);
  // Priority order: urgent first, newest first within a priority, across pages.
  assert.deepEqual((await all(s.member.client, "sort=priority&limit=2")).ids, [
    urgentA[1],
    urgentA[0],
    highA,
    lowB[1],
    lowB[0],
  ]);
  // Time range on createdAt, both ends inclusive.
  const at = async (id: string) => (await s.member.client.get(`/api/v1/alerts/${id}`)).json.alert;
  const from = (await at(lowB[0])).createdAt;
  const to = (await at(lowB[1])).createdAt;
  const inRange = await q(`from=${from}&to=${to}&sort=oldest`);
  const expected: string[] = [];
  for (const id of [...urgentA, ...lowB, highA]) {
    const c = (await at(id)).createdAt;
    if (c >= from && c <= to) expected.push(id);
  }
  assert.ok(expected.includes(lowB[0]) && expected.includes(lowB[1]));
  assert.deepEqual(inRange, expected);
  const early = await q(`to=${from - 1}`);
  assert.ok(!early.includes(lowB[0]));
  for (const id of early) assert.ok((await at(id)).createdAt < from);
});

Deno.test("alert list - a cursor is stable while new alerts arrive", async () => {
  await using srv = await startServer({ config: { sendRatePerSec: 0 } });
  const s = await setup(srv);
  const before: string[] = [];
  for (let i = 0; i < 12; i++) before.push(await s.fire(s.a));
  const p1 = await s.member.client.get("/api/v1/alerts?limit=5");
  assert.deepEqual(p1.json.items.map((x: { id: string }) => x.id), before.slice(7).reverse());
  // Alerts arrive (concurrently) between the pages.
  const during = await Promise.all([0, 1, 2, 3, 4].map(() => s.fire(s.b)));
  const rest: string[] = [];
  let cursor = p1.json.cursor;
  while (cursor) {
    const r = await s.member.client.get(`/api/v1/alerts?limit=5&cursor=${cursor}`);
    rest.push(...r.json.items.map((x: { id: string }) => x.id));
    cursor = r.json.cursor;
  }
  // The rest of the original set, in order: nothing repeated, nothing skipped, no newcomer.
  assert.deepEqual(rest, before.slice(0, 7).reverse());
  for (const id of during) assert.ok(!rest.includes(id));
  // A fresh first page starts with the newcomers.
  const fresh = await s.member.client.get("/api/v1/alerts?limit=5");
  assert.deepEqual(
    new Set(fresh.json.items.map((x: { id: string }) => x.id)),
    new Set(during),
  );
});

Deno.test("alert list - a filter that matches little reads a bounded number of entries per page", async () => {
  await using srv = await startServer({ config: { sendRatePerSec: 0, alertListScanMax: 4 } });
  const s = await setup(srv);
  const ids: string[] = [];
  for (let i = 0; i < 10; i++) ids.push(await s.fire(s.a));
  await s.member.client.post(`/api/v1/alerts/${ids[1]}/assign`, { userId: s.member.user.id });
  const first = await s.member.client.get("/api/v1/alerts?assignee=me&limit=50");
  // 4 entries read, none of them mine: an empty page that says where to go on.
  assert.deepEqual(first.json.items, []);
  assert.ok(first.json.cursor);
  const { ids: mine, pages } = await all(s.member.client, "assignee=me&limit=50");
  assert.deepEqual(mine, [ids[1]]);
  assert.equal(pages, 3);
});

Deno.test("alert list - the start-up migration indexes alerts stored before, once", async () => {
  await using srv = await startServer({ config: { sendRatePerSec: 0 } });
  const s = await setup(srv);
  const ids = [await s.fire(s.a, "high"), await s.fire(s.b, "low"), await s.fire(s.a)];
  await s.member.client.post(`/api/v1/alerts/${ids[0]}/ack`);
  // Back to the old layout: no list indexes, no migration stamp.
  for (const prefix of [["alerts_by_team_status"], ["alerts_by_team_status_priority"]]) {
    for await (const e of srv.kv.list({ prefix })) await srv.kv.delete(e.key);
  }
  await srv.kv.delete(keys.migration("alert_list_indexes"));
  assert.deepEqual((await all(s.member.client, "")).ids, []);
  assert.equal(await migrateAlertIndexes(srv.kv, srv.core.clock), 3);
  assert.deepEqual((await all(s.member.client, "")).ids, [...ids].reverse());
  assert.deepEqual((await all(s.member.client, "status=acknowledged")).ids, [ids[0]]);
  assert.deepEqual((await all(s.member.client, "priority=low")).ids, [ids[1]]);
  // Stamped: a second start does nothing.
  assert.equal(await migrateAlertIndexes(srv.kv, srv.core.clock), 0);
});

Deno.test("alert list - bulk acknowledge and resolve: one commit per alert, each answers", async () => {
  await using srv = await startServer({ config: { sendRatePerSec: 0 } });
  const s = await setup(srv);
  const ids = [await s.fire(s.a), await s.fire(s.a), await s.fire(s.b)];
  // An outsider changes nothing.
  const out = await s.outsider.client.post("/api/v1/alerts/bulk", { action: "ack", ids });
  assert.equal(out.status, 200);
  assert.ok(
    out.json.results.every((r: { ok: boolean; code: string }) => !r.ok && r.code === "not_found"),
  );
  assert.deepEqual((await all(s.member.client, "status=acknowledged")).ids, []);
  await s.member.client.post(`/api/v1/alerts/${ids[2]}/ack`);
  const r = await s.member.client.post("/api/v1/alerts/bulk", { action: "ack", ids });
  assert.deepEqual(r.json.results.map((x: { ok: boolean }) => x.ok), [true, true, false]);
  assert.equal(r.json.results[2].code, "conflict");
  assert.deepEqual((await all(s.member.client, "status=acknowledged")).ids, [...ids].reverse());
  const res = await s.member.client.post("/api/v1/alerts/bulk", { action: "resolve", ids });
  assert.ok(res.json.results.every((x: { ok: boolean }) => x.ok));
  assert.deepEqual((await all(s.member.client, "status=open")).ids, []);
  assert.equal(
    (await s.member.client.post("/api/v1/alerts/bulk", { action: "ack", ids: ["x"] })).status,
    400,
  );
});
