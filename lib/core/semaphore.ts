/**
 * A counting semaphore with a bounded wait: at most `max` holders at once;
 * a caller that cannot get a slot within `waitMs` gets 503 with Retry-After,
 * so that a burst sheds load instead of queueing without end.
 */
import { ApiError } from "./errors.ts";

export class Semaphore {
  #active = 0;
  #waiting: Waiter[] = [];

  /** `max` 0 means unbounded. */
  constructor(private max: number, private waitMs: number) {}

  /** Holders right now. */
  get active(): number {
    return this.#active;
  }

  /** Runs `fn` holding a slot. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.#acquire();
    try {
      return await fn();
    } finally {
      this.#release();
    }
  }

  #acquire(): Promise<void> {
    if (this.max <= 0 || this.#active < this.max) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        deadline: performance.now() + this.waitMs,
        grant: () => {
          clearTimeout(timer);
          this.#active++;
          resolve();
        },
        refuse: () => {
          clearTimeout(timer);
          reject(new ApiError("unavailable", "the server is busy; retry shortly", 1));
        },
      };
      const timer = setTimeout(() => {
        const i = this.#waiting.indexOf(waiter);
        if (i >= 0) this.#waiting.splice(i, 1);
        waiter.refuse();
      }, this.waitMs);
      this.#waiting.push(waiter);
    });
  }

  #release(): void {
    this.#active--;
    // The work held may be synchronous (Argon2 in WebAssembly blocks the event
    // loop), so a waiter's timer may not have run yet: check its deadline here.
    const now = performance.now();
    for (let w = this.#waiting.shift(); w; w = this.#waiting.shift()) {
      if (w.deadline < now) {
        w.refuse();
        continue;
      }
      w.grant();
      return;
    }
  }
}

interface Waiter {
  deadline: number;
  grant: () => void;
  refuse: () => void;
}
