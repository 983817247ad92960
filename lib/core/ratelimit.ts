/**
 * Fixed-window counters in KV (KvU64 `sum` with `expireIn`), shared by every
 * process on the same KV. Used for login attempts.
 */
import type { Clock } from "./clock.ts";
import { keys } from "./keys.ts";
import { u64 } from "./kv_util.ts";

export interface Window {
  scope: string;
  id: string;
  windowMs: number;
  max: number;
}

/** Current count in the window; returns seconds until it resets when over `max`, else 0. */
export async function retryAfter(kv: Deno.Kv, clock: Clock, w: Window): Promise<number> {
  const now = clock.now();
  const n = Math.floor(now / w.windowMs);
  const count = u64(await kv.get<Deno.KvU64>(keys.rateLimit(w.scope, w.id, n)));
  if (count < w.max) return 0;
  return Math.max(1, Math.ceil(((n + 1) * w.windowMs - now) / 1000));
}

/** Counts one event in the window. */
export async function hit(kv: Deno.Kv, clock: Clock, w: Window): Promise<void> {
  const n = Math.floor(clock.now() / w.windowMs);
  await kv.atomic().sum(keys.rateLimit(w.scope, w.id, n), 1n).commit();
  // expireIn cannot be set with sum; a set of the same key would race, so the
  // counter is re-set with an expiry only when it was just created.
  const entry = await kv.get<Deno.KvU64>(keys.rateLimit(w.scope, w.id, n));
  if (entry.value && entry.value.value === 1n) {
    await kv.atomic().check(entry).set(entry.key, entry.value, { expireIn: w.windowMs * 2 })
      .commit();
  }
}

/** Clears the counter (after a successful login). */
export async function reset(kv: Deno.Kv, clock: Clock, w: Window): Promise<void> {
  await kv.delete(keys.rateLimit(w.scope, w.id, Math.floor(clock.now() / w.windowMs)));
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
