/**
 * Fanout through Deno KV, so that every process sharing one KV delivers to
 * its own sockets.
 *
 * Long because: it is the one write path, and its halves share state: group commit (the shard
 * queues, the cached counters, the log entry it writes) and the log reader (the counters it
 * follows, the `group` span it reads back); what stands alone is in staged_op.ts.
 *
 * Writers: every state change that others must hear about commits, in the
 * same atomic operation, one entry in a per-shard log `["fanout_log", shard, n]`
 * and sets the shard counter `["fanout", shard] = n`, checking the counter's
 * versionstamp. So the log of each shard is dense (1, 2, 3, ...) and ordered
 * by commit. In-process writers to one shard are serialised by a lock, and the
 * counter they just wrote is cached, so a commit costs no extra read.
 *
 * Readers: each process runs one `kv.watch` over the shard counters (at most
 * 10 keys, so one watch whatever the number of sockets). A watch reports only
 * the latest value, so the reader lists the log range it has not processed yet
 * and never trusts the watched value alone. A slow poll of the counters backs
 * the watch up (a watch does not cross processes on a local SQLite file).
 *
 * Timers: a commit that stages timers (lib/core/timer_wake.ts) publishes a
 * `timer` hint with their earliest due time, and tells this process's timer
 * service at once; other processes hear of it from the log (`onTimer`), so
 * every process wakes for timers staged anywhere without a KV queue.
 */
import { z } from "zod";
import { type Config, queuesOn } from "./config.ts";
import { ApiError } from "./errors.ts";
import { keys } from "./keys.ts";
import { getManyChunked } from "./kv_util.ts";
import { log } from "./log.ts";
import { earliestTimer, QueueWakes } from "./timer_wake.ts";
import { kvCommitRetries, timedCommit } from "../ops/metrics.ts";
import { appendedBy, GroupContext, sizeOf, StagedOperation } from "./staged_op.ts";

export const HintSchema = z.discriminatedUnion("t", [
  /**
   * A message with seq `s` was appended to conversation `c`; `m`, when it is small, is the
   * message itself (lib/chat/model.ts Message), so that readers need not read it back.
   */
  z.object({
    t: z.literal("msg"),
    c: z.string(),
    s: z.number(),
    m: z.unknown().optional(),
    /** For a new alert's card: the alert (lib/alerts/model.ts), kept when it is small. */
    al: z.unknown().optional(),
  }),
  /** Member `u` of `c` moved their delivered (`d`) and/or read (`r`) cursor. */
  z.object({ t: z.literal("rcpt"), c: z.string(), u: z.string(), d: z.number(), r: z.number() }),
  /** Users `u` joined `c` just before seq `s` (their sockets start streaming it there). */
  z.object({ t: z.literal("join"), c: z.string(), u: z.array(z.string()), s: z.number() }),
  /** User `u` is typing in `c` (lib/realtime/typing.ts; ephemeral, never a message). */
  z.object({ t: z.literal("typing"), c: z.string(), u: z.string() }),
  /** Alert `a`, whose card is in conversation `c`, changed. */
  z.object({ t: z.literal("alert"), c: z.string(), a: z.string() }),
  /** Close the sockets of user `u` (all, or one session `s`, or all login sessions but `keep`). */
  z.object({
    t: z.literal("user"),
    u: z.string(),
    why: z.enum(["disabled", "logout", "password"]),
    s: z.string().optional(),
    keep: z.string().optional(),
  }),
  /**
   * The entry stands for `n` writes committed together (group commit): the counter moved by
   * `n`, and the entry sits at the last of its numbers. Absent: one write.
   */
  z.object({ t: z.literal("group"), n: z.number() }),
  /** The commit staged timers, the earliest due at `d`; `o`: the writing process's fanout. */
  z.object({ t: z.literal("timer"), d: z.number(), o: z.string() }),
]);
export type Hint = z.infer<typeof HintSchema>;

/** Re-reads of a log tail that the watch announced but this handle does not see yet. */
const TAIL_RETRIES = 8;
/** Back-off step between those re-reads (10, 20, ... ms; under 0.4 s in all). */
const TAIL_RETRY_MS = 10;

/** What one attempt of a commit decided: commit with these hints, or stop with a result. */
export type Attempt<T> = { hints: Hint[]; result: T } | { done: T };

