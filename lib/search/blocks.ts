/**
 * Packed postings. A posting list grows one KV entry per document (written in the document's own
 * commit, indexing.ts), and reading an entry costs a few microseconds of key decoding however it
 * is read, so a query that must rule out tens of thousands of postings of two common words spends
 * its time decoding keys. Behind its newest minutes (packAgeMs: TOCSIN_SEARCH_PACK_AFTER_MS, and
 * at least the recall window and a minute), a list is
 * folded, oldest first, into blocks of BLOCK_POSTINGS postings in one KV value each, by a
 * background packer in every process (PackService): lists that this process wrote to or that a
 * query had to read far are packed every TOCSIN_SEARCH_PACK_MS.
 *
 * Blocks never overlap: each list has a head (its newest packed document) and a block packs only
 * single postings above it. A packing commit checks the head, the block's key and the one removal
 * counter, so two packers never pack the same postings and a removal that lands between a
 * packer's read and its commit makes the packing fail (it reads again). A removal cannot edit a
 * block in its own commit (it does not read it): it deletes the single postings, adds to the
 * counter and leaves one marker (`search_gone`), and the packer rewrites the blocks without them.
 * Until then a search may meet the removed document in a block; every candidate is checked
 * against the document itself (search.ts), so it is never shown. A document too young to be packed
 * (mayBePacked; every recall) needs neither marker nor counter: its postings are only deleted.
 */
import { keys } from "../core/keys.ts";
import { ulid, ulidTimePrefix } from "../core/ids.ts";
import type { Deps } from "../core/deps.ts";
import type { Config } from "../core/config.ts";
import { log } from "../core/log.ts";
import { getManyChunked } from "../core/kv_util.ts";

/** Postings per block at most. */
export const BLOCK_POSTINGS = 128;
/** Bytes of a block's documents and values at most (a KV value holds 64 KiB). */
const BLOCK_BYTES = 48_000;
/** Blocks one list gets per packing run at most, and lists per run. */
const BLOCKS_PER_RUN = 16;
const LISTS_PER_RUN = 64;
/** Removal markers (one per removing commit) handled per run. */
const MARKERS_PER_RUN = 200;
/** Lists remembered for packing at most (the rest wait until a query or more writes name them). */
const WANTED_MAX = 20_000;

/** One posting: its document id and its value (what the single posting's entry holds). */
export interface Posting {
  doc: string;
  value: unknown;
}

/** A block's value: documents ascending, and their values at the same positions. */
export interface Block {
  d: string[];
  v: unknown[];
}

/** The packed form of `postings` (ascending by document). */
export function packBlock(postings: Posting[]): Block {
  return { d: postings.map((p) => p.doc), v: postings.map((p) => p.value) };
}

/** How many of `postings`' first entries one block takes (BLOCK_POSTINGS, BLOCK_BYTES). */
export function blockFits(postings: Posting[]): number {
  let bytes = 0;
  const n = Math.min(postings.length, BLOCK_POSTINGS);
  for (let i = 0; i < n; i++) {
    bytes += postings[i].doc.length + JSON.stringify(postings[i].value ?? null).length + 8;
    if (bytes > BLOCK_BYTES) return i;
  }
  return n;
}

