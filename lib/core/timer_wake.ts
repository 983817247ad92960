/**
 * The due times of the timers an atomic operation stages, noted on the
 * operation itself, so that whoever commits it can wake the timer service
 * for them: Fanout.commit adds a `timer` hint to the fanout log (other
 * processes learn of it) and tells this process's timers at once, and, where
 * KV queues are on, adds a queue wake-up for each whole second that timers
 * come due in, unless this process already committed one for that second.
 *
 * The queue is a backstop: this process's schedule (lib/jobs/timers.ts) and
 * the fanout log already wake a process on time. So a wake-up comes at the
 * end of its second, and one per second per process is enough: one per due
 * time meant 10,000 queue deliveries (each a sweep) for 10,000 reminders,
 * which made the reminders themselves late.
 *
 * lib/jobs/timers.ts notes; lib/core/fanout.ts reads. The note lives in a
 * WeakMap keyed by the operation, so nothing outlives it.
 */

/** Wake-up time (a whole second at or after a due time) -> the wait to it, as of staging. */
const staged = new WeakMap<Deno.AtomicOperation, Map<number, number>>();

/** Queue wake-ups are for whole seconds: a timer due within one is swept at its end. */
const WAKE_SECOND_MS = 1_000;

/** KV queue delays are at most 30 days; a later timer is woken by the sweeps before it is due. */
const MAX_QUEUE_DELAY_MS = 30 * 86_400_000;

/** Retries of a queue wake-up whose handler failed, in ms; after them the sweeps still cover it. */
const WAKE_BACKOFF_MS = [1_000, 5_000, 15_000, 60_000, 300_000];

/** Notes that `op` stages a timer due at `dueAt` (staged at `now`). */
export function noteTimer(op: Deno.AtomicOperation, now: number, dueAt: number): void {
  let m = staged.get(op);
  if (!m) staged.set(op, m = new Map());
  dues.set(op, Math.min(dues.get(op) ?? Infinity, dueAt));
  const wake = Math.ceil(dueAt / WAKE_SECOND_MS) * WAKE_SECOND_MS;
  if (!m.has(wake)) m.set(wake, Math.max(0, Math.min(wake - now, MAX_QUEUE_DELAY_MS)));
}

/** The earliest due time staged on each operation. */
const dues = new WeakMap<Deno.AtomicOperation, number>();

/** The earliest due time `op` stages a timer for, or null when it stages none. */
export function earliestTimer(op: Deno.AtomicOperation): number | null {
  return dues.get(op) ?? null;
}

/**
 * The queue wake-ups one process has committed: the seconds it asked for, so that later commits
 * for the same second ask for none. Seconds already past are forgotten.
 */
export class QueueWakes {
  #asked = new Set<number>();

  /**
   * Adds a KV queue wake-up (a sweep message; lib/jobs/timers.ts JobSchema parses it) to `op`
   * for each second its timers come due in that this process has not asked for yet; returns
   * those seconds, for `committed` once `op` commits. Only where queues are on: KV Connect
   * refuses a commit that carries any enqueue.
   */
  stage(op: Deno.AtomicOperation): number[] {
    const out: number[] = [];
    for (const [wake, delay] of staged.get(op) ?? []) {
      if (this.#asked.has(wake)) continue;
      op.enqueue({ kind: "sweep" }, { delay, backoffSchedule: WAKE_BACKOFF_MS });
      out.push(wake);
    }
    return out;
  }

  /** Notes the seconds of a committed operation's wake-ups (`now`: forget those past). */
  committed(wakes: number[], now: number): void {
    for (const w of wakes) this.#asked.add(w);
    if (this.#asked.size < 1_000) return;
    for (const w of this.#asked) if (w < now) this.#asked.delete(w);
  }
}
