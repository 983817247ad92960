/**
 * Who watches the watcher: every TOCSIN_SELF_HEARTBEAT_MS Tocsin pings TOCSIN_SELF_HEARTBEAT_URL
 * (a dead-man's switch: healthchecks.io, another Tocsin's heartbeat, an Alertmanager Watchdog
 * receiver) but only while it is ready by the checks of /readyz: KV takes a write and the timer
 * engine runs. A Tocsin that is up but cannot page stops pinging, and the switch fires elsewhere.
 * The ping goes through the one SSRF-checked client (lib/notify/outbound.ts).
 */
import { log } from "../core/log.ts";
import { type OutboundPolicy, sendOutbound } from "../notify/outbound.ts";
import { checkReady, type ReadyDeps } from "./ready.ts";

/** The ping's time-out: a switch that answers slower than this is as good as down. */
export const HEARTBEAT_TIMEOUT_MS = 10_000;

export type HeartbeatDeps = ReadyDeps & { config: ReadyDeps["config"] & OutboundPolicy };

/** The URL as logs show it: its origin only (a switch URL's path is often its secret). */
export function heartbeatTarget(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(invalid URL)";
  }
}

export class SelfHeartbeat {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #running: Promise<void> | null = null;
  /** Whether the last tick pinged (false: held back or failed), so that a change is logged once. */
  #healthy: boolean | null = null;
  /** Pings sent and answered with 2xx (for tests). */
  sent = 0;

  constructor(private deps: HeartbeatDeps) {}

  /** Starts pinging when a URL is configured (the first ping at once). */
  start(): void {
    if (!this.deps.config.selfHeartbeatUrl || this.#closed) return;
    this.#schedule(0);
  }

  #schedule(delay: number): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#running = this.tick().finally(() => {
        this.#running = null;
        this.#schedule(this.deps.config.selfHeartbeatMs);
      });
    }, delay);
  }

  /** One round: check readiness, ping if ready. */
  async tick(): Promise<void> {
    const url = this.deps.config.selfHeartbeatUrl;
    if (!url) return;
    const ready = await checkReady(this.deps);
    if (this.#closed) return;
    if (!ready.ready) {
      const why = Object.entries(ready.checks).filter(([, v]) => v !== "ok")
        .map(([k, v]) => `${k}: ${v}`).join("; ");
      this.#note(false, `heartbeat: not ready (${why}); not pinging ${heartbeatTarget(url)}`);
      return;
    }
    try {
      const res = await sendOutbound(url, {
        headers: { "content-type": "text/plain", "user-agent": "Tocsin" },
        body: "tocsin ready",
        timeoutMs: Math.min(HEARTBEAT_TIMEOUT_MS, this.deps.config.selfHeartbeatMs),
      }, this.deps.config);
      const ok = res.status >= 200 && res.status < 300;
      if (ok) this.sent++;
      this.#note(
        ok,
        ok
          ? `heartbeat: pinging ${heartbeatTarget(url)} again`
          : `heartbeat: ${heartbeatTarget(url)} answered ${res.status || "nothing"}`,
      );
    } catch (err) {
      // Refused by the outbound check (a private address not allowed): say so, keep trying.
      this.#note(false, `heartbeat: ${heartbeatTarget(url)}: ${(err as Error).message}`);
    }
  }

  #note(healthy: boolean, line: string): void {
    if (this.#healthy === healthy) return;
    // The first success is not news; every change after it is.
    if (healthy && this.#healthy !== null) log.info(line);
    if (!healthy) log.warn(line);
    this.#healthy = healthy;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}
