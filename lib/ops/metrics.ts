/**
 * Tocsin's Prometheus metrics (`GET /metrics`, routes/metrics.ts), with `prom-client`.
 *
 * The counters and histograms live in one registry of this process and are fed by one-line calls
 * in the modules that do the work (fanout's commit path, the timer dispatcher, the hub, the
 * webhook route, notification sends, the HTTP middleware). Gauges that describe state (sockets
 * open, fanout lag, timers pending, dead letters) are read when scraped, from the running core
 * handed to `collectState`, so that nothing has to keep them in step.
 *
 * Names follow the Prometheus conventions: `tocsin_` prefix, base units (`_seconds`), `_total`
 * on counters. Label values come from small fixed sets (route patterns, not raw paths; integration
 * types; channel names; provider names an admin chose), so the number of series stays bounded.
 */
import client from "prom-client";
import { VERSION } from "./version.ts";

/** The one registry of this process. */
export const registry = new client.Registry();

/** KV commit latencies are about 0.6 ms locally and tens of ms on a remote KV: buckets span both. */
const COMMIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** A timer is on time within a sweep interval (5 s) plus the peer grace (2 s); beyond a minute it is badly late. */
const LATENESS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

export const buildInfo = new client.Gauge({
  name: "tocsin_build_info",
  help: "Tocsin's version (always 1).",
  labelNames: ["version"],
  registers: [registry],
});
buildInfo.set({ version: VERSION }, 1);

export const startTime = new client.Gauge({
  name: "tocsin_start_time_seconds",
  help: "When this process started, in Unix seconds.",
  registers: [registry],
});
startTime.set(Math.floor(Date.now() / 1000));

export const httpRequests = new client.Counter({
  name: "tocsin_http_requests_total",
  help: "HTTP requests answered, by matched route pattern, method and status class.",
  labelNames: ["route", "method", "status_class"],
  registers: [registry],
});

export const realtimeConnections = new client.Gauge({
  name: "tocsin_realtime_connections",
  help: "Realtime connections open on this process, by transport (websocket, sse, poll).",
  labelNames: ["transport"],
  registers: [registry],
});

export const messagesDelivered = new client.Counter({
  name: "tocsin_realtime_deliveries_total",
  help: "Chat messages handed to realtime subscribers (one per message and subscriber).",
  registers: [registry],
});

export const kvCommitSeconds = new client.Histogram({
  name: "tocsin_kv_commit_duration_seconds",
  help: "Duration of KV atomic commits on the fanout write path.",
  buckets: COMMIT_BUCKETS,
  registers: [registry],
});

export const kvCommitRetries = new client.Counter({
  name: "tocsin_kv_commit_retries_total",
  help: "Optimistic KV commits that lost a check (or found the store busy) and were retried.",
  registers: [registry],
});

export const fanoutLag = new client.Gauge({
  name: "tocsin_fanout_lag_entries",
  help: "Fanout log entries this process knows of but has not yet read, per shard.",
  labelNames: ["shard"],
  registers: [registry],
});

export const timersPending = new client.Gauge({
  name: "tocsin_timers_pending",
  help: "Durable timers waiting to fire (counted up to TOCSIN_METRICS_TIMER_SCAN_MAX).",
  registers: [registry],
});

export const timersOverdue = new client.Gauge({
  name: "tocsin_timers_overdue",
  help: "Pending timers whose due time passed more than a sweep interval and the peer grace ago.",
  registers: [registry],
});

export const timerLateness = new client.Histogram({
  name: "tocsin_timer_lateness_seconds",
  help: "How long after its due time a timer's handler started, by timer kind.",
  labelNames: ["kind"],
  buckets: LATENESS_BUCKETS,
  registers: [registry],
});

export const deadLetters = new client.Gauge({
  name: "tocsin_timer_dead_letters",
  help: "Timers set aside after repeated failures, waiting for an admin to retry or discard them.",
  registers: [registry],
});

export const alertsIngested = new client.Counter({
  name: "tocsin_alerts_ingested_total",
  help: "Alert events received through integrations, by integration type and outcome.",
  labelNames: ["integration", "outcome"],
  registers: [registry],
});

export const notifications = new client.Counter({
  name: "tocsin_notifications_total",
  help: "Out-of-app notification attempts, by channel, provider and result (ok, failed).",
  labelNames: ["channel", "provider", "result"],
  registers: [registry],
});

/** What the scrape-time gauges read: the running core's parts (a structural slice of Core). */
export interface StateSource {
  hub: { stats(): { subscribers: number } };
  fanout: { lag(): number[] };
  timerCounts(): Promise<{ pending: number; overdue: number; deadLetters: number }>;
}

/** Refreshes the state gauges from a running core, then renders every metric. */
export async function renderMetrics(src: StateSource): Promise<string> {
  fanoutLag.reset();
  src.fanout.lag().forEach((n, shard) => fanoutLag.set({ shard: String(shard) }, n));
  const t = await src.timerCounts();
  timersPending.set(t.pending);
  timersOverdue.set(t.overdue);
  deadLetters.set(t.deadLetters);
  return await registry.metrics();
}

/** The Content-Type of the text exposition format. */
export const METRICS_CONTENT_TYPE = registry.contentType;

/** Times one commit into the KV commit histogram: `await timedCommit(() => op.commit())`. */
export async function timedCommit<T>(commit: () => Promise<T>): Promise<T> {
  const end = kvCommitSeconds.startTimer();
  try {
    return await commit();
  } finally {
    end();
  }
}

/** Counts one realtime connection of `transport` until the returned release runs (safe twice). */
export function trackConnection(
  transport: "websocket" | "sse" | "poll",
  release: () => void,
): () => void {
  realtimeConnections.inc({ transport });
  open.set(transport, (open.get(transport) ?? 0) + 1);
  let done = false;
  return () => {
    if (!done) {
      realtimeConnections.dec({ transport });
      open.set(transport, (open.get(transport) ?? 1) - 1);
    }
    done = true;
    release();
  };
}

const open = new Map<string, number>();

/** Realtime connections open on this process, per transport. */
export function openConnections(): { websocket: number; sse: number; poll: number } {
  return {
    websocket: open.get("websocket") ?? 0,
    sse: open.get("sse") ?? 0,
    poll: open.get("poll") ?? 0,
  };
}

/** The status class label of an HTTP status: "2xx", "4xx"... */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

/** One provider's last success and last failure on this process (the admin System page). */
export interface ProviderHealth {
  provider: string;
  channel: string;
  lastOkAt: number | null;
  lastFailAt: number | null;
  /** The provider's answer at the last failure (what a delivery record shows too). */
  lastFailure: string | null;
}

const providerHealth = new Map<string, ProviderHealth>();

/**
 * Counts one notification attempt through `provider` on `channel` and remembers it as the
 * provider's last success or failure: `noteNotification("sms", p.name, r.ok, r.detail, now)`.
 */
export function noteNotification(
  channel: string,
  provider: string,
  ok: boolean,
  detail: string,
  at: number,
): void {
  notifications.inc({ channel, provider, result: ok ? "ok" : "failed" });
  const key = `${channel}\u0000${provider}`;
  const h = providerHealth.get(key) ??
    { provider, channel, lastOkAt: null, lastFailAt: null, lastFailure: null };
  if (ok) h.lastOkAt = at;
  else {
    h.lastFailAt = at;
    h.lastFailure = detail.slice(0, 300);
  }
  providerHealth.set(key, h);
}

/** Every provider's health as noted on this process since it started. */
export function listProviderHealth(): ProviderHealth[] {
  return [...providerHealth.values()].map((h) => ({ ...h }));
}
