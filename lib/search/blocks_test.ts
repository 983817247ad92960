import assert from "node:assert/strict";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { type Block, BLOCK_POSTINGS, dropGone, packList, stageUnpost } from "./blocks.ts";
import { intersect } from "./postings.ts";

const HORIZON = "~";

/** `n` postings of `token` (site-wide list), ids ascending; every fifth also holds "odd". */
async function seed(kv: Deno.Kv, n: number): Promise<string[]> {
  const docs = Array.from({ length: n }, (_, i) => ulid(1_700_000_000_000 + i));
  for (let i = 0; i < n; i += 100) {
    const op = kv.atomic();
    for (const [j, d] of docs.slice(i, i + 100).entries()) {
      op.set(keys.searchAll("disk", d), ["c", "conv", i + j, null]);
      if ((i + j) % 5 === 0) op.set(keys.searchAll("odd", d), ["c", "conv", i + j, null]);
    }
    await op.commit();
  }
  return docs;
}

async function all(kv: Deno.Kv, tokens: string[], seeks = 100_000): Promise<string[]> {
  const out: string[] = [];
  const budget = { seeks };
  const prefixOf = (t: string) => keys.searchAllToken(t);
  for await (const p of intersect(kv, prefixOf, tokens, "", "~", budget)) out.push(p.doc);
  return out;
}

async function blocksOf(kv: Deno.Kv, token: string): Promise<Block[]> {
  const out: Block[] = [];
  for await (const e of kv.list<Block>({ prefix: keys.searchBlocks(keys.searchAllToken(token)) })) {
    out.push(e.value);
  }
  return out;
}

async function singles(kv: Deno.Kv, token: string): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix: keys.searchAllToken(token) })) n++;
  return n;
}

Deno.test("search blocks - packing full blocks leaves every query's answer as it was", async () => {
  await using kv = await Deno.openKv(":memory:");
  const docs = await seed(kv, 3 * BLOCK_POSTINGS + 40);
  const before = { disk: await all(kv, ["disk"]), both: await all(kv, ["disk", "odd"]) };
  assert.equal(before.disk.length, docs.length);
  const packed = await packList(kv, keys.searchAllToken("disk"), HORIZON);
  assert.deepEqual(packed, { blocks: 3, more: false });
  assert.equal(await singles(kv, "disk"), 40, "what is short of a block stays single");
  const blocks = await blocksOf(kv, "disk");
  assert.deepEqual(blocks.flatMap((b) => b.d), docs.slice(0, 3 * BLOCK_POSTINGS));
  // "odd" has fewer than a block of postings: nothing to pack.
  assert.deepEqual(await packList(kv, keys.searchAllToken("odd"), HORIZON), {
    blocks: 0,
    more: false,
  });
  assert.deepEqual(await all(kv, ["disk"]), before.disk);
  assert.deepEqual(await all(kv, ["disk", "odd"]), before.both);
  assert.deepEqual(await all(kv, ["odd", "disk"]), before.both);
  // A posting written again for a packed document (a re-index) is still one hit.
  await kv.set(keys.searchAll("disk", docs[5]), ["c", "conv", 5, null]);
  assert.deepEqual(await all(kv, ["disk"]), before.disk);
  // Nothing at or above the horizon is packed.
  const horizon = docs[docs.length - 1];
  await seed(kv, 0);
  assert.equal((await packList(kv, keys.searchAllToken("disk"), horizon)).blocks, 0);
});

Deno.test("search blocks - a removal takes the posting out of its block; one between a packer's read and commit wins", async () => {
  await using kv = await Deno.openKv(":memory:");
  const docs = await seed(kv, 2 * BLOCK_POSTINGS + 10);
  const list = keys.searchAllToken("disk");
  // A recall of docs[3] commits while the packer is between its read and its commit.
  let raced = false;
  const first = await packList(kv, list, HORIZON, async () => {
    if (raced) return;
    raced = true;
    const op = kv.atomic();
    stageUnpost(op, [keys.searchAll("disk", docs[3]), keys.searchAll("odd", docs[3])]);
    assert.ok((await op.commit()).ok);
  });
  assert.deepEqual(first, { blocks: 0, more: true }, "the packing failed and waits for the marker");
  assert.equal(await dropGone(kv), 1);
  assert.deepEqual(await packList(kv, list, HORIZON), { blocks: 2, more: false });
  const packed = (await blocksOf(kv, "disk")).flatMap((b) => b.d);
  assert.ok(!packed.includes(docs[3]), "the recalled document was not packed");
  assert.equal(packed.length, 2 * BLOCK_POSTINGS);

  // Removed once packed: the marker takes it out of the block, then goes.
  const op = kv.atomic();
  stageUnpost(op, [keys.searchAll("disk", docs[10]), keys.message("conv", 10)]);
  await op.commit();
  assert.ok((await all(kv, ["disk"])).includes(docs[10]), "a block holds it until the packer runs");
  assert.equal(await dropGone(kv), 1);
  assert.ok(!(await all(kv, ["disk"])).includes(docs[10]));
  assert.equal(await dropGone(kv), 0, "no marker left");

  // Retention of everything: every block empties and goes.
  const rest = kv.atomic();
  stageUnpost(rest, docs.map((d) => keys.searchAll("disk", d)));
  await rest.commit();
  await dropGone(kv);
  assert.deepEqual(await blocksOf(kv, "disk"), []);
  assert.deepEqual(await all(kv, ["disk"]), []);
});

Deno.test("search blocks - removing a posting that lies between two blocks (added after packing) ends", async () => {
  await using kv = await Deno.openKv(":memory:");
  const docs = await seed(kv, 2 * BLOCK_POSTINGS);
  const list = keys.searchAllToken("disk");
  assert.deepEqual(await packList(kv, list, HORIZON), { blocks: 2, more: false });
  // An old document gains the word after packing (an edit): a single posting between the blocks.
  const between = docs[BLOCK_POSTINGS - 1] + "0";
  assert.ok(between > docs[BLOCK_POSTINGS - 1] && between < docs[BLOCK_POSTINGS]);
  await kv.set(keys.searchAll("disk", between), ["c", "conv", 9_999, null]);
  const found = await all(kv, ["disk"]);
  assert.equal(found.length, 2 * BLOCK_POSTINGS + 1, "a query finds it between the blocks");
  assert.ok(found.includes(between));
  const op = kv.atomic();
  stageUnpost(op, [keys.searchAll("disk", between)]);
  assert.ok((await op.commit()).ok);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stuck = new Promise<string>((r) => timer = setTimeout(() => r("stuck"), 5_000));
  try {
    assert.equal(await Promise.race([dropGone(kv), stuck]), 1, "the marker is done with");
  } finally {
    clearTimeout(timer);
  }
  assert.equal((await blocksOf(kv, "disk")).flatMap((b) => b.d).length, 2 * BLOCK_POSTINGS);
  assert.equal(await dropGone(kv), 0, "no marker left");
});

Deno.test("search blocks - block reads count against the query's budget", async () => {
  await using kv = await Deno.openKv(":memory:");
  await seed(kv, 8 * BLOCK_POSTINGS);
  await packList(kv, keys.searchAllToken("disk"), HORIZON);
  const budget = { seeks: 2 } as { seeks: number; exhausted?: boolean };
  const out: string[] = [];
  const prefixOf = (t: string) => keys.searchAllToken(t);
  for await (const p of intersect(kv, prefixOf, ["disk"], "", "~", budget)) out.push(p.doc);
  assert.ok(out.length < 8 * BLOCK_POSTINGS, "stopped early");
  assert.equal(budget.exhausted, true);
});
