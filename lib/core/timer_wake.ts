/**
 * The due times of the timers an atomic operation stages, noted on the
 * operation itself, so that whoever commits it can wake the timer service
 * for them: Fanout.commit adds a `timer` hint to the fanout log (other
 * processes learn of it) and tells this process's timers at once, and, where
 * KV queues are on, adds one queue wake-up per distinct due time.
 *
 * lib/jobs/timers.ts notes; lib/core/fanout.ts reads. The note lives in a
 * WeakMap keyed by the operation, so nothing outlives it.
 */

/** Due time -> the wait a queue wake-up for it takes, as of staging. */
const staged = new WeakMap<Deno.AtomicOperation, Map<number, number>>();

/** KV queue delays are at most 30 days; a later timer is woken by the sweeps before it is due. */
const MAX_QUEUE_DELAY_MS = 30 * 86_400_000;

/** Retries of a queue wake-up whose handler failed, in ms; after them the sweeps still cover it. */
const WAKE_BACKOFF_MS = [1_000, 5_000, 15_000, 60_000, 300_000];

/** Notes that `op` stages a timer due at `dueAt` (staged at `now`). */
export function noteTimer(op: Deno.AtomicOperation, now: number, dueAt: number): void {
  let m = staged.get(op);
  if (!m) staged.set(op, m = new Map());
  if (!m.has(dueAt)) m.set(dueAt, Math.max(0, Math.min(dueAt - now, MAX_QUEUE_DELAY_MS)));
}

/** The earliest due time `op` stages a timer for, or null when it stages none. */
export function earliestTimer(op: Deno.AtomicOperation): number | null {
  const m = staged.get(op);
  if (!m?.size) return null;
  return Math.min(...m.keys());
}

/**
 * Adds one KV queue wake-up per distinct due time staged on `op` (a sweep
 * message; lib/jobs/timers.ts JobSchema parses it). Only where queues are on:
 * KV Connect refuses a commit that carries any enqueue.
 */
export function stageQueueWakes(op: Deno.AtomicOperation): void {
  for (const delay of new Set(staged.get(op)?.values() ?? [])) {
    op.enqueue({ kind: "sweep" }, { delay, backoffSchedule: WAKE_BACKOFF_MS });
  }
}
