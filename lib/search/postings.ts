/**
 * The AND of several tokens' postings within one scope (a conversation or a team), newest
 * document first: a leapfrog join. Each token's postings are read backwards from a bound in small
 * batches; the first token proposes a document, every other token seeks to it, and a token whose
 * next posting is older moves the bound down to that posting, so that a rare token steers the
 * scan past the stretches of a common one without reading them. KV ranges are the seeks. A
 * token's postings are its single entries and its packed blocks (blocks.ts), read side by side.
 */
import { keys } from "../core/keys.ts";
import { getManyChunked } from "../core/kv_util.ts";
import { type Block, BLOCK_POSTINGS, firstAtOrAbove, notePacked, type Posting } from "./blocks.ts";

/** Postings a KV list call reads at first, and the unit the budget counts reads in. */
const BATCH = 64;
/** Postings a KV list call reads at most once a list is being read straight through (a list call takes at most 1,000). */
const MAX_BATCH = 512;

/** What one query may spend, shared by all its scopes: reads of up to BATCH postings at most. */
export interface Budget {
  seeks: number;
  /** Set when the budget ran out before the scan finished. */
  exhausted?: boolean;
}

/** The document id of a posting key (its last part). */
function docOf(e: Deno.KvEntry<unknown>): string {
  return e.key[e.key.length - 1] as string;
}

/** One read's postings, and whether it reached the bottom of the range (nothing older is left). */
interface Batch {
  entries: Deno.KvEntry<unknown>[];
  complete: boolean;
}

/**
 * One token's postings, read backwards; bounds only ever go down. A list whose postings are used
 * one after another (two common tokens that seldom meet) reads in growing batches, the next one
 * started before it is needed; a list that the other tokens steer past most of (a common token
 * beside a rare one) stays at small batches, so that a seek reads little it skips.
 */
class Postings {
  #buf: Deno.KvEntry<unknown>[] = [];
  #i = 0;
  /** The last read returned everything below its bound (nothing older remains unread). */
  #complete = false;
  #batch = BATCH;
  /** Postings of the buffer that were this list's answer at some point. */
  #used = 0;
  #lastAnswer = -1;
  /** The read of the postings below the buffer's last one, when started ahead of need. */
  #ahead: Promise<Batch | null> | null = null;
  /** Single postings read so far; past two blocks' worth the list is named for packing. */
  #seen = 0;

  constructor(
    private kv: Deno.Kv,
    private prefix: Deno.KvKey,
    private lower: string,
    private budget: Budget,
  ) {}

  /** The newest posting whose document id is below `bound` (exclusive), or null. */
  async below(bound: string): Promise<Deno.KvEntry<unknown> | null> {
    while (true) {
      while (this.#i < this.#buf.length && docOf(this.#buf[this.#i]) >= bound) this.#i++;
      if (this.#i < this.#buf.length) return this.#answer();
      if (this.#complete) return null;
      const next = await this.#refill(bound);
      if (!next) return null;
    }
  }

  #answer(): Deno.KvEntry<unknown> {
    if (this.#lastAnswer !== this.#i) {
      this.#lastAnswer = this.#i;
      this.#used++;
    }
    return this.#buf[this.#i];
  }

  /** Replaces the buffer with the postings below `bound`; false when the budget ran out. */
  async #refill(bound: string): Promise<boolean> {
    this.#adapt();
    // The read started ahead covers everything below the old buffer, and `bound` is at or below
    // that buffer's last posting: what it holds at or above `bound` is skipped like any other.
    const ahead = this.#ahead ? await this.#ahead : null;
    this.#ahead = null;
    let got = ahead;
    if (!got) {
      const size = this.#charge(this.#batch);
      if (!size) return false;
      got = await this.#read(bound, size);
    }
    this.#buf = got.entries;
    this.#seen += got.entries.length;
    if (this.#seen >= 2 * BLOCK_POSTINGS && this.#seen - got.entries.length < 2 * BLOCK_POSTINGS) {
      notePacked(this.prefix);
    }
    this.#i = 0;
    this.#used = 0;
    this.#lastAnswer = -1;
    this.#complete = got.complete;
    const last = this.#buf[this.#buf.length - 1];
    if (!this.#complete && last && this.#batch > BATCH) {
      const size = this.#charge(this.#batch, false);
      if (size) this.#ahead = this.#read(docOf(last), size).catch(() => null);
    }
    return true;
  }

  /** Grows the batch after a buffer used throughout, shrinks it after one mostly skipped. */
  #adapt(): void {
    const n = this.#buf.length;
    if (!n) return;
    if (this.#used * 2 >= n) this.#batch = Math.min(this.#batch * 2, MAX_BATCH);
    else if (this.#used * 8 < n) this.#batch = Math.max(this.#batch / 2, BATCH);
  }

  /**
   * Takes a read of up to `size` postings from the budget and answers how many it may read: fewer
   * when little is left, 0 when nothing is, which marks the scan unfinished unless the read was
   * only one started ahead.
   */
  #charge(size: number, needed = true): number {
    const granted = Math.min(size, this.budget.seeks * BATCH);
    if (granted <= 0) {
      if (needed) this.budget.exhausted = true;
      return 0;
    }
    this.budget.seeks -= Math.ceil(granted / BATCH);
    return granted;
  }

  async #read(bound: string, size: number): Promise<Batch> {
    const entries: Deno.KvEntry<unknown>[] = [];
    for await (
      const e of this.kv.list(
        { start: [...this.prefix, this.lower], end: [...this.prefix, bound] },
        { reverse: true, limit: size, batchSize: size },
      )
    ) entries.push(e);
    return { entries, complete: entries.length < size };
  }
}

