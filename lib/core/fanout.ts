/**
 * Fanout through Deno KV, so that every process sharing one KV delivers to
 * its own sockets.
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
import { KeyedMutex } from "./mutex.ts";
import { log } from "./log.ts";
import { earliestTimer, stageQueueWakes } from "./timer_wake.ts";
import { kvCommitRetries, timedCommit } from "../ops/metrics.ts";

export const HintSchema = z.discriminatedUnion("t", [
  /** A message with seq `s` was appended to conversation `c`. */
  z.object({ t: z.literal("msg"), c: z.string(), s: z.number() }),
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

export class Fanout {
  #kv: Deno.Kv;
  #config: Config;
  #onHints: (hints: Hint[]) => void;
  #onGap: () => void;
  #locks = new KeyedMutex();
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
   * Runs one optimistic atomic commit on `shard`. `build` is called per
   * attempt with a fresh operation: it reads what it needs, adds its checks
   * and mutations, and returns the hints to publish (or `{done}` to stop
   * without committing). Throws 503 `unavailable` when contention outlasts
   * the configured attempts, so that the client retries.
   */
  commit<T>(shard: number, build: (op: Deno.AtomicOperation) => Promise<Attempt<T>>): Promise<T> {
    return this.#locks.run(String(shard), async () => {
      for (let attempt = 1; attempt <= this.#config.commitMaxAttempts; attempt++) {
        const counter = await this.#counter(shard);
        const op = this.#kv.atomic();
        const r = await build(op);
        if ("done" in r) return r.done;
        const next = counter.value + 1;
        const due = earliestTimer(op);
        const hints: Hint[] = due === null ? r.hints : [
          ...r.hints,
          { t: "timer", d: due, o: this.#origin },
        ];
        if (due !== null && this.#queues) stageQueueWakes(op);
        op.check({ key: keys.fanoutCounter(shard), versionstamp: counter.versionstamp })
          .set(keys.fanoutCounter(shard), next)
          .set(keys.fanoutLog(shard, next), hints, { expireIn: this.#config.fanoutLogTtlMs });
        let res: Deno.KvCommitResult | Deno.KvCommitError;
        try {
          res = await timedCommit(() => op.commit());
        } catch (err) {
          // SQLite busy: another handle on the same file is writing. Transient: retry.
          if (!isBusy(err)) throw err;
          res = { ok: false };
        }
        if (res.ok) {
          this.#counters.set(shard, { value: next, versionstamp: res.versionstamp });
          if (due !== null) this.#timer(due, true);
          return r.result;
        }
        this.retries++;
        kvCommitRetries.inc();
        this.#counters.delete(shard);
        // Another process (or a concurrent change of the records read) won: back off briefly.
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, attempt * 2)));
      }
      throw new ApiError("unavailable", "the store is busy; retry", 1);
    });
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
    if (due !== null && this.#queues) stageQueueWakes(op);
    const res = await timedCommit(() => op.commit());
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
          if (n !== expected) this.#gap(shard, expected, n);
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
      } else rest.push(h);
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
