/**
 * Durable timers. A pending reminder or escalation step is a KV record,
 * indexed by due time, written in the same atomic commit as the change that
 * caused it. No KV queue is needed: each process keeps one in-memory wake-up
 * (a setTimeout) for the earliest due time it knows, fed by the timers it
 * commits, by the `timer` hints other processes write to the fanout log in
 * the same commit (lib/core/fanout.ts), and by the reconciler, which fires
 * every due record at start-up and every TOCSIN_TIMER_SWEEP_MS and then reads
 * the earliest pending due time from the index. Where KV queues are on
 * (TOCSIN_KV_QUEUES) a queue message is one more wake-up. Firing is a
 * check-and-set on the record, so no wake-up fires a timer twice.
 */
import { z } from "zod";
import { AUDIT_TEXT_MAX, auditedAtomic } from "../audit/chain.ts";
import type { Deps } from "../core/deps.ts";
import { keys } from "../core/keys.ts";
import { listAll } from "../core/kv_util.ts";
import { log } from "../core/log.ts";
import { queuesOn } from "../core/config.ts";
import { noteTimer } from "../core/timer_wake.ts";
import { isBusy } from "../core/fanout.ts";

export { type AnyTimer, type Timer, type TimerKind, TimerSchema } from "./timer_kinds.ts";
import { type AnyTimer, type Timer, TimerSchema } from "./timer_kinds.ts";

/** Queue jobs (where queues are on): one dispatcher, each kind zod-parsed. */
export const JobSchema = z.discriminatedUnion("kind", [
  /** One timer's wake-up, as earlier versions enqueued them (still in queues after an upgrade). */
  z.object({ kind: z.literal("timer"), id: z.string() }),
  /** Wakes a sweep at a due time (lib/core/timer_wake.ts enqueues one per distinct due time). */
  z.object({ kind: z.literal("sweep") }),
]);
export type Job = z.infer<typeof JobSchema>;

/**
 * Adds a timer to an atomic operation: record and indexes, and a note of its
 * due time on the operation, from which whoever commits it wakes the timer
 * service (Fanout.commit and Fanout.commitUnlogged do; see
 * lib/core/timer_wake.ts). With `wake: false` the caller notes the due time
 * itself (stageSweepWake), once for many timers.
 */
export function stageTimer(
  op: Deno.AtomicOperation,
  now: number,
  t: Timer,
  opts: { wake?: boolean } = {},
): void {
  // A timer staged from a claimed one (a retry, a deferral) starts unclaimed.
  const { claimedUntil: _claim, ...record } = t;
  op.set(keys.timer(t.id), record)
    .set(keys.timerByDue(t.dueAt, t.id), t.id)
    .set(keys.timerByAlert(t.alertId, t.id), t.id);
  if (opts.wake !== false) noteTimer(op, now, t.dueAt);
}

/** Notes one wake-up at `dueAt` for timers staged with `wake: false`. */
export function stageSweepWake(op: Deno.AtomicOperation, now: number, dueAt: number): void {
  noteTimer(op, now, dueAt);
}

/** Adds the deletion of a timer (after it fired, or when cancelled). */
export function stageDeleteTimer(op: Deno.AtomicOperation, t: Timer): void {
  op.delete(keys.timer(t.id))
    .delete(keys.timerByDue(t.dueAt, t.id))
    .delete(keys.timerByAlert(t.alertId, t.id))
    // Left by the queue messages of earlier versions, when one was never delivered.
    .delete(keys.timerUndelivered(t.id));
}

/** The pending timers of an alert (to cancel them, checking each record). */
export async function timersOf(kv: Deno.Kv, alertId: string): Promise<Deno.KvEntry<AnyTimer>[]> {
  const ids = (await listAll<string>(kv, keys.timersByAlert(alertId))).map((e) => e.value);
  const entries = await Promise.all(ids.map((id) => kv.get<AnyTimer>(keys.timer(id))));
  return entries.filter((e): e is Deno.KvEntry<AnyTimer> => e.value !== null);
}