/** KV's limits for one atomic commit, less what Fanout adds (one check, two sets). */
const MAX_CHECKS = 100;
const MAX_MUTATIONS = 1_000;
/** 800 KB of keys and values in all; estimates (staged_op.ts sizeOf) keep a margin below it. */
const MAX_BYTES = 700_000;
/** 80 KiB of keys in all (checks and mutations). */
const MAX_KEY_BYTES = 70_000;
/** A log entry is one KV value (64 KiB at most): its hints stay under this estimate. */
const LOG_ENTRY_MAX_CHARS = 48_000;

/** One write waiting for its shard's next commit. */
interface Write {
  build: (op: Deno.AtomicOperation) => Promise<Attempt<unknown>>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  /** Commits that failed their checks with this write in them. */
  attempts: number;
  /** Commit this write alone (after it failed twice, or a group it was in failed to commit). */
  alone: boolean;
  /** Writes of one lane are built one after the other, lanes side by side (see #buildAll). */
  lane: string;
}

/** The lane of writes that name none: built one after the other, as they arrived. */
const SERIAL_LANE = "";

/** A write built for one commit attempt. */
interface Built {
  write: Write;
  staged: StagedOperation;
  hints: Hint[];
  result: unknown;
  due: number | null;
  /** The seconds of the queue wake-ups it carries (QueueWakes). */
  wakes: number[];
  /** Estimated size of its hints in the log entry (without the alerts of cards). */
  logChars: number;
  /** Alerts of cards taken out of their hints; #inline puts back those that fit. */
  cards: { hint: Hint & { t: "msg" }; alert: unknown }[];
}

interface CounterState {
  value: number;
  versionstamp: string | null;
}

/** True for SQLite's "database is locked" / busy errors, which a retry resolves. */
export function isBusy(err: unknown): boolean {
  return err instanceof Error && /database is locked|SQLITE_BUSY|busy/i.test(err.message);
}

