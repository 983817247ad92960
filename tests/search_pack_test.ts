/**
 * Packed postings in a running server: the packer folds the long lists it wrote into blocks
 * behind their newest postings, search answers the same before and after, an edit and retention
 * take packed postings out of their blocks, and a recall leaves no trace of its words.
 */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { keys } from "../lib/core/keys.ts";
import { sweepRetention } from "../lib/chat/retention.ts";
import type { Block } from "../lib/search/blocks.ts";
import type { SearchPage } from "../lib/search/model.ts";
import type { Message } from "../lib/protocol.ts";
import { type Client, say, sleep, startServer, userClient } from "./_helpers.ts";

/** Every hit of `q`, following the cursor. */
async function findAll(c: Client, q: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const qs = new URLSearchParams({ q, limit: "50", ...(cursor ? { cursor } : {}) });
    const r = await c.get(`/api/v1/search?${qs}`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const page = r.json as SearchPage;
    assert.equal(page.partial, false);
    ids.push(...page.items.map((h) => h.id));
    cursor = page.cursor;
  } while (cursor);
  return ids;
}

async function packedDocs(kv: Deno.Kv, list: Deno.KvKey): Promise<string[]> {
  const out: string[] = [];
  for await (const e of kv.list<Block>({ prefix: keys.searchBlocks(list) })) out.push(...e.value.d);
  return out;
}

async function until(what: string, f: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}

/**
 * Where each test's clock starts: ids are made from it but never run backwards in a process, so
 * after a test moved its clock days ahead the next one starts beyond that.
 */
let startAt = Date.now();

for (const searchGlobalScopes of [1_000, 0]) {
  const mode = searchGlobalScopes ? "per scope" : "site-wide";
  Deno.test(`search packing (${mode}) - long lists fold into blocks behind their newest postings; an edit and retention take packed postings out; a recall leaves no marker`, async () => {
    const clock = new ManualClock(startAt);
    await using srv = await startServer({
      clock,
      config: {
        sendRatePerSec: 0,
        messageRetentionDays: 1,
        retentionSweepMs: 0,
        searchGlobalScopes,
        searchPackMs: 50,
        searchPackAfterMs: 60_000,
        // Packing waits for the recall window and a minute: 90 s here.
        messageRecallWindowMs: 30_000,
      },
    });
    const alice = await userClient(srv, "Alice");
    const bob = await userClient(srv, "Bob");
    const conv = (await alice.client.post("/api/v1/conversations", {
      kind: "group",
      title: "ops",
      memberIds: [bob.user.id],
    })).json.conversation as { id: string };
    const sent: Message[] = [];
    for (let i = 0; i < 300; i++) {
      sent.push(await say(alice.client, conv.id, `disk alarm on host n${i}x`));
      clock.advance(10);
    }
    const before = await findAll(bob.client, "disk alarm");
    assert.deepEqual(before, sent.map((m) => m.id).reverse());
    const scopeList = keys.searchMessageToken(conv.id, "disk");
    const wideList = keys.searchAllToken("disk");
    await sleep(300);
    assert.deepEqual(await packedDocs(srv.kv, wideList), [], "nothing packed this young");

    // 90 s on: the packer folds all but the last partial block of each list.
    clock.advance(91_000);
    await until("packed", async () => (await packedDocs(srv.kv, wideList)).length === 256);
    await until("packed", async () => (await packedDocs(srv.kv, scopeList)).length === 256);
    let singles = 0;
    for await (const _ of srv.kv.list({ prefix: wideList })) singles++;
    assert.equal(singles, 300 - 256);
    assert.deepEqual(await findAll(bob.client, "disk alarm"), before);
    assert.deepEqual(await findAll(bob.client, "n7x disk"), [sent[7].id]);

    // An edit of a packed message drops two of its words: gone from search at once, from its
    // blocks soon after.
    const r = await alice.client.patch(`/api/v1/conversations/${conv.id}/messages/${sent[7].seq}`, {
      text: "fixed on host n7x",
    });
    assert.equal(r.status, 200);
    assert.deepEqual(await findAll(bob.client, "n7x disk"), []);
    assert.deepEqual(await findAll(bob.client, "n7x fixed"), [sent[7].id]);
    await until("out of the blocks", async () => {
      const docs = [...await packedDocs(srv.kv, wideList), ...await packedDocs(srv.kv, scopeList)];
      if (docs.length !== 2 * 255 || docs.includes(sent[7].id)) return false;
      // And its marker is gone once every list it names is done.
      for await (const _ of srv.kv.list({ prefix: keys.searchGoneAll() })) return false;
      return true;
    });

    // A recall (always within its window, younger than anything packed) only deletes.
    const removals = (await srv.kv.get(keys.searchRemovals())).versionstamp;
    const secret = await say(alice.client, conv.id, "disk password hunter2");
    const gone = await alice.client.delete(
      `/api/v1/conversations/${conv.id}/messages/${secret.seq}`,
    );
    assert.equal(gone.status, 200);
    assert.equal((await srv.kv.get(keys.searchRemovals())).versionstamp, removals);
    for await (const e of srv.kv.list({ prefix: [] })) {
      const text = JSON.stringify(
        [e.key, e.value],
        (_k, v) => typeof v === "bigint" ? String(v) : v,
      );
      assert.ok(!text.includes("hunter2"), `found in ${String(e.key)}`);
    }

    // Retention (1 day) deletes them all; the emptied blocks go.
    clock.advance(2 * 86_400_000);
    startAt = clock.now() + 60_000;
    const swept = await sweepRetention(srv.core);
    assert.ok(swept.deleted >= 301);
    // "disk", "alarm", "on" and "host" each had blocks, in both lists.
    await until("every block emptied", async () => {
      for await (const _ of srv.kv.list({ prefix: ["search_blk"] })) return false;
      return true;
    });
    assert.deepEqual(await findAll(bob.client, "disk"), []);
  });
}
