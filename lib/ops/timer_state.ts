/**
 * The timer engine's backlog as an operator sees it (/metrics and the admin System page): how
 * many timers wait, how many are overdue, the oldest overdue one, and the dead letters.
 */
import type { Clock } from "../core/clock.ts";
import type { Config } from "../core/config.ts";
import { keys } from "../core/keys.ts";

/** The oldest timer still waiting past its due time. */
export interface LateTimer {
  id: string;
  kind: string | null;
  dueAt: number;
  lateMs: number;
}

export interface TimerState {
  /** Timers waiting (at most config.metricsTimerScanMax: then `capped`). */
  pending: number;
  /** Of those, the ones due longer ago than a sweep interval plus the peer grace. */
  overdue: number;
  capped: boolean;
  oldestLate: LateTimer | null;
  deadLetters: number;
}

/**
 * How late a timer may be without anything being wrong: the reconciler's interval plus the grace
 * a peer's timer gets (with the sweep off, a minute).
 */
export function overdueAfterMs(config: Config): number {
  return (config.timerSweepMs || 60_000) + config.timerPeerGraceMs;
}

/** Reads the due-time index (bounded) and the dead letters. */
export async function readTimerState(
  deps: { kv: Deno.Kv; clock: Clock; config: Config },
): Promise<TimerState> {
  const { kv, clock, config } = deps;
  const now = clock.now();
  const lateBefore = now - overdueAfterMs(config);
  const max = Math.max(1, config.metricsTimerScanMax);
  let pending = 0;
  let overdue = 0;
  let oldest: { id: string; dueAt: number } | null = null;
  for await (
    const e of kv.list<string>({ prefix: keys.timersByDue() }, { limit: max + 1, batchSize: 500 })
  ) {
    if (pending === max) return finish(true);
    pending++;
    const dueAt = e.key[1] as number;
    if (dueAt < lateBefore) {
      overdue++;
      oldest ??= { id: e.value, dueAt };
    }
  }
  return finish(false);

  async function finish(capped: boolean): Promise<TimerState> {
    let deadLetters = 0;
    for await (const _ of kv.list({ prefix: keys.deadLetters() })) deadLetters++;
    let oldestLate: LateTimer | null = null;
    if (oldest) {
      const t = (await kv.get<{ kind?: unknown }>(keys.timer(oldest.id))).value;
      oldestLate = {
        id: oldest.id,
        kind: typeof t?.kind === "string" ? t.kind : null,
        dueAt: oldest.dueAt,
        lateMs: now - oldest.dueAt,
      };
    }
    return { pending, overdue, capped, oldestLate, deadLetters };
  }
}
