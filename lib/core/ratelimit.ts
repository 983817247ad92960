/**
 * Fixed-window counters in KV, shared by every process on the same KV, and an
 * in-process token bucket. Used for login and setup attempts.
 *
 * An event is counted before the work it guards (a password hash), with a
 * check-and-set over every window it falls in, so that a burst of concurrent
 * requests cannot all read "under the limit" before any of them is counted.
 */
import type { Clock } from "./clock.ts";
import { ApiError } from "./errors.ts";
import { keys } from "./keys.ts";
import { KeyedMutex } from "./mutex.ts";

export interface Window {
  scope: string;
  id: string;
  windowMs: number;
  /** Events allowed per window; 0 turns the limit off. */
  max: number;
  /**
   * Past `max`, allow one more event every `spacingMs` instead of refusing
   * until the window ends (a slow-down, not a lock-out). 0 or absent: refuse.
   */
  spacingMs?: number;
}

/** A window's stored count and the time of its last counted event. */
interface Count {
  n: number;
  last: number;
}

/** Optimistic rounds before giving up with 503; other processes only, as this one is serialised. */
const MAX_ROUNDS = 40;

/** Serialises counting within this process per first window, so bursts do not spin on retries. */
const serial = new KeyedMutex();

function keyOf(w: Window, now: number): Deno.KvKey {
  return keys.rateLimit(w.scope, w.id, Math.floor(now / w.windowMs));
}

function readCount(entry: Deno.KvEntryMaybe<unknown>): Count {
  const v = entry.value;
  // Counters written by earlier versions are bare KvU64 sums.
  if (v instanceof Deno.KvU64) return { n: Number(v.value), last: 0 };
  if (v && typeof v === "object" && typeof (v as Count).n === "number") return v as Count;
  return { n: 0, last: 0 };
}

/** Seconds to wait before the window admits another event; 0 when it does now. */
function waitFor(w: Window, c: Count, now: number): number {
  if (c.n < w.max) return 0;
  if (w.spacingMs && w.spacingMs > 0) {
    const at = c.last + w.spacingMs;
    return at <= now ? 0 : Math.max(1, Math.ceil((at - now) / 1000));
  }
  const end = (Math.floor(now / w.windowMs) + 1) * w.windowMs;
  return Math.max(1, Math.ceil((end - now) / 1000));
}

/**
 * Counts one event in every window, atomically and all or nothing. Returns 0
 * when counted, else the seconds until every window admits it (nothing is
 * counted then). Windows with `max` 0 are off. Put the window most requests
 * share first: counting is serialised in this process on it.
 */
export async function take(kv: Deno.Kv, clock: Clock, windows: Window[]): Promise<number> {
  return (await takeOrBlock(kv, clock, windows)).wait;
}

/** Like `take`, and names the window that refused (the one with the longest wait); null when counted. */
export function takeOrBlock(
  kv: Deno.Kv,
  clock: Clock,
  windows: Window[],
): Promise<{ wait: number; blocked: Window | null }> {
  const on = windows.filter((w) => w.max > 0);
  if (on.length === 0) return Promise.resolve({ wait: 0, blocked: null });
  return serial.run(`${on[0].scope}\n${on[0].id}`, async () => {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const now = clock.now();
      const ks = on.map((w) => keyOf(w, now));
      const entries = await kv.getMany(ks);
      const counts = entries.map(readCount);
      const waits = on.map((w, i) => waitFor(w, counts[i], now));
      const wait = Math.max(...waits);
      if (wait > 0) return { wait, blocked: on[waits.indexOf(wait)] };
      const op = kv.atomic();
      on.forEach((w, i) => {
        op.check(entries[i]).set(ks[i], { n: counts[i].n + 1, last: now } satisfies Count, {
          expireIn: w.windowMs * 2,
        });
      });
      if ((await op.commit()).ok) return { wait: 0, blocked: null };
    }
    throw new ApiError("unavailable", "too busy counting attempts; retry", 1);
  });
}

/** Takes back one counted event from each window (the attempt turned out not to count). */
export async function refund(kv: Deno.Kv, clock: Clock, windows: Window[]): Promise<void> {
  for (const w of windows) {
    if (w.max <= 0) continue;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const key = keyOf(w, clock.now());
      const entry = await kv.get(key);
      const c = readCount(entry);
      if (c.n <= 0) break;
      const res = await kv.atomic().check(entry)
        .set(key, { n: c.n - 1, last: c.last } satisfies Count, { expireIn: w.windowMs * 2 })
        .commit();
      if (res.ok) break;
    }
  }
}

/** Clears the window's counter (after a successful login). */
export async function reset(kv: Deno.Kv, clock: Clock, w: Window): Promise<void> {
  await kv.delete(keyOf(w, clock.now()));
}

/** An in-process token bucket, for per-socket and per-user send rates. */
export class TokenBucket {
  #tokens: number;
  #last: number;
  constructor(private rate: number, private burst: number, private clock: Clock) {
    this.#tokens = burst;
    this.#last = clock.now();
  }
  /** Takes one token; false when empty. A rate of 0 means unlimited. */
  take(): boolean {
    if (this.rate <= 0) return true;
    const now = this.clock.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.rate);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
