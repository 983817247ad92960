/**
 * The ports every domain function takes: the store, configuration, the
 * clock, the one write path (fanout), per-user limits and a presence query.
 * The domain never sees the hub or the timer service; `lib/runtime.ts` wires
 * the real ones.
 */
import type { Clock } from "./clock.ts";
import type { Config } from "./config.ts";
import type { Fanout } from "./fanout.ts";
import { TokenBucket } from "./ratelimit.ts";
import { Semaphore } from "./semaphore.ts";

/** Per-user send rate buckets (in-process; one user rarely spans processes) and the password hashing slots. */
export class Limits {
  #send = new Map<string, TokenBucket>();
  /** Password hashes computed at once in this process (each holds a core and Argon2's memory). */
  readonly hashing: Semaphore;
  constructor(private config: Config, private clock: Clock) {
    this.hashing = new Semaphore(config.passwordHashConcurrency, config.passwordHashWaitMs);
  }

  allowSend(userId: string): boolean {
    let b = this.#send.get(userId);
    if (!b) {
      // Bounded memory: forgetting buckets only ever grants a fresh burst.
      if (this.#send.size > 10_000) this.#send.clear();
      b = new TokenBucket(this.config.sendRatePerSec, this.config.sendRatePerSec * 4, this.clock);
      this.#send.set(userId, b);
    }
    return b.take();
  }
}

/** Who has a live client in this process (a socket, stream or poll). */
export interface Presence {
  isConnected(userId: string): boolean;
}

export interface Deps {
  kv: Deno.Kv;
  config: Config;
  clock: Clock;
  fanout: Fanout;
  limits: Limits;
  presence: Presence;
}