/** The index of the first of `docs` (ascending) at or above `bound`: those before it are below. */
export function firstAtOrAbove(docs: string[], bound: string): number {
  let lo = 0, hi = docs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (docs[mid] < bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Posting keys name their list and then the document: ["search_all", token, doc] and such. */
function isPostingKey(key: Deno.KvKey): boolean {
  return key[0] === "search_all" || key[0] === "search_msg" || key[0] === "search_alert";
}

/** How far past the recall window packing stays (clocks of processes may differ this much). */
const RECALL_MARGIN_MS = 60_000;

/**
 * A document younger than this cannot have packed postings, whatever the config (packAgeMs is
 * at least RECALL_MARGIN_MS), with room for process clocks 30 s apart: removing its postings
 * needs no marker. Most removals are of such documents (an alert updated while it is new).
 */
const NEVER_PACKED_MS = 30_000;

/** Whether a document created at `createdAt` may have packed postings at `now`. */
export function mayBePacked(createdAt: number, now: number): boolean {
  return now - createdAt >= NEVER_PACKED_MS;
}

/**
 * How old a posting's document must be to be packed: TOCSIN_SEARCH_PACK_AFTER_MS, and never less
 * than the recall window and a margin, so that a recalled message was never packed and its
 * recall takes every trace of its words out of KV in its own commit (stageUnpost, `packable`).
 */
export function packAgeMs(config: Config): number {
  return Math.max(config.searchPackAfterMs, config.messageRecallWindowMs + RECALL_MARGIN_MS);
}

/**
 * Stages the deletion of `deleted` (any keys); for the search postings among them, which a block
 * may hold, also a marker for the packer and a touch of the removal counter: two mutations more.
 * `packable: false` for postings of a document younger than packAgeMs (a recall): none of them can
 * be in a block, or in a packing under way, so they are only deleted.
 */
export function stageUnpost(
  op: Deno.AtomicOperation,
  deleted: Deno.KvKey[],
  packable = true,
): void {
  const postings: Deno.KvKey[] = [];
  for (const key of deleted) {
    op.delete(key);
    if (isPostingKey(key)) postings.push(key);
  }
  if (!postings.length || !packable) return;
  op.set(keys.searchGone(ulid()), postings);
  op.sum(keys.searchRemovals(), 1n);
}

/** What packList did: blocks written, and whether full blocks were left for a later run. */
export interface Packed {
  blocks: number;
  more: boolean;
}

/**
 * Packs the single postings of `list` older than `horizon` (an id prefix) above its head into
 * blocks, oldest first, BLOCKS_PER_RUN at most; a list with fewer than a block's worth waits.
 * `beforeCommit` is for tests (a removal between the read and the commit).
 */
export async function packList(
  kv: Deno.Kv,
  list: Deno.KvKey,
  horizon: string,
  beforeCommit?: () => Promise<void>,
): Promise<Packed> {
  let blocks = 0;
  for (let attempt = 0; attempt < BLOCKS_PER_RUN * 2; attempt++) {
    if (blocks >= BLOCKS_PER_RUN) return { blocks, more: true };
    const [head, removals] = await kv.getMany<[string, Deno.KvU64]>([
      keys.searchBlockHead(list),
      keys.searchRemovals(),
    ]);
    // A removal not yet taken out of the blocks may name a posting that came back since: a
    // packing now could put it in a block the marker would then take it out of.
    if (await anyGone(kv)) return { blocks, more: true };
    const end = [...list, horizon];
    const selector = head.value === null
      ? { prefix: list, end }
      : { start: [...list, head.value + "\u0000"], end };
    const singles: Posting[] = [];
    const entryKeys: Deno.KvKey[] = [];
    for await (
      const e of kv.list(selector, { limit: BLOCK_POSTINGS, batchSize: BLOCK_POSTINGS })
    ) {
      singles.push({ doc: String(e.key[e.key.length - 1]), value: e.value });
      entryKeys.push(e.key);
    }
    const n = blockFits(singles);
    // A block is full by count or by bytes; anything less waits for more postings.
    if (singles.length < BLOCK_POSTINGS && n === singles.length) return { blocks, more: false };
    const block = packBlock(singles.slice(0, n));
    const key = keys.searchBlock(list, block.d[0]);
    const op = kv.atomic().check(head).check(removals).check({ key, versionstamp: null })
      .set(key, block).set(head.key, block.d[n - 1]);
    for (const k of entryKeys.slice(0, n)) op.delete(k);
    if (beforeCommit) await beforeCommit();
    if ((await op.commit()).ok) blocks++;
  }
  return { blocks, more: true };
}

async function anyGone(kv: Deno.Kv): Promise<boolean> {
  for await (const _ of kv.list({ prefix: keys.searchGoneAll() }, { limit: 1 })) return true;
  return false;
}

/** The block of `list` that may hold `doc` (the newest one starting at or below it). */
async function blockHolding(
  kv: Deno.Kv,
  list: Deno.KvKey,
  doc: string,
): Promise<Deno.KvEntry<Block> | null> {
  const iter = kv.list<Block>(
    { prefix: keys.searchBlocks(list), end: keys.searchBlock(list, doc + "\u0000") },
    { reverse: true, limit: 1 },
  );
  for await (const e of iter) return e;
  return null;
}

/** Takes the documents `docs` (ascending) of `list` out of its blocks; an emptied block goes. */
async function dropFromList(kv: Deno.Kv, list: Deno.KvKey, docs: string[]): Promise<boolean> {
  let i = 0;
  while (i < docs.length) {
    const block = await blockHolding(kv, list, docs[i]);
    if (!block) {
      i++;
      continue;
    }
    // Every doc of this block's range is taken out in one commit.
    const last = block.value.d[block.value.d.length - 1];
    if (!(docs[i] <= last)) {
      // Between two blocks (a posting added to an old document after packing): in no block.
      i++;
      continue;
    }
    const here = new Set<string>();
    for (; i < docs.length && docs[i] <= last; i++) here.add(docs[i]);
    const keep = block.value.d.map((d, j) => here.has(d) ? -1 : j).filter((j) => j >= 0);
    if (keep.length === block.value.d.length) continue;
    const op = kv.atomic().check(block);
    if (keep.length) {
      op.set(block.key, {
        d: keep.map((j) => block.value.d[j]),
        v: keep.map((j) => block.value.v[j]),
      });
    } else op.delete(block.key);
    // The block changed meanwhile (another packer did this): the marker is tried again later.
    if (!(await op.commit()).ok) return false;
  }
  return true;
}

/**
 * Takes removed postings out of the blocks that hold them and drops their markers; returns how
 * many markers it finished. Doing it twice is harmless, so several processes may.
 */
export async function dropGone(kv: Deno.Kv, limit = MARKERS_PER_RUN): Promise<number> {
  let handled = 0;
  for await (const marker of kv.list<Deno.KvKey[]>({ prefix: keys.searchGoneAll() }, { limit })) {
    const byList = new Map<string, { list: Deno.KvKey; docs: string[] }>();
    for (const posting of marker.value) {
      const list = posting.slice(0, -1);
      const name = listName(list);
      const g = byList.get(name) ?? byList.set(name, { list, docs: [] }).get(name)!;
      g.docs.push(String(posting[posting.length - 1]));
    }
    // Only a list with a head at or above a document can hold it in a block, and none can start
    // to: packing waits while markers are pending and checks the counter this marker's commit
    // touched. Most removals are of young documents (alert updates): one batched read each.
    const lists = [...byList.values()];
    const heads = await getManyChunked<string>(kv, lists.map((g) => keys.searchBlockHead(g.list)));
    let done = true;
    for (const [i, g] of lists.entries()) {
      const head = heads[i].value;
      const docs = head === null ? [] : g.docs.filter((d) => d <= head).sort();
      if (docs.length && !(await dropFromList(kv, g.list, docs))) done = false;
    }
    if (done && (await kv.atomic().check(marker).delete(marker.key).commit()).ok) handled++;
  }
  return handled;
}

/**
 * Lists this process wants packed: those it wrote BLOCK_POSTINGS postings to since it last
 * packed them, and those a query read that many single postings of.
 */
const wanted = new Map<string, { list: Deno.KvKey; count: number }>();

function listName(list: Deno.KvKey): string {
  return list.join("\u0001");
}

/** Room for one more list: when full, the lists short of a block are forgotten. */
function roomFor(): boolean {
  if (wanted.size < WANTED_MAX) return true;
  for (const [name, w] of wanted) if (w.count < BLOCK_POSTINGS) wanted.delete(name);
  return wanted.size < WANTED_MAX;
}

/** Counts postings written to `list` by this process. */
export function notePosted(list: Deno.KvKey): void {
  const name = listName(list);
  const w = wanted.get(name);
  if (w) w.count++;
  else if (roomFor()) wanted.set(name, { list, count: 1 });
}

/** Names a list a query read at least a block's worth of single postings of. */
export function notePacked(list: Deno.KvKey): void {
  const name = listName(list);
  const w = wanted.get(name);
  if (w) w.count = Math.max(w.count, BLOCK_POSTINGS);
  else if (roomFor()) wanted.set(name, { list, count: BLOCK_POSTINGS });
}

/**
 * One packing run: removed postings out of blocks, then the lists wanted. `waiting` holds the
 * lists that had nothing old enough to pack, with the time to look again (the caller's own: a
 * process's clock is its own).
 */
export async function packRun(
  deps: Deps,
  waiting: Map<string, number> = new Map(),
): Promise<{ blocks: number; gone: number }> {
  const gone = await dropGone(deps.kv);
  const now = deps.clock.now();
  const horizon = ulidTimePrefix(now - packAgeMs(deps.config));
  let blocks = 0;
  let lists = 0;
  for (const [name, w] of wanted) {
    if (lists >= LISTS_PER_RUN) break;
    if (w.count < BLOCK_POSTINGS || (waiting.get(name) ?? 0) > now) continue;
    lists++;
    const done = await packList(deps.kv, w.list, horizon);
    blocks += done.blocks;
    waiting.delete(name);
    // Nothing old enough yet: the list waits out packAgeMs. Packed up to the horizon: what is
    // above it counts again from the next posting.
    if (!done.blocks && !done.more) waiting.set(name, now + packAgeMs(deps.config));
    else if (!done.more) wanted.delete(name);
  }
  for (const name of waiting.keys()) if (!wanted.has(name)) waiting.delete(name);
  return { blocks, gone };
}

/** Runs packRun every TOCSIN_SEARCH_PACK_MS (0: never). */
export class PackService {
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<unknown> | null = null;
  #waiting = new Map<string, number>();

  constructor(private deps: Deps) {}

  start(): void {
    const ms = this.deps.config.searchPackMs;
    if (!ms) return;
    this.#timer = setInterval(() => {
      if (this.#running) return;
      this.#running = packRun(this.deps, this.#waiting)
        .catch((err) => log.warn("search packing failed", { error: String(err) }))
        .finally(() => this.#running = null);
    }, ms);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}