/** Handler failures after which a timer is set aside as a dead letter for admins. */
export const TIMER_MAX_FAILURES = 5;

/** A timer set aside after TIMER_MAX_FAILURES failures (`dead_letters/<id>`). */
export const DeadLetterSchema = z.object({
  timer: TimerSchema,
  error: z.string(),
  failedAt: z.number(),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;

/**
 * Records a handler failure on the timer; the TIMER_MAX_FAILURES-th moves it
 * to the dead letters (in one commit), so that it stops being retried and an
 * admin can see it, retry it or discard it.
 */
export async function recordFailure(deps: Deps, id: string, err: unknown): Promise<void> {
  const { kv, clock } = deps;
  const e = await kv.get<Timer>(keys.timer(id));
  if (!e.value) return;
  // The claim ends with the failed attempt: the next sweep may retry at once.
  const { claimedUntil: _claim, ...rest } = e.value;
  const t = { ...rest, failures: (e.value.failures ?? 0) + 1 };
  const error = (err instanceof Error ? err.stack ?? err.message : String(err)).slice(0, 2_000);
  const op = kv.atomic().check(e);
  if (t.failures >= TIMER_MAX_FAILURES) {
    stageDeleteTimer(op, e.value);
    op.set(keys.deadLetter(id), { timer: t, error, failedAt: clock.now() } satisfies DeadLetter);
    log.error(
      `timers: ${t.kind} timer ${id} failed ${t.failures} times; moved to the dead letters`,
    );
  } else {
    op.set(keys.timer(id), t);
  }
  await op.commit();
}

/**
 * Claims a due timer whose handler reaches outside (an e-mail, an SMS, a call, a push, a
 * webhook) for TOCSIN_TIMER_CLAIM_MS: one commit that marks the record, checked against the
 * record as read. False when another process holds a live claim or changed the record first, so
 * two processes woken for one timer at once (each by its own wake-up) do not both send. The
 * handler then re-reads the claimed record and deletes it in its own check-and-set; a claimant
 * that dies leaves the claim to lapse, and the reconciler fires the timer after that.
 */
export async function claimTimer(deps: Deps, entry: Deno.KvEntry<Timer>): Promise<boolean> {
  const now = deps.clock.now();
  if ((entry.value.claimedUntil ?? 0) > now) return false;
  const claimed: Timer = { ...entry.value, claimedUntil: now + deps.config.timerClaimMs };
  for (let attempt = 1;; attempt++) {
    try {
      return (await deps.kv.atomic().check(entry).set(entry.key, claimed).commit()).ok;
    } catch (err) {
      // SQLite busy with another process's write: try again shortly; past a few tries, leave the
      // timer to the next sweep rather than count a failure against it.
      if (!isBusy(err)) throw err;
      if (attempt >= CLAIM_BUSY_TRIES) return false;
      await new Promise((r) => setTimeout(r, 5 * attempt));
    }
  }
}

/** Tries at a claim while SQLite answers busy. */
const CLAIM_BUSY_TRIES = 5;

/** Every dead letter, oldest first. */
export async function listDeadLetters(kv: Deno.Kv): Promise<DeadLetter[]> {
  return (await listAll<DeadLetter>(kv, keys.deadLetters())).map((e) => e.value);
}

/** The audit entry of an admin's retry or discard, in the same commit (the caller is the actor). */
function deadLetterAudit(deps: Deps, verb: "retry" | "discard", letter: DeadLetter) {
  return auditedAtomic(deps.kv, deps.clock, {
    action: `dead_letter.${verb}`,
    target: { type: "timer", id: letter.timer.id },
    detail: {
      kind: letter.timer.kind,
      error: letter.error.split("\n")[0].slice(0, AUDIT_TEXT_MAX),
    },
  });
}

/** Discards a dead letter; false when there is none with that id. */
export async function deleteDeadLetter(deps: Deps, id: string): Promise<boolean> {
  const e = await deps.kv.get<DeadLetter>(keys.deadLetter(id));
  if (!e.value) return false;
  return (await deadLetterAudit(deps, "discard", e.value).check(e).delete(e.key).commit()).ok;
}

/** Puts a dead letter back as a timer due now (an admin fixed the cause). */
export async function retryDeadLetter(deps: Deps, id: string): Promise<boolean> {
  const { kv, clock } = deps;
  const e = await kv.get<DeadLetter>(keys.deadLetter(id));
  if (!e.value) return false;
  const op = deadLetterAudit(deps, "retry", e.value).check(e).delete(e.key);
  stageTimer(op, clock.now(), { ...e.value.timer, failures: 0, dueAt: clock.now() });
  return (await deps.fanout.commitUnlogged(op)).ok;
}

/** setTimeout's longest delay (about 24.8 days); a later wake-up is re-armed when it runs. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Runs the wake-up, the reconciler and (where queues are on) the queue
 * dispatcher; `fire` must be idempotent (check-and-set).
 */
export class TimerService {
  #sweepTimer: ReturnType<typeof setInterval> | undefined;
  /** The one in-memory wake-up, for the earliest due time known (`#wakeAt`). */
  #wakeTimer: ReturnType<typeof setTimeout> | undefined;
  #wakeAt = Infinity;
  /** Fires under way (from the queue or a sweep), so that a sweep can wait for all of them. */
  #inflight = new Set<Promise<unknown>>();
  #sweeping: Promise<void> | null = null;
  #again: Promise<void> | null = null;
  #firing = new Set<string>();
  #closed = false;
  #started = false;
  #heartbeat: number | null = null;
  /** Timers fired by this process (for tests and benches). */
  fired = 0;
  /** Sweeps run by this process, whatever woke them (for tests and benches). */
  sweeps = 0;

  constructor(private deps: Deps, private fire: (id: string) => Promise<boolean>) {}

  /**
   * The engine's state for readiness checks: whether it runs (started, not closed), and when a
   * sweep last showed progress (began, or fired a timer); null before the first sweep.
   */
  status(): { running: boolean; heartbeat: number | null } {
    return { running: this.#started && !this.#closed, heartbeat: this.#heartbeat };
  }

  start(): void {
    this.#started = true;
    if (queuesOn(this.deps.config)) {
      this.deps.kv.listenQueue((msg: unknown) => this.#dispatch(msg)).catch(() => {});
    }
    this.sweep();
    if (this.deps.config.timerSweepMs > 0) {
      this.#sweepTimer = setInterval(() => this.sweep(), this.deps.config.timerSweepMs);
    }
  }

  /**
   * A timer is due at `dueAt`: sweep then, unless a wake-up is armed no later. `here`: this
   * process committed it; otherwise (heard from another process) it is woken
   * TOCSIN_TIMER_PEER_GRACE_MS later, leaving it to the process that staged it.
   */
  wake(dueAt: number, here = true): void {
    if (!Number.isFinite(dueAt)) return;
    this.#arm(here ? dueAt : dueAt + this.deps.config.timerPeerGraceMs);
  }

  /** The wake-up time armed, or null (for tests). */
  get nextWake(): number | null {
    return this.#wakeAt === Infinity ? null : this.#wakeAt;
  }

  #arm(at: number): void {
    if (this.#closed || at >= this.#wakeAt) return;
    clearTimeout(this.#wakeTimer);
    this.#wakeAt = at;
    const delay = Math.max(0, Math.min(at - this.deps.clock.now(), MAX_TIMEOUT_MS));
    this.#wakeTimer = setTimeout(() => {
      this.#wakeTimer = undefined;
      this.#wakeAt = Infinity;
      this.sweep();
    }, delay);
  }

  /**
   * Arms the wake-up for the earliest timer due after `after` (the moment the last sweep listed
   * up to). Timers due by then and still there failed, or are being fired: the periodic sweep
   * retries them, so they do not make a wake-up spin.
   */
  async #armNext(after: number): Promise<void> {
    for await (
      const e of this.deps.kv.list<string>({
        prefix: keys.timersByDue(),
        start: keys.timerByDue(after + 1, ""),
      }, { limit: 1 })
    ) {
      this.#arm(e.key[1] as number);
    }
  }

  async #dispatch(msg: unknown): Promise<void> {
    const job = JobSchema.safeParse(msg);
    if (!job.success) {
      log.error("timers: dropping a malformed queue message", msg);
      return;
    }
    if (this.#closed) throw new Error("shutting down"); // let KV redeliver it
    if (job.data.kind === "sweep") {
      // Not awaited: a sweep over thousands of timers must not hold up the queue's other
      // messages. The timers are durable records; if this process dies mid-sweep, the periodic
      // reconciler fires what is left.
      this.sweep();
      return;
    }
    const id = job.data.id;
    await this.#track((async () => {
      try {
        if (await this.#fireOnce(id)) this.fired++;
      } catch (err) {
        // Counted durably; the reconciler retries until it becomes a dead letter.
        await recordFailure(this.deps, id, err).catch(() => {});
      }
    })());
  }

  /**
   * Fires a timer unless this process is firing it already (its queue wake-up and a sweep can
   * meet): the second attempt does nothing. So a handler with an outside effect (a webhook, an
   * e-mail, a robot post) never runs twice at once here; across processes the check-and-set on
   * the record and the receivers' delivery ids cover it.
   */
  async #fireOnce(id: string): Promise<boolean> {
    if (this.#firing.has(id)) return false;
    this.#firing.add(id);
    try {
      return await this.fire(id);
    } finally {
      this.#firing.delete(id);
    }
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#inflight.add(p);
    return p.finally(() => this.#inflight.delete(p));
  }

  /**
   * Fires every timer due by now (the reconciler), one sweep at a time. It
   * resolves once those, and any fire the queue had under way, are done.
   */
  sweep(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#sweeping) {
      // One more pass after the running one (which may have listed before the caller's timers
      // came due), shared by everyone who asks meanwhile.
      this.#again ??= this.#sweeping.then(() => {
        this.#again = null;
        return this.sweep();
      });
      return this.#again;
    }
    this.#sweeping = (async () => {
      this.sweeps++;
      const now = this.deps.clock.now();
      try {
        this.#heartbeat = now;
        const due = this.deps.kv.list<string>({
          start: keys.timerByDue(0, ""),
          end: keys.timerByDue(now + 1, ""),
        }, { batchSize: 500 });
        // Up to timerSweepConcurrency fires at once: each is check-and-set on its own timer.
        const running = new Set<Promise<void>>();
        const limit = Math.max(1, this.deps.config.timerSweepConcurrency);
        for await (const e of due) {
          if (this.#closed) break;
          this.#heartbeat = this.deps.clock.now();
          const p = this.#track((async () => {
            try {
              if (await this.#fireOnce(e.value)) this.fired++;
            } catch (err) {
              // One failing timer never blocks the others: count it and go on.
              await recordFailure(this.deps, e.value, err).catch(() => {});
            }
          })());
          running.add(p);
          p.finally(() => running.delete(p));
          if (running.size >= limit) await Promise.race(running);
        }
        await Promise.allSettled([...running]);
      } catch (err) {
        if (!this.#closed) log.error("timers: sweep failed", err);
      }
      try {
        // A timer the queue was firing was skipped above (its handler is busy): wait for it too.
        await Promise.allSettled([...this.#inflight]);
        if (!this.#closed) await this.#armNext(now);
      } catch (err) {
        if (!this.#closed) console.error("timers: reading the next due time failed", err);
      } finally {
        this.#sweeping = null;
      }
    })();
    return this.#sweeping;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweepTimer);
    clearTimeout(this.#wakeTimer);
    this.#wakeAt = Infinity;
    await this.#sweeping;
  }
}