/** FNV-1a, 32 bit: a stable, cheap spread of ids over shards. */
export function shardOf(id: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

/**
 * Which built writes go into this commit, in order: the first always; a later one unless it
 * checks a key an earlier taken write changes, follows a write not taken, sets or deletes a key
 * that a taken write it does not follow also sets or deletes (two appends built on the same
 * staged head: the second would overwrite the first's message), or would pass a limit.
 */
function compose(built: (Built | null)[]): { taken: Built[]; later: Write[]; logChars: number } {
  const taken: Built[] = [];
  const takenOps = new Set<StagedOperation>();
  const later: Write[] = [];
  const written = new Set<string>();
  const replacedBy = new Map<string, StagedOperation>();
  let checks = 1, mutations = 2, bytes = 0, keyBytes = 0, logChars = 0;
  for (const b of built) {
    if (!b) continue;
    const s = b.staged;
    if (taken.length) {
      const fits = checks + s.checks <= MAX_CHECKS && mutations + s.mutations <= MAX_MUTATIONS &&
        bytes + s.bytes <= MAX_BYTES && keyBytes + s.keyBytes <= MAX_KEY_BYTES &&
        logChars + b.logChars <= LOG_ENTRY_MAX_CHARS;
      const follows = [...s.dependsOn].every((d) => takenOps.has(d));
      const overwrites = s.replaced.some((k) => {
        const by = replacedBy.get(k);
        return by !== undefined && !s.follows(by);
      });
      if (!fits || !follows || overwrites || s.checked.some((k) => written.has(k))) {
        later.push(b.write);
        continue;
      }
    }
    taken.push(b);
    takenOps.add(s);
    for (const k of s.written) written.add(k);
    for (const k of s.replaced) replacedBy.set(k, s);
    checks += s.checks;
    mutations += s.mutations;
    bytes += s.bytes;
    keyBytes += s.keyBytes;
    logChars += b.logChars;
  }
  return { taken, later, logChars };
}

/** How many writes a log entry stands for (its `group` hint, or one). */
function spanOf(hints: Hint[]): number {
  const g = hints[0]?.t === "group" ? hints[0].n : 1;
  return Number.isInteger(g) && g >= 1 ? g : 1;
}

export class Fanout {
  #kv: Deno.Kv;
  #config: Config;
  #onHints: (hints: Hint[]) => void;
  #onGap: () => void;
  /** Writes waiting per shard, in arrival order, and the shards being drained. */
  #waiting = new Map<number, Write[]>();
  #draining = new Set<number>();
  #counters = new Map<number, CounterState>();
  #processed: number[] = [];
  #targets: number[] = [];
  #reading = new Set<number>();
  #readers: ReadableStreamDefaultReader<Deno.KvEntryMaybe<number>[]>[] = [];
  #pollTimer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  /** This process's id in `timer` hints, so that it does not hear its own timers twice. */
  #origin = crypto.randomUUID();
  /** Whether commits that stage timers also enqueue KV queue wake-ups (TOCSIN_KV_QUEUES). */
  #queues: boolean;
  #wakes = new QueueWakes();
  /** Commits that failed their checks and were retried (a contention gauge for /metrics and benches). */
  retries = 0;
  /**
   * Told of the earliest due time of timers staged by a commit: `here` when this process made
   * the commit (at once), not when another did (read from the log). Set by the runtime.
   */
  onTimer: (dueAt: number, here: boolean) => void = () => {};

  constructor(
    kv: Deno.Kv,
    config: Config,
    onHints: (hints: Hint[]) => void,
    onGap: () => void = () => {},
  ) {
    this.#kv = kv;
    this.#config = config;
    this.#queues = queuesOn(config);
    this.#onHints = onHints;
    this.#onGap = onGap;
  }

  /** The shard of a conversation or user id. */
  shard(id: string): number {
    return shardOf(id, this.#config.fanoutShards);
  }

  /**
   * Takes the inline copies of a conversation's messages from `seq` on out of the log entries
   * that carry them (a recalled message's content must leave KV, and log entries live for
   * TOCSIN_FANOUT_LOG_TTL_MS; later ones may quote it: replies, edit and reaction events).
   * Readers then read those messages back from KV. Reads the shard's log newest first, at most
   * `scanMax` entries: a recall comes soon after the send.
   */
  async forgetInlined(conversationId: string, seq: number, scanMax = 5_000): Promise<void> {
    const shard = this.shard(conversationId);
    for await (
      const e of this.#kv.list<Hint[]>({ prefix: keys.fanoutLogShard(shard) }, {
        reverse: true,
        limit: scanMax,
      })
    ) {
      if (!Array.isArray(e.value)) continue;
      let found = false;
      const hints = e.value.map((h) => {
        if (h.t !== "msg" || h.c !== conversationId || h.s < seq || h.m === undefined) return h;
        found = true;
        const { m: _m, ...rest } = h;
        return rest;
      });
      if (!found) continue;
      // Readers that meet the entry now read the message back (recalled) from KV.
      await this.#kv.atomic().check(e).set(e.key, hints, {
        expireIn: this.#config.fanoutLogTtlMs,
      }).commit();
    }
  }

  /**
   * Runs one optimistic atomic commit on `shard`. `build` is called per
   * attempt with a fresh operation: it reads what it needs, adds its checks
   * and mutations, and returns the hints to publish (or `{done}` to stop
   * without committing). Throws 503 `unavailable` when contention outlasts
   * the configured attempts, so that the client retries.
   *
   * Group commit: writes that wait for the same shard are built together and
   * committed in one atomic operation with one log entry (see #batch). The
   * promise settles after the commit that holds this write. `lane`: writes of
   * one lane (chat writes pass their conversation's id) are built in arrival
   * order, lanes side by side; writes that name none share one lane.
   */
  commit<T>(
    shard: number,
    build: (op: Deno.AtomicOperation) => Promise<Attempt<T>>,
    lane: string = SERIAL_LANE,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let queue = this.#waiting.get(shard);
      if (!queue) this.#waiting.set(shard, queue = []);
      queue.push({
        build: build as Write["build"],
        resolve: resolve as Write["resolve"],
        reject,
        attempts: 0,
        alone: false,
        lane,
      });
      if (!this.#draining.has(shard)) this.#drain(shard, queue);
    });
  }

  /** Commits the writes waiting for `shard`, a group at a time, until none waits. */
  async #drain(shard: number, queue: Write[]): Promise<void> {
    this.#draining.add(shard);
    try {
      while (queue.length) {
        const n = queue[0].alone ? 1 : Math.min(queue.length, this.#config.groupCommitMax);
        const group = queue.splice(0, n);
        let again: Write[];
        try {
          again = await this.#batch(shard, group);
        } catch (err) {
          for (const w of group) w.reject(err);
          again = [];
        }
        queue.unshift(...again);
      }
    } finally {
      this.#draining.delete(shard);
      if (!queue.length) this.#waiting.delete(shard);
    }
  }

  /**
   * One attempt at committing `group` (in arrival order) on `shard`. Every write is built on its
   * own StagedOperation, all at once. A write is left for the next commit (and built again then)
   * when it checks a key that an earlier write of the group changes, or when it would take the
   * commit past KV's limits; the first write always goes. A write whose build throws or stops
   * (`done`, e.g. a duplicate clientId) settles alone. Returns the writes to try again.
   */
  async #batch(shard: number, group: Write[]): Promise<Write[]> {
    const [counter, built] = await Promise.all([this.#counter(shard), this.#buildAll(group)]);
    const { taken, later, logChars } = compose(built);
    if (!taken.length) return later;

    const op = this.#kv.atomic();
    // The counter counts writes: a group's entry sits at the last of its numbers and says how
    // many it stands for, so the log stays dense to its readers.
    const hints: Hint[] = taken.length > 1 ? [{ t: "group", n: taken.length }] : [];
    let due: number | null = null;
    for (const b of taken) {
      b.staged.replay(op);
      hints.push(...b.hints);
      if (b.due !== null && (due === null || b.due < due)) due = b.due;
    }
    this.#inline(hints, taken, logChars);
    if (due !== null) hints.push({ t: "timer", d: due, o: this.#origin });
    const next = counter.value + taken.length;
    op.check({ key: keys.fanoutCounter(shard), versionstamp: counter.versionstamp })
      .set(keys.fanoutCounter(shard), next)
      .set(keys.fanoutLog(shard, next), hints, { expireIn: this.#config.fanoutLogTtlMs });
    let res: Deno.KvCommitResult | Deno.KvCommitError;
    try {
      res = await timedCommit(() => op.commit());
    } catch (err) {
      this.#counters.delete(shard);
      // SQLite busy: another handle on the same file is writing. Transient: retry.
      if (!isBusy(err)) {
        if (taken.length === 1) {
          taken[0].write.reject(err);
          return later;
        }
        // Something the estimates missed (a limit): each write on its own, so only its owner fails.
        for (const b of taken) b.write.alone = true;
        return [...taken.map((b) => b.write), ...later];
      }
      res = { ok: false };
    }
    if (res.ok) {
      this.#counters.set(shard, { value: next, versionstamp: res.versionstamp });
      if (due !== null) this.#timer(due, true);
      for (const b of taken) {
        if (b.wakes.length) this.#wakes.committed(b.wakes, Date.now());
        b.write.resolve(b.result);
      }
      return later;
    }
    // A check failed: another process (or a write outside this lock) changed what was read.
    this.retries++;
    kvCommitRetries.inc();
    this.#counters.delete(shard);
    const again: Write[] = [];
    for (const b of taken) {
      const w = b.write;
      if (++w.attempts >= this.#config.commitMaxAttempts) {
        w.reject(new ApiError("unavailable", "the store is busy; retry", 1));
        continue;
      }
      // From its second failure on, a write goes alone: one that keeps failing fails nobody else.
      if (w.attempts >= 2) w.alone = true;
      again.push(w);
    }
    await new Promise((r) =>
      setTimeout(r, Math.random() * Math.min(50, taken[0].write.attempts * 2))
    );
    return [...again, ...later];
  }

  /**
   * Builds the writes of a group. Within a lane one after the other, so that a write appending to
   * a conversation follows an earlier one's append (GroupContext) instead of colliding with it;
   * lanes side by side, so that their reads overlap instead of adding up. A write that reads what
   * a write of another lane stages is still safe: compose leaves it for the next commit when it
   * checks a key an earlier taken write changes, or follows a write not taken.
   */
  async #buildAll(group: Write[]): Promise<(Built | null)[]> {
    const context = new GroupContext();
    const built: (Built | null)[] = new Array(group.length).fill(null);
    const lanes = new Map<string, Promise<void>>();
    group.forEach((w, i) => {
      const prev = lanes.get(w.lane) ?? Promise.resolve();
      lanes.set(
        w.lane,
        prev.then(async () => {
          const b = await this.#build(w, context, i);
          if (b) context.add(b.staged);
          built[i] = b;
        }),
      );
    });
    await Promise.all(lanes.values());
    return built;
  }

  /** Builds one write on its own staged operation; null when it settled without a commit. */
  async #build(w: Write, context: GroupContext, order: number): Promise<Built | null> {
    const staged = new StagedOperation(context, order);
    let r: Attempt<unknown>;
    try {
      r = await w.build(staged.op);
    } catch (err) {
      w.reject(err);
      return null;
    }
    if ("done" in r) {
      w.resolve(r.done);
      return null;
    }
    const due = earliestTimer(staged.op);
    const wakes = due !== null && this.#queues ? this.#wakes.stage(staged.op) : [];
    const cards: Built["cards"] = [];
    let logChars = 0;
    for (const h of r.hints) {
      if (h.t === "msg" && h.al !== undefined) {
        cards.push({ hint: h, alert: h.al });
        delete h.al;
      }
      logChars += sizeOf(h);
    }
    return { write: w, staged, hints: r.hints, result: r.result, due, wakes, logChars, cards };
  }

  /**
   * Puts small appended messages into their `msg` hints, while the log entry stays within its
   * budget, so that processes hand them out without reading them back.
   */
  #inline(hints: Hint[], taken: Built[], logChars: number): void {
    const max = this.#config.fanoutInlineChars;
    if (max <= 0) return;
    for (const b of taken) {
      for (const { hint, alert } of b.cards) {
        const size = sizeOf(alert);
        if (size > max || logChars + size > LOG_ENTRY_MAX_CHARS) continue;
        hint.al = alert;
        logChars += size;
      }
    }
    const messages = new Map<string, { conversationId: string; seq: number }>();
    for (const b of taken) {
      for (const m of appendedBy(b.staged.op)) messages.set(`${m.conversationId}\u0000${m.seq}`, m);
    }
    if (!messages.size) return;
    for (const h of hints) {
      if (h.t !== "msg") continue;
      const m = messages.get(`${h.c}\u0000${h.s}`);
      if (!m) continue;
      const size = sizeOf(m);
      if (size > max || logChars + size > LOG_ENTRY_MAX_CHARS) continue;
      h.m = m;
      logChars += size;
    }
  }

  /**
   * Commits an operation that publishes nothing to the log (its checks are
   * its own), for changes no socket needs to hear of. Timers it staged get
   * their queue wake-ups (where queues are on) and wake this process's timer
   * service; other processes find them at their next sweep.
   */
  async commitUnlogged(
    op: Deno.AtomicOperation,
  ): Promise<Deno.KvCommitResult | Deno.KvCommitError> {
    const due = earliestTimer(op);
    const wakes = due !== null && this.#queues ? this.#wakes.stage(op) : [];
    const res = await timedCommit(() => op.commit());
    if (res.ok && wakes.length) this.#wakes.committed(wakes, Date.now());
    if (res.ok && due !== null) this.#timer(due, true);
    return res;
  }

  #timer(dueAt: number, here: boolean): void {
    try {
      this.onTimer(dueAt, here);
    } catch (err) {
      console.error("fanout: the timer listener threw", err);
    }
  }

  async #counter(shard: number): Promise<CounterState> {
    const cached = this.#counters.get(shard);
    if (cached) return cached;
    const e = await this.#kv.get<number>(keys.fanoutCounter(shard));
    const state = { value: e.value ?? 0, versionstamp: e.versionstamp };
    this.#counters.set(shard, state);
    return state;
  }

  /** Starts following every shard from its current position. */
  async start(): Promise<void> {
    const counterKeys = this.#counterKeys();
    // getMany reads at most 10 keys; there may be up to 64 shards.
    const now = await getManyChunked<number>(this.#kv, counterKeys);
    this.#processed = now.map((e) => e.value ?? 0);
    this.#targets = [...this.#processed];
    // kv.watch takes at most 10 keys; with more shards, one watch per 10.
    for (let i = 0; i < counterKeys.length; i += 10) {
      this.#watch(counterKeys.slice(i, i + 10), i);
    }
    if (this.#config.fanoutPollMs > 0) {
      this.#pollTimer = setInterval(() => this.#poll(), this.#config.fanoutPollMs);
    }
  }

  #counterKeys(): Deno.KvKey[] {
    return Array.from({ length: this.#config.fanoutShards }, (_, s) => keys.fanoutCounter(s));
  }

  async #watch(watched: Deno.KvKey[], offset: number): Promise<void> {
    const reader = this.#kv.watch<number[]>(watched).getReader();
    this.#readers.push(reader);
    try {
      while (!this.#closed) {
        const { value, done } = await reader.read();
        if (done) break;
        value.forEach((e, i) => this.#advance(offset + i, e.value ?? 0));
      }
    } catch (err) {
      if (!this.#closed) log.error("fanout: watch failed; relying on the poll", err);
    }
  }

  async #poll(): Promise<void> {
    if (this.#closed) return;
    try {
      const now = await getManyChunked<number>(this.#kv, this.#counterKeys());
      now.forEach((e, s) => this.#advance(s, e.value ?? 0));
    } catch (err) {
      if (!this.#closed) log.error("fanout: poll failed", err);
    }
  }

  #advance(shard: number, target: number): void {
    if (target <= (this.#targets[shard] ?? 0)) return;
    this.#targets[shard] = target;
    if (!this.#reading.has(shard)) this.#read(shard);
  }

  async #read(shard: number): Promise<void> {
    this.#reading.add(shard);
    try {
      let misses = 0;
      while (!this.#closed && this.#processed[shard] < this.#targets[shard]) {
        const from = this.#processed[shard] + 1;
        const to = this.#targets[shard];
        let expected = from;
        for await (
          const e of this.#kv.list<Hint[]>({
            start: keys.fanoutLog(shard, from),
            end: keys.fanoutLog(shard, to + 1),
          }, { batchSize: 500 })
        ) {
          const n = e.key[2] as number;
          const first = n - spanOf(e.value) + 1;
          if (first !== expected) this.#gap(shard, expected, first);
          this.#deliver(e.value);
          this.#processed[shard] = n;
          expected = n + 1;
        }
        if (this.#processed[shard] < to) {
          // A watch can report a commit made through another KV handle before
          // this handle's reads see it: read the tail again before calling it lost.
          if (++misses <= TAIL_RETRIES) {
            await new Promise((r) => setTimeout(r, TAIL_RETRY_MS * misses));
            continue;
          }
          this.#gap(shard, this.#processed[shard] + 1, to + 1);
          this.#processed[shard] = to;
        }
        misses = 0;
      }
    } catch (err) {
      if (!this.#closed) {
        log.error("fanout: reading the log failed; resynchronising", err);
        this.#onGap();
      }
    } finally {
      this.#reading.delete(shard);
    }
  }

  #deliver(hints: Hint[]): void {
    const rest: Hint[] = [];
    for (const h of hints) {
      // Timers this process staged woke it when it committed them.
      if (h.t === "timer") {
        if (h.o !== this.#origin) this.#timer(h.d, false);
      } else if (h.t !== "group") rest.push(h);
    }
    if (!rest.length) return;
    try {
      this.#onHints(rest);
    } catch (err) {
      log.error("fanout: a hint handler threw", err);
    }
  }

  #gap(shard: number, from: number, to: number): void {
    // Log entries expired before this process read them (it fell behind by
    // more than fanoutLogTtlMs): subscribers must be resynchronised from KV.
    log.warn(`fanout: shard ${shard} entries ${from}..${to - 1} are gone; resynchronising`);
    this.#onGap();
  }

  /** Log entries known of but not yet read, per shard (for /metrics). */
  lag(): number[] {
    return this.#targets.map((t, s) => Math.max(0, t - (this.#processed[s] ?? 0)));
  }

  /** Number of kv.watch streams this process runs: ceil(shards / 10), whatever the number of sockets. */
  get watches(): number {
    return this.#readers.length;
  }

  /** Stops the watch and the poll; needed for a clean exit (a live watch keeps a worker alive). */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#pollTimer);
    for (const reader of this.#readers) {
      try {
        await reader.cancel();
      } catch {
        // already closed
      }
    }
  }
}