/** Blocks a KV list call reads at first and at most (they grow like Postings' batches). */
const BLOCKS_MIN = 2;
const BLOCKS_MAX = 16;
/** A block read counts as this many postings against the budget. */
const BLOCK_COST = 16;

/**
 * One token's packed blocks, read backwards (blocks never overlap, so the newest block starting
 * below a bound holds the newest packed posting below it, unless all its postings are above).
 */
class Blocks {
  #buf: Block[] = [];
  #i = 0;
  #complete = false;
  #n = BLOCKS_MIN;
  #used = new Set<number>();

  constructor(
    private kv: Deno.Kv,
    private list: Deno.KvKey,
    private lower: string,
    private budget: Budget,
  ) {}

  async below(bound: string): Promise<Posting | null> {
    while (true) {
      for (; this.#i < this.#buf.length; this.#i++) {
        const b = this.#buf[this.#i];
        const j = firstAtOrAbove(b.d, bound) - 1;
        if (j < 0) continue;
        if (b.d[j] < this.lower) return null;
        this.#used.add(this.#i);
        return { doc: b.d[j], value: b.v[j] };
      }
      if (this.#complete || !(await this.#refill(bound))) return null;
    }
  }

  async #refill(bound: string): Promise<boolean> {
    if (this.#buf.length) {
      this.#n = this.#used.size * 2 >= this.#buf.length
        ? Math.min(this.#n * 2, BLOCKS_MAX)
        : BLOCKS_MIN;
    }
    const seeks = Math.ceil((this.#n * BLOCK_COST) / BATCH);
    if (this.budget.seeks < seeks) {
      this.budget.exhausted = true;
      return false;
    }
    this.budget.seeks -= seeks;
    const blocks: Block[] = [];
    for await (
      const e of this.kv.list<Block>(
        { prefix: keys.searchBlocks(this.list), end: keys.searchBlock(this.list, bound) },
        { reverse: true, limit: this.#n, batchSize: this.#n },
      )
    ) blocks.push(e.value);
    this.#buf = blocks;
    this.#i = 0;
    this.#used.clear();
    this.#complete = blocks.length < this.#n;
    return true;
  }
}

/**
 * A token's single postings and blocks as one list (a posting in both counts once). `head` is the
 * list's newest packed document as read when the query began (null: no block then): a single
 * posting above it is newer than anything in a block, so the blocks are read only below it, and a
 * list without blocks never reads them. A packing that commits during the query only moves
 * postings from above the old head into blocks, so reading the blocks below it still finds them;
 * only a list's very first packing, racing a query, can hide its postings from that one query.
 */
class Merged {
  constructor(private singles: Postings, private blocks: Blocks, private head: string) {}

  async below(bound: string): Promise<Posting | null> {
    const e = await this.singles.below(bound);
    const a = e ? { doc: docOf(e), value: e.value } : null;
    if (a && a.doc > this.head) return a;
    const b = await this.blocks.below(bound);
    return !a ? b : !b || a.doc >= b.doc ? a : b;
  }
}

/** The single postings of a list that has no block. */
class SinglesOnly {
  constructor(private singles: Postings) {}

  async below(bound: string): Promise<Posting | null> {
    const e = await this.singles.below(bound);
    return e ? { doc: docOf(e), value: e.value } : null;
  }
}

/**
 * Documents of one scope holding every token, newest first, with the first token's posting
 * value; ids in [lower, upper). `prefixOf(token)` is the token's posting prefix in the scope.
 */
export async function* intersect(
  kv: Deno.Kv,
  prefixOf: (token: string) => Deno.KvKey,
  tokens: string[],
  lower: string,
  upper: string,
  budget: Budget,
): AsyncGenerator<Posting> {
  if (!tokens.length) return;
  const heads = await getManyChunked<string>(
    kv,
    tokens.map((t) => keys.searchBlockHead(prefixOf(t))),
  );
  const lists = tokens.map((t, i) => {
    const list = prefixOf(t);
    const singles = new Postings(kv, list, lower, budget);
    const head = heads[i].value;
    return head === null
      ? new SinglesOnly(singles)
      : new Merged(singles, new Blocks(kv, list, lower, budget), head);
  });
  let bound = upper;
  while (true) {
    const first = await lists[0].below(bound);
    if (!first) return;
    const doc = first.doc;
    let agreed = true;
    for (let i = 1; i < lists.length; i++) {
      // The newest posting at or below `doc` ("\0" sorts right after an id of the same length).
      const e = await lists[i].below(doc + "\u0000");
      if (!e) return;
      if (e.doc < doc) {
        bound = e.doc + "\u0000";
        agreed = false;
        break;
      }
    }
    if (!agreed) continue;
    yield first;
    bound = doc;
  }
}
