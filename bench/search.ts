/**
 * The search scenario of `deno task bench` (also `deno run -A bench/search.ts --messages=N`):
 * N messages (1,000,000 by default) seeded straight into a temp KV file with their postings,
 * spread over 100 conversations that the searching user is a member of, all of them (the
 * worst case: every query reads every scope). Texts draw 8 words from a Zipf vocabulary of
 * 5,000 words, a fifth of them with a Chinese phrase. Measures:
 * - query latency (p50 / p99) of two-word queries of mid-frequency words, and of one Chinese word;
 * - the cost the index adds to a message's commit: the same commit (message, head) with and
 *   without its postings, alternately, on the same KV.
 * `--kv=PATH` keeps the seeded KV file and, when it is already seeded, times the queries on it
 * without seeding again.
 *
 * The seed leaves the index as the search packer (lib/search/blocks.ts) leaves it once a minute
 * has passed: every list's postings in full blocks, oldest first, and the rest single. It packs
 * as it goes (through the packer's own packBlock), which takes a fraction of the time of writing
 * every posting single; `--packer` writes them single instead and then runs the packer itself
 * over every list, timed.
 */
import { testConfig } from "../lib/core/config.ts";
import type { Deps } from "../lib/core/deps.ts";
import { ulid } from "../lib/core/ids.ts";
import { keys } from "../lib/core/keys.ts";
import type { User } from "../lib/accounts/model.ts";
import type { Message } from "../lib/chat/model.ts";
import { stageMessageIndex } from "../lib/search/indexing.ts";
import {
  BLOCK_POSTINGS,
  blockFits,
  packBlock,
  packList,
  type Posting,
} from "../lib/search/blocks.ts";
import { search } from "../lib/search/search.ts";
import { tokenize } from "../lib/search/tokens.ts";

const CONVERSATIONS = 100;
/** Conversations of the second searching user (TOCSIN_SEARCH_GLOBAL_SCOPES by default). */
const FEW_SCOPES = 16;
const VOCAB = 5_000;
const WORDS_PER_MESSAGE = 8;
const PHRASES = [
  "数据库连接失败",
  "服务器响应超时",
  "磁盘空间不足",
  "网络抖动告警",
  "证书即将过期",
];

/** A deterministic generator, so runs are comparable. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

const word = (rank: number) => `w${rank.toString(36)}x`;

export interface SearchBenchResult {
  messages: number;
  conversations: number;
  seedSeconds: number;
  kvMiB: number;
  queries: number;
  twoWordP50ms: number;
  twoWordP99ms: number;
  chineseP50ms: number;
  chineseP99ms: number;
  siteWideTwoWordP50ms: number;
  siteWideTwoWordP99ms: number;
  siteWideChineseP50ms: number;
  siteWideChineseP99ms: number;
  /** A user in 16 of the conversations, searched one by one (the default for so few). */
  fewScopesTwoWordP50ms: number;
  fewScopesTwoWordP99ms: number;
  fewScopesChineseP50ms: number;
  fewScopesChineseP99ms: number;
  avgHits: number;
  commitWithIndexMs: number;
  commitWithoutIndexMs: number;
  commitRatio: number;
  tokensPerMessage: number;
  /** Blocks and single postings in the index after the seed (and the packer, with --packer). */
  blocks: number;
  singles: number;
  /** With --packer: seconds the packer took over every list. */
  packSeconds: number | null;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 10) / 10;
}

/** What a kept KV file was seeded with, so that a later run can query it without seeding. */
interface Seeded {
  messages: number;
  userId: string;
  convs: string[];
  seqs: number[];
  seedSeconds: number;
  tokens: number;
  blocks: number;
  singles: number;
  packSeconds: number | null;
}
const SEEDED_KEY = ["bench_search_seeded_v2"];

/** Per posting list, the postings not yet in a block (ascending), while seeding. */
type Pending = Map<string, { list: Deno.KvKey; postings: Posting[] }>;

/**
 * `op` with its posting writes taken into `pending` (others pass through); counts what it stages.
 */
