/**
 * What the admin System page shows (`GET /api/v1/system`): version, where the data lives, uptime,
 * open connections, the timer backlog and its oldest late timer, the dead letters, each
 * notification provider's last success and failure, and the recent error lines of this process.
 */
import type { Clock } from "../core/clock.ts";
import type { Config } from "../core/config.ts";
import { recentErrors, scrubSecrets } from "../core/log.ts";
import { listDeadLetters } from "../jobs/timers.ts";
import { listProviders } from "../notify/providers.ts";
import { listProviderHealth, openConnections } from "./metrics.ts";
import { readTimerState, type TimerState } from "./timer_state.ts";
import { VERSION } from "./version.ts";

/** Dead letters listed at most (the count is exact up to the scan bound). */
export const SYSTEM_DEAD_LETTERS_MAX = 100;
/** Characters of a dead letter's error shown (its first line: the stack stays in the record). */
const DEAD_ERROR_CHARS = 300;

/** When this module was loaded: the process's start, near enough. */
const STARTED_AT = Date.now();

export interface SystemStatus {
  version: string;
  kv: string;
  startedAt: number;
  uptimeMs: number;
  connections: { websocket: number; sse: number; poll: number };
  timers: TimerState;
  deadLetters: {
    id: string;
    kind: string;
    alertId: string;
    failures: number;
    error: string;
    failedAt: number;
  }[];
  providers: {
    name: string;
    kind: string | null;
    lastOkAt: number | null;
    lastFailAt: number | null;
    lastFailure: string | null;
  }[];
  errors: { at: number; line: string }[];
}

/** Where the data lives, without a URL's credentials or query. */
export function kvLocation(path: string): string {
  if (!/^https?:\/\//i.test(path)) return path;
  try {
    const u = new URL(path);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(a KV URL)";
  }
}

export async function systemStatus(
  deps: { kv: Deno.Kv; clock: Clock; config: Config },
): Promise<SystemStatus> {
  const { kv, config } = deps;
  const [timers, dead, configured] = await Promise.all([
    readTimerState(deps),
    listDeadLetters(kv),
    listProviders(kv),
  ]);
  return {
    version: VERSION,
    kv: kvLocation(config.kvPath),
    startedAt: STARTED_AT,
    uptimeMs: Date.now() - STARTED_AT,
    connections: openConnections(),
    timers,
    deadLetters: dead.slice(0, SYSTEM_DEAD_LETTERS_MAX).map((d) => ({
      id: d.timer.id,
      kind: d.timer.kind,
      alertId: d.timer.alertId,
      failures: d.timer.failures ?? 0,
      error: scrubSecrets(d.error.split("\n")[0]).slice(0, DEAD_ERROR_CHARS),
      failedAt: d.failedAt,
    })),
    providers: providerRows(configured),
    errors: recentErrors().reverse(),
  };
}

/** Every configured provider (with its history on this process, if any), then the others seen. */
function providerRows(configured: { name: string; kind: string }[]): SystemStatus["providers"] {
  const byName = new Map<string, SystemStatus["providers"][number]>();
  for (const p of configured) {
    byName.set(p.name, {
      name: p.name,
      kind: p.kind,
      lastOkAt: null,
      lastFailAt: null,
      lastFailure: null,
    });
  }
  for (const h of listProviderHealth()) {
    const row = byName.get(h.provider) ??
      { name: h.provider, kind: null, lastOkAt: null, lastFailAt: null, lastFailure: null };
    row.lastOkAt = Math.max(row.lastOkAt ?? 0, h.lastOkAt ?? 0) || null;
    if ((h.lastFailAt ?? 0) > (row.lastFailAt ?? 0)) {
      row.lastFailAt = h.lastFailAt;
      row.lastFailure = h.lastFailure;
    }
    byName.set(h.provider, row);
  }
  return [...byName.values()];
}
