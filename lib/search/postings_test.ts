import assert from "node:assert/strict";
import { type Budget, intersect } from "./postings.ts";

/** Ids that sort like the index's ULIDs: fixed width, newer is greater. */
const id = (n: number) => n.toString(36).padStart(8, "0");

/** Writes each token's postings under ["p", token, doc]. */
async function seed(kv: Deno.Kv, lists: Record<string, number[]>): Promise<void> {
  for (const [token, docs] of Object.entries(lists)) {
    for (let i = 0; i < docs.length; i += 500) {
      const op = kv.atomic();
      for (const d of docs.slice(i, i + 500)) op.set(["p", token, id(d)], d);
      await op.commit();
    }
  }
}

async function run(kv: Deno.Kv, tokens: string[], budget: Budget, lower = "", upper = "~") {
  const out: string[] = [];
  for await (const c of intersect(kv, (t) => ["p", t], tokens, lower, upper, budget)) {
    out.push(c.doc);
  }
  return out;
}

/** What the join must answer: the documents in every list, newest first. */
function expected(lists: number[][], lower = "", upper = "~"): string[] {
  const sets = lists.map((l) => new Set(l));
  return lists[0].filter((d) => sets.every((s) => s.has(d)))
    .map(id).filter((d) => d >= lower && d < upper).sort().reverse();
}

/** A deterministic generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

Deno.test("postings - two long lists that seldom meet, and a rare list beside a common one: the join finds exactly the shared documents", async () => {
  const kv = await Deno.openKv(":memory:");
  const r = rng(7);
  // Two common tokens over 20,000 documents, each in about a third of them; a rare token in 40.
  const a: number[] = [], b: number[] = [], rare: number[] = [];
  for (let d = 1; d <= 20_000; d++) {
    const x = r();
    if (x < 0.33) a.push(d);
    else if (x < 0.66) b.push(d);
    else if (x < 0.6605) a.push(d), b.push(d); // the few documents holding both
    if (r() < 0.002) rare.push(d);
  }
  await seed(kv, { a, b, rare });
  const both = expected([a, b]);
  assert.ok(both.length > 0 && both.length < 40, `a handful of shared documents (${both.length})`);
  const budget: Budget = { seeks: 100_000 };
  assert.deepEqual(await run(kv, ["a", "b"], budget), both);
  assert.equal(budget.exhausted, undefined);
  assert.deepEqual(await run(kv, ["b", "a"], { seeks: 100_000 }), both, "either order");
  assert.deepEqual(await run(kv, ["rare", "a"], { seeks: 100_000 }), expected([rare, a]));
  assert.deepEqual(await run(kv, ["a", "rare"], { seeks: 100_000 }), expected([a, rare]));
  assert.deepEqual(await run(kv, ["a", "b", "rare"], { seeks: 100_000 }), expected([a, b, rare]));
  // An id range: only documents inside it, from either end.
  const [lo, hi] = [id(5_000), id(15_000)];
  assert.deepEqual(await run(kv, ["a", "b"], { seeks: 100_000 }, lo, hi), expected([a, b], lo, hi));
  kv.close();
});

Deno.test("postings - a budget too small to finish stops the scan, says so, and what it found is right", async () => {
  const kv = await Deno.openKv(":memory:");
  const a: number[] = [], b: number[] = [];
  // Alternating documents (never shared) except every 1,000th, which holds both.
  for (let d = 1; d <= 10_000; d++) {
    if (d % 1_000 === 0) a.push(d), b.push(d);
    else (d % 2 ? a : b).push(d);
  }
  await seed(kv, { a, b });
  const all = expected([a, b]);
  const small: Budget = { seeks: 20 };
  const some = await run(kv, ["a", "b"], small);
  assert.equal(small.exhausted, true);
  assert.ok(small.seeks >= 0, "never spends more than it has");
  assert.ok(some.length < all.length, `stopped early (${some.length} of ${all.length})`);
  assert.deepEqual(some, all.slice(0, some.length), "the newest shared documents, none made up");
  const enough: Budget = { seeks: 10_000 };
  assert.deepEqual(await run(kv, ["a", "b"], enough), all);
  assert.equal(enough.exhausted, undefined);
  kv.close();
});