function seedOp(
  op: Deno.AtomicOperation,
  pending: Pending | null,
  count: { n: number; postings: number },
): Deno.AtomicOperation {
  return new Proxy(op, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop === "set") {
        return (key: Deno.KvKey, value: unknown) => {
          const posting = String(key[0]).startsWith("search_");
          if (posting) count.postings++;
          if (posting && pending) {
            const list = key.slice(0, -1);
            const name = list.join("\u0001");
            const p = pending.get(name) ?? pending.set(name, { list, postings: [] }).get(name)!;
            p.postings.push({ doc: String(key[key.length - 1]), value });
            return receiver;
          }
          count.n++;
          return target.set(key, value);
        };
      }
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/** Stages the full blocks of `p` (and its head); returns the blocks and bytes staged. */
function stageBlocks(
  op: Deno.AtomicOperation,
  p: { list: Deno.KvKey; postings: Posting[] },
): { blocks: number; bytes: number } {
  let blocks = 0;
  let bytes = 0;
  while (p.postings.length) {
    const n = blockFits(p.postings);
    if (n === p.postings.length && n < BLOCK_POSTINGS) break;
    const block = packBlock(p.postings.splice(0, n));
    op.set(keys.searchBlock(p.list, block.d[0]), block);
    op.set(keys.searchBlockHead(p.list), block.d[block.d.length - 1]);
    blocks++;
    bytes += JSON.stringify(block).length;
  }
  return { blocks, bytes };
}

/**
 * `kvPath`: a KV file kept after the run; when it already holds `messages` seeded messages the
 * seeding is skipped (to time the queries again, e.g. after a change to search, without the
 * long seed). Without it the seed goes to a temp file that is removed.
 */
export async function searchScenario(
  messages: number,
  kvPath?: string,
  withPacker = false,
): Promise<SearchBenchResult> {
  const dir = kvPath ? null : await Deno.makeTempDir({ prefix: "tocsin-search-" });
  const file = kvPath ?? `${dir}/kv.sqlite3`;
  const kv = await Deno.openKv(file);
  try {
    // Zipf(1) over the vocabulary, by inverse CDF on a table.
    const cdf: number[] = [];
    let sum = 0;
    for (let r = 1; r <= VOCAB; r++) cdf.push(sum += 1 / r);
    const rand = rng(42);
    const draw = () => {
      const x = rand() * sum;
      let lo = 0, hi = cdf.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid] < x) lo = mid + 1;
        else hi = mid;
      }
      return lo + 1;
    };
    const text = () => {
      const ws = Array.from({ length: WORDS_PER_MESSAGE }, () => word(draw()));
      if (rand() < 0.2) ws.push(PHRASES[Math.floor(rand() * PHRASES.length)]);
      return ws.join(" ");
    };
    const kept = (await kv.get<Seeded>(SEEDED_KEY)).value;
    const reuse = kept?.messages === messages;
    if (kept && !reuse) throw new Error(`${file} holds ${kept.messages} seeded messages`);
    const user = { id: reuse ? kept.userId : ulid(), role: "member" } as User;
    const convs = reuse ? kept.convs : Array.from({ length: CONVERSATIONS }, () => ulid());
    const seqs = new Map(convs.map((c, i) => [c, reuse ? kept.seqs[i] : 0]));
    if (!reuse) {
      const op = kv.atomic();
      for (const c of convs) op.set(keys.conversationByUser(user.id, c), { joinedAt: 0 });
      await op.commit();
    }
    const t0 = performance.now();
    const start = Date.now() - messages * 10;
    let made = reuse ? messages : 0;
    const count = { n: 0, postings: reuse ? kept.tokens : 0 };
    const pending: Pending | null = withPacker ? null : new Map();
    let blocks = reuse ? kept.blocks : 0;
    while (made < messages) {
      const op = kv.atomic();
      const staged = seedOp(op, pending, count);
      count.n = 0;
      let bytes = 0;
      // About 50 messages per commit, or what their full blocks fill (KV takes 800 KB).
      while (made < messages && count.n < 600 && bytes < 400_000) {
        const c = convs[made % CONVERSATIONS];
        const seq = seqs.get(c)! + 1;
        seqs.set(c, seq);
        const at = start + made * 10;
        const m: Message = {
          id: ulid(at),
          conversationId: c,
          seq,
          kind: "text",
          senderId: user.id,
          text: text(),
          createdAt: at,
        };
        staged.set(keys.message(c, seq), m);
        stageMessageIndex(staged, null, m);
        if (pending) {
          for (const t of new Set(tokenize(m.text))) {
            for (const list of [keys.searchMessageToken(c, t), keys.searchAllToken(t)]) {
              const p = pending.get(list.join("\u0001"))!;
              if (p.postings.length < BLOCK_POSTINGS) continue;
              const done = stageBlocks(op, p);
              blocks += done.blocks;
              count.n += 2 * done.blocks;
              bytes += done.bytes;
            }
          }
        }
        made++;
      }
      await op.commit();
      if (made % 100_000 < 50) console.log(`search: seeded ${made} messages`);
    }
    // What never filled a block stays single, as the packer leaves it.
    if (pending && !reuse) {
      const lists = [...pending.values()];
      for (let i = 0; i < lists.length;) {
        const op = kv.atomic();
        let n = 0;
        for (; i < lists.length && n < 500; i++) {
          for (const p of lists[i].postings) op.set([...lists[i].list, p.doc], p.value);
          n += lists[i].postings.length;
        }
        await op.commit();
      }
    }
    let packSeconds = reuse ? kept.packSeconds : null;
    if (withPacker && !reuse) {
      const tp = performance.now();
      const lists = new Set<string>();
      for await (const e of kv.list({ prefix: ["search_all"] })) lists.add(String(e.key[1]));
      for (const t of lists) {
        for (
          const list of [
            keys.searchAllToken(t),
            ...convs.map((c) => keys.searchMessageToken(c, t)),
          ]
        ) {
          while ((await packList(kv, list, "~")).more);
        }
      }
      packSeconds = Math.round((performance.now() - tp) / 100) / 10;
    }
    let singles = 0;
    for (const prefix of [["search_all"], ["search_msg"]]) {
      for await (const _ of kv.list({ prefix })) singles++;
    }
    if (withPacker && !reuse) {
      blocks = 0;
      for await (const _ of kv.list({ prefix: ["search_blk"] })) blocks++;
    }
    const tokens = count.postings;
    const seedSeconds = reuse ? kept.seedSeconds : Math.round((performance.now() - t0) / 100) / 10;
    const kvMiB = Math.round((await Deno.stat(file)).size / 1048576);
    if (!reuse && kvPath) {
      await kv.set(
        SEEDED_KEY,
        {
          messages,
          userId: user.id,
          convs,
          seqs: convs.map((c) => seqs.get(c)!),
          seedSeconds,
          tokens,
          blocks,
          singles,
          packSeconds,
        } satisfies Seeded,
      );
    }

    // A second user in TOCSIN_SEARCH_GLOBAL_SCOPES (16) of the conversations: the most scopes
    // that are searched one by one by default, so the worst per-scope case a real user meets.
    const fewKey = ["bench_search_few_user"];
    let fewId = (await kv.get<string>(fewKey)).value;
    if (!fewId) {
      fewId = ulid();
      const op = kv.atomic().set(fewKey, fewId);
      for (const c of convs.slice(0, FEW_SCOPES)) {
        op.set(keys.conversationByUser(fewId, c), { joinedAt: 0 });
      }
      await op.commit();
    }
    const few = { id: fewId, role: "member" } as User;
    const byDefault = { kv, config: testConfig() } as Deps;
    const twoFew: number[] = [];
    const chineseFew: number[] = [];

    // The same queries read both ways: each conversation's postings, and the site-wide lists.
    const perScope = { kv, config: { ...testConfig(), searchGlobalScopes: 1e9 } } as Deps;
    const siteWide = { kv, config: { ...testConfig(), searchGlobalScopes: 0 } } as Deps;
    const qrand = rng(7);
    const two: number[] = [];
    const chinese: number[] = [];
    const twoWide: number[] = [];
    const chineseWide: number[] = [];
    let hits = 0;
    let hitsWide = 0;
    const QUERIES = 200;
    for (let i = 0; i < QUERIES; i++) {
      // Two words of ranks 50..500: each in roughly 0.2-2 % of messages.
      const q = `${word(50 + Math.floor(qrand() * 450))} ${word(50 + Math.floor(qrand() * 450))}`;
      const zh = PHRASES[i % PHRASES.length].slice(2, 6);
      let t = performance.now();
      hits += (await search(perScope, user, { q })).items.length;
      two.push(performance.now() - t);
      t = performance.now();
      hitsWide += (await search(siteWide, user, { q })).items.length;
      twoWide.push(performance.now() - t);
      t = performance.now();
      await search(perScope, user, { q: zh });
      chinese.push(performance.now() - t);
      t = performance.now();
      await search(siteWide, user, { q: zh });
      chineseWide.push(performance.now() - t);
      t = performance.now();
      await search(byDefault, few, { q });
      twoFew.push(performance.now() - t);
      t = performance.now();
      await search(byDefault, few, { q: zh });
      chineseFew.push(performance.now() - t);
    }
    // Equal unless a query ran out of its read budget one way (a partial page).
    if (hits !== hitsWide) console.log(`search: ${hits} hits per scope, ${hitsWide} site-wide`);

    // The commit of one message (message + head), with and without its postings, alternately.
    const withIdx: number[] = [];
    const without: number[] = [];
    const c = convs[0];
    for (let i = 0; i < 400; i++) {
      for (const indexed of i % 2 ? [true, false] : [false, true]) {
        const seq = seqs.get(c)! + 1;
        seqs.set(c, seq);
        const m: Message = {
          id: ulid(),
          conversationId: c,
          seq,
          kind: "text",
          senderId: user.id,
          text: text(),
          createdAt: Date.now(),
        };
        const op = kv.atomic().set(keys.message(c, seq), m).set(keys.head(c), {
          seq,
          lastAt: m.createdAt,
          last: m,
        });
        if (indexed) stageMessageIndex(op, null, m);
        const t = performance.now();
        await op.commit();
        (indexed ? withIdx : without).push(performance.now() - t);
      }
    }
    const w = pct(withIdx, 50);
    const wo = pct(without, 50);
    return {
      messages,
      conversations: CONVERSATIONS,
      seedSeconds,
      kvMiB,
      queries: QUERIES,
      twoWordP50ms: pct(two, 50),
      twoWordP99ms: pct(two, 99),
      chineseP50ms: pct(chinese, 50),
      chineseP99ms: pct(chinese, 99),
      siteWideTwoWordP50ms: pct(twoWide, 50),
      siteWideTwoWordP99ms: pct(twoWide, 99),
      siteWideChineseP50ms: pct(chineseWide, 50),
      siteWideChineseP99ms: pct(chineseWide, 99),
      fewScopesTwoWordP50ms: pct(twoFew, 50),
      fewScopesTwoWordP99ms: pct(twoFew, 99),
      fewScopesChineseP50ms: pct(chineseFew, 50),
      fewScopesChineseP99ms: pct(chineseFew, 99),
      avgHits: Math.round((hits / QUERIES) * 10) / 10,
      commitWithIndexMs: w,
      commitWithoutIndexMs: wo,
      commitRatio: Math.round((w / wo) * 100) / 100,
      tokensPerMessage: Math.round((tokens / messages) * 10) / 10,
      blocks,
      singles,
      packSeconds,
    };
  } finally {
    kv.close();
    if (dir) await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const n = Number(Deno.args.find((a) => a.startsWith("--messages="))?.slice(11) ?? 1_000_000);
  const kvPath = Deno.args.find((a) => a.startsWith("--kv="))?.slice(5);
  const withPacker = Deno.args.includes("--packer");
  console.log(JSON.stringify(await searchScenario(n, kvPath, withPacker), null, 2));
}
