/**
 * Admission of realtime connections: how many sockets, SSE streams and long
 * polls one user and one client address may hold open at once on this
 * process. Deno reads a whole WebSocket frame into memory before Tocsin can
 * refuse it for its size, so capping open connections is what bounds the
 * memory one attacker can make the server hold.
 */
import type { Config } from "../core/config.ts";
import { ApiError } from "../core/errors.ts";

/** Seconds a refused client is told to wait before connecting again. */
const RETRY_AFTER_S = 5;

export class ConnectionLimits {
  #byUser = new Map<string, number>();
  #byAddress = new Map<string, number>();

  constructor(private config: Pick<Config, "wsMaxPerUser" | "wsMaxPerAddress">) {}

  /**
   * Takes a slot for one connection of `userId` from `address`, or throws 429
   * `rate_limited` when either is at its cap. Returns the release (safe to call twice).
   */
  admit(userId: string, address: string): () => void {
    const { wsMaxPerUser, wsMaxPerAddress } = this.config;
    if (wsMaxPerUser > 0 && (this.#byUser.get(userId) ?? 0) >= wsMaxPerUser) {
      throw new ApiError(
        "rate_limited",
        `too many open connections for this user (at most ${wsMaxPerUser})`,
        RETRY_AFTER_S,
      );
    }
    if (wsMaxPerAddress > 0 && (this.#byAddress.get(address) ?? 0) >= wsMaxPerAddress) {
      throw new ApiError(
        "rate_limited",
        `too many open connections from this address (at most ${wsMaxPerAddress})`,
        RETRY_AFTER_S,
      );
    }
    bump(this.#byUser, userId, 1);
    bump(this.#byAddress, address, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      bump(this.#byUser, userId, -1);
      bump(this.#byAddress, address, -1);
    };
  }

  /** Open connections of a user and of an address (for tests and stats). */
  count(userId: string, address: string): { user: number; address: number } {
    return { user: this.#byUser.get(userId) ?? 0, address: this.#byAddress.get(address) ?? 0 };
  }
}

function bump(m: Map<string, number>, key: string, by: number): void {
  const n = (m.get(key) ?? 0) + by;
  if (n > 0) m.set(key, n);
  else m.delete(key);
}
