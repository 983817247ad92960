/**
 * Search: the index commits with the message or alert it indexes; edits, recalls and retention
 * take out what they take out; filters narrow; and nobody finds what they may not read.
 */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { keys } from "../lib/core/keys.ts";
import { sweepRetention } from "../lib/chat/retention.ts";
import { tokenize } from "../lib/search/tokens.ts";
import { backfillSearchIndex } from "../lib/search/backfill.ts";
import type { SearchPage } from "../lib/search/model.ts";
import { adminClient, type Client, say, startServer, userClient } from "./_helpers.ts";

async function find(c: Client, params: Record<string, string | number>): Promise<SearchPage> {
  const qs = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  const r = await c.get(`/api/v1/search?${qs}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
}

/**
 * A message's tokens in its conversation's postings; its site-wide postings must be the same
 * tokens, each naming the conversation.
 */
async function postings(kv: Deno.Kv, convId: string, messageId: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of kv.list({ prefix: ["search_msg", convId] })) {
    if (e.key[3] === messageId) out.push(String(e.key[2]));
  }
  const wide: string[] = [];
  for await (const e of kv.list<unknown[]>({ prefix: ["search_all"] })) {
    if (e.key[2] !== messageId) continue;
    assert.equal(e.value[1], convId, "a site-wide posting names the message's conversation");
    wide.push(String(e.key[1]));
  }
  assert.deepEqual(wide.sort(), out.sort(), "the site-wide postings mirror the conversation's");
  return out;
}

/** Both ways a query can read the index: each scope's own postings, or the site-wide lists. */
const MODES = [
  { name: "per scope", searchGlobalScopes: 1_000 },
  { name: "site-wide", searchGlobalScopes: 0 },
] as const;
type Mode = typeof MODES[number];

async function setup(mode: Mode, clock?: ManualClock) {
  const srv = await startServer({
    clock,
    config: {
      sendRatePerSec: 0,
      messageRetentionDays: 1,
      retentionSweepMs: 0,
      searchGlobalScopes: mode.searchGlobalScopes,
    },
  });
  const admin = await adminClient(srv);
  const alice = await userClient(srv, "Alice");
  const bob = await userClient(srv, "Bob");
  const carol = await userClient(srv, "Carol");
  const conv = (await alice.client.post("/api/v1/conversations", {
    kind: "group",
    title: "ops",
    memberIds: [bob.user.id],
  })).json.conversation as { id: string };
  return { srv, admin, alice, bob, carol, conv };
}

for (const mode of MODES) {
  Deno.test(`search (${mode.name}) - a message's postings commit with it; Chinese, Japanese and full-width text are found; outsiders find nothing`, async () => {
    const { srv, alice, bob, carol, conv } = await setup(mode);
    await using _srv = srv;
    const m = await say(alice.client, conv.id, "Database connection failed on db-01");
    await say(bob.client, conv.id, "生产环境数据库连接失败了，请检查");
    await say(bob.client, conv.id, "東京のサーバーがダウンしました");
    await say(alice.client, conv.id, "ＤＩＳＫ ＦＵＬＬ on ｗｅｂ-2");

    // Same commit: every posting carries the message's own versionstamp.
    const stored = await srv.kv.get(keys.message(conv.id, m.seq));
    const words = tokenize(m.text);
    assert.deepEqual(await postings(srv.kv, conv.id, m.id), [...words].sort());
    for (const t of words) {
      const p = await srv.kv.get(keys.searchMessage(conv.id, t, m.id));
      assert.equal(p.versionstamp, stored.versionstamp, `posting ${t} in the message's commit`);
    }

    const hit = (await find(bob.client, { q: "CONNECTION failed" })).items;
    assert.equal(hit.length, 1);
    assert.equal(hit[0].seq, m.seq);
    assert.equal(hit[0].conversationTitle, "ops");
    assert.deepEqual(
      hit[0].highlights.map(([s, e]) => hit[0].excerpt.slice(s, e)),
      ["connection", "failed"],
    );
    assert.match((await find(alice.client, { q: "连接失败" })).items[0]?.excerpt ?? "", /连接失败/);
    assert.match((await find(alice.client, { q: "サーバー" })).items[0]?.excerpt ?? "", /サーバー/);
    assert.equal((await find(alice.client, { q: "disk full" })).items.length, 1, "width folded");
    assert.equal((await find(alice.client, { q: "connection succeeded" })).items.length, 0);

    // Carol is in no conversation with them: the exact words find only her own conversation's
    // message (the site-wide lists hold both; hers alone may come back), the filter 404s.
    const own = (await carol.client.post("/api/v1/conversations", {
      kind: "group",
      title: "carol's",
      memberIds: [],
    })).json.conversation as { id: string };
    const mine = await say(carol.client, own.id, "disk 连接失败 サーバー database connection");
    for (const q of ["Database connection failed on db-01", "连接失败", "サーバー", "disk"]) {
      const ids = (await find(carol.client, { q })).items.map((h) => h.id);
      assert.deepEqual(ids, q.includes("db-01") ? [] : [mine.id], q);
    }
    const r = await carol.client.get(`/api/v1/search?q=database&conversationId=${conv.id}`);
    assert.equal(r.status, 404);
    assert.equal((await alice.client.get("/api/v1/search?q=")).status, 400);
    assert.equal((await alice.client.get("/api/v1/search?q=x&kind=file")).status, 400);
    assert.equal(
      (await new (alice.client.constructor as typeof Client)(srv.url).get(
        "/api/v1/search?q=database",
      )).status,
      401,
    );
  });

  Deno.test(`search (${mode.name}) - an edit swaps the tokens, a recall and retention remove them, in their own commits`, async () => {
    const clock = new ManualClock();
    const { srv, alice, bob, conv } = await setup(mode, clock);
    await using _srv = srv;
    const m = await say(alice.client, conv.id, "rollback payment service now");
    const r = await alice.client.patch(`/api/v1/conversations/${conv.id}/messages/${m.seq}`, {
      text: "restart payment service now",
    });
    assert.equal(r.status, 200);
    assert.equal((await find(bob.client, { q: "rollback" })).items.length, 0, "old word gone");
    assert.equal((await find(bob.client, { q: "restart payment" })).items[0]?.seq, m.seq);
    assert.deepEqual(
      await postings(srv.kv, conv.id, m.id),
      tokenize("restart payment service now").sort(),
    );
    const edited = await srv.kv.get(keys.message(conv.id, m.seq));
    const p = await srv.kv.get(keys.searchMessage(conv.id, "restart", m.id));
    assert.equal(p.versionstamp, edited.versionstamp, "the new token commits with the edit");

    const gone = await say(alice.client, conv.id, "secret token abc123 oops");
    assert.equal((await find(bob.client, { q: "abc123" })).items.length, 1);
    assert.equal(
      (await alice.client.delete(`/api/v1/conversations/${conv.id}/messages/${gone.seq}`)).status,
      200,
    );
    assert.deepEqual(await postings(srv.kv, conv.id, gone.id), [], "recall leaves no posting");
    assert.equal((await find(bob.client, { q: "abc123" })).items.length, 0);

    // Retention (1 day): everything older goes, postings with it; a newer message stays found.
    clock.advance(2 * 86_400_000);
    const fresh = await say(bob.client, conv.id, "payment fixed");
    const swept = await sweepRetention(srv.core);
    assert.ok(swept.deleted >= 2);
    assert.deepEqual(await postings(srv.kv, conv.id, m.id), []);
    const left: string[] = [];
    for await (const e of srv.kv.list({ prefix: ["search_msg", conv.id] })) {
      left.push(String(e.key[3]));
    }
    assert.deepEqual([...new Set(left)], [fresh.id]);
    assert.deepEqual((await find(bob.client, { q: "payment" })).items.map((h) => h.id), [fresh.id]);
  });

  Deno.test(`search (${mode.name}) - filters: sender, conversation, time range, kind; pages with a cursor`, async () => {
    const clock = new ManualClock();
    const { srv, alice, bob, conv } = await setup(mode, clock);
    await using _srv = srv;
    const other = (await alice.client.post("/api/v1/conversations", {
      kind: "group",
      title: "dev",
      memberIds: [],
    })).json.conversation as { id: string };
    const t0 = clock.now();
    const a1 = await say(alice.client, conv.id, "deploy canary one");
    clock.advance(60_000);
    const b1 = await say(bob.client, conv.id, "deploy canary two");
    clock.advance(60_000);
    const a2 = await say(alice.client, other.id, "deploy canary three");
    const ids = (p: SearchPage) => p.items.map((h) => h.id);

    assert.deepEqual(ids(await find(alice.client, { q: "deploy canary" })), [a2.id, b1.id, a1.id]);
    assert.deepEqual(
      ids(await find(bob.client, { q: "deploy canary" })),
      [b1.id, a1.id],
      "bob is not in dev",
    );
    assert.deepEqual(ids(await find(alice.client, { q: "deploy", senderId: bob.user.id })), [
      b1.id,
    ]);
    assert.deepEqual(ids(await find(alice.client, { q: "deploy", conversationId: other.id })), [
      a2.id,
    ]);
    assert.deepEqual(
      ids(await find(alice.client, { q: "canary", from: t0 + 30_000, to: t0 + 90_000 })),
      [b1.id],
    );
    assert.deepEqual(ids(await find(alice.client, { q: "canary", kind: "alert" })), []);
    const p1 = await find(alice.client, { q: "canary", limit: 2 });
    assert.deepEqual(ids(p1), [a2.id, b1.id]);
    const p2 = await find(alice.client, { q: "canary", limit: 2, cursor: p1.cursor! });
    assert.deepEqual(ids(p2), [a1.id]);
    assert.equal(p2.cursor, null);
  });

  Deno.test(`search (${mode.name}) - alerts by title, label and note for their team only, with status and priority filters`, async () => {
    const { srv, admin, alice, carol } = await setup(mode);
    await using _srv = srv;
    const team = (await admin.client.post("/api/v1/teams", {
      name: "SRE",
      adminIds: [alice.user.id],
    })).json.team;
    const hook = (await admin.client.post("/api/v1/integrations", {
      name: "t",
      type: "text",
      teamId: team.id,
    })).json;
    const r = await fetch(`${srv.url}/hooks/${hook.integration.id}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${hook.token}`,
        priority: "high",
        title: "Payment gateway timeout",
      },
      body: "checkout 支付网关超时",
    });
    const alertId = (await r.json()).alerts[0].alertId as string;
    const alert = await srv.kv.get(keys.alert(alertId));
    const p = await srv.kv.get(keys.searchAlert(team.id, "gateway", alertId));
    assert.equal(p.versionstamp, alert.versionstamp, "postings commit with the alert");

    const hits = (await find(alice.client, { q: "gateway timeout" })).items;
    assert.equal(hits.length, 1);
    assert.equal(hits[0].kind, "alert");
    assert.equal(hits[0].alert?.id, alertId);
    assert.equal((await find(alice.client, { q: "支付网关" })).items.length, 1, "Chinese summary");
    assert.equal((await find(alice.client, { q: "gateway", priority: "high" })).items.length, 1);
    assert.equal((await find(alice.client, { q: "gateway", priority: "low" })).items.length, 0);
    assert.equal((await find(alice.client, { q: "gateway", kind: "message" })).items.length, 0);

    assert.equal(
      (await alice.client.post(`/api/v1/alerts/${alertId}/notes`, {
        text: "rolled back the release",
      })).status < 300,
      true,
    );
    const note = (await find(alice.client, { q: "rolled back" })).items;
    assert.equal(note.length, 1);
    assert.equal(note[0].alert?.note, true);
    await alice.client.post(`/api/v1/alerts/${alertId}/resolve`);
    assert.equal((await find(alice.client, { q: "gateway", status: "resolved" })).items.length, 1);
    assert.equal((await find(alice.client, { q: "gateway", status: "triggered" })).items.length, 0);

    // Carol and the global admin are not in the team: nothing, whatever the words.
    for (const c of [carol.client, admin.client]) {
      for (const q of ["Payment gateway timeout", "rolled back", "支付网关"]) {
        assert.deepEqual((await find(c, { q })).items, [], q);
      }
    }
    assert.equal(
      (await carol.client.get(`/api/v1/search?q=gateway&teamId=${team.id}`)).status,
      404,
    );
  });

  Deno.test(`search (${mode.name}) - the start-up migration indexes what was stored before search existed`, async () => {
    const { srv, alice, bob, conv } = await setup(mode);
    await using _srv = srv;
    const m = await say(alice.client, conv.id, "legacy cutover window tonight");
    // As an older version stored it: the message without its postings.
    const op = srv.kv.atomic();
    for (const t of tokenize(m.text)) {
      op.delete(keys.searchMessage(conv.id, t, m.id)).delete(keys.searchAll(t, m.id));
    }
    await op.commit();
    assert.equal((await find(bob.client, { q: "cutover" })).items.length, 0);
    assert.ok(await backfillSearchIndex(srv.kv) >= 1);
    assert.deepEqual((await find(bob.client, { q: "legacy cutover" })).items.map((h) => h.id), [
      m.id,
    ]);
    assert.deepEqual(await postings(srv.kv, conv.id, m.id), [...tokenize(m.text)].sort());
  });
}
