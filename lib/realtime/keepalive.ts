/**
 * Server keepalives for every open socket of a process from one timer. Sockets sit in slots of a
 * ring; each tick (a second, or the whole interval when it is shorter) the next slot's sockets get
 * a keepalive frame, so each socket hears one every TOCSIN_WS_KEEPALIVE_MS, spread over the
 * interval. A timer per socket cost about 2 KiB of memory each; this costs a set entry.
 */
import type { Subscriber } from "./subscriber.ts";

/** The longest tick: keepalives leave in slices at most this far apart. */
const TICK_MS = 1_000;

export class KeepaliveRing {
  readonly #slots: Set<Subscriber>[];
  readonly #tickMs: number;
  #next = 0;
  #placed = 0;
  #size = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(periodMs: number, private now: () => number) {
    this.#tickMs = Math.max(1, Math.min(TICK_MS, periodMs));
    this.#slots = Array.from(
      { length: Math.max(1, Math.round(periodMs / this.#tickMs)) },
      () => new Set<Subscriber>(),
    );
  }

  /** Starts keepalives for `sub`; the first comes within one interval. */
  add(sub: Subscriber): void {
    this.#slots[this.#placed++ % this.#slots.length].add(sub);
    this.#size++;
    // Runs only while some socket is open: an idle process (or a test) holds no timer.
    this.#timer ??= setInterval(() => this.#tick(), this.#tickMs);
  }

  /** Ends keepalives for `sub` (its socket closed). */
  delete(sub: Subscriber): void {
    if (!this.#slots.some((slot) => slot.delete(sub))) return;
    if (--this.#size === 0) this.close();
  }

  /** Sockets receiving keepalives. */
  get size(): number {
    return this.#size;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    const slot = this.#slots[this.#next];
    this.#next = (this.#next + 1) % this.#slots.length;
    if (slot.size === 0) return;
    const frame = { type: "keepalive" as const, t: this.now() };
    for (const sub of slot) sub.push(frame);
  }
}
