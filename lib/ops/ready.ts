/**
 * Readiness, for load balancers (`GET /readyz`): this instance can do its work, not merely
 * answer. Liveness stays with /healthz. Two checks:
 *
 * - KV takes writes: a probe write, bounded by READY_PROBE_TIMEOUT_MS (a read alone passes on a
 *   store that is read-only, full, or has lost its lock).
 * - The timer engine runs: started, not stopped, and its sweep showed progress within
 *   TOCSIN_READY_MAX_SWEEP_AGE_MS (or three sweep intervals, if longer). Without it no
 *   reminder or escalation fires, which for an alerting server is not "ready".
 */
import type { Clock } from "../core/clock.ts";
import { type Config, READY_PROBE_TIMEOUT_MS } from "../core/config.ts";
import { keys } from "../core/keys.ts";

/** What readiness looks at: the store, the time, and the timer engine's state. */
export interface ReadyDeps {
  kv: Deno.Kv;
  clock: Clock;
  config: Config;
  timers: { status(): { running: boolean; heartbeat: number | null } };
}

/** Each check's verdict: "ok" or why not. */
export interface Readiness {
  ready: boolean;
  checks: { kv: string; timers: string };
}

/** Runs both checks (the probe write is bounded, so this always settles). */
export async function checkReady(deps: ReadyDeps): Promise<Readiness> {
  const checks = { kv: await probeWrite(deps), timers: timersState(deps) };
  return { ready: checks.kv === "ok" && checks.timers === "ok", checks };
}

async function probeWrite({ kv, clock }: ReadyDeps): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(
      () => resolve(`probe write took over ${READY_PROBE_TIMEOUT_MS} ms`),
      READY_PROBE_TIMEOUT_MS,
    );
  });
  try {
    const write = kv.set(keys.readyProbe(), clock.now()).then(
      (r) => r.ok ? "ok" : "probe write refused",
      (err) => `probe write failed: ${err instanceof Error ? err.message : String(err)}`,
    );
    return await Promise.race([write, timeout]);
  } catch (err) {
    // kv.set throws synchronously on a closed store.
    return `probe write failed: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    clearTimeout(timer);
  }
}

/** The longest a running engine may go without a sweep's progress. */
export function maxSweepAge(config: Config): number {
  return Math.max(config.readyMaxSweepAgeMs, 3 * config.timerSweepMs);
}

function timersState({ clock, config, timers }: ReadyDeps): string {
  const { running, heartbeat } = timers.status();
  if (!running) return "timer engine stopped";
  if (heartbeat === null) return "timer engine has not swept yet";
  // With the periodic sweep off only the start-up sweep runs: running is all there is to check.
  if (config.timerSweepMs === 0) return "ok";
  const age = clock.now() - heartbeat;
  const max = maxSweepAge(config);
  return age <= max ? "ok" : `timer engine made no progress for ${age} ms (bound ${max} ms)`;
}
