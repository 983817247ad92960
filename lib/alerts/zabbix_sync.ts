/**
 * Zabbix two-way: acknowledging, resolving or noting an alert from a Zabbix integration that
 * has a Zabbix URL and API token calls Zabbix's JSON-RPC `event.acknowledge` for its event.
 * The call is a durable timer staged in the action's own commit, retried with the webhook
 * back-off, and each attempt is written on the alert's timeline.
 */
import type { Alert, TimelineEntry } from "./model.ts";
import { WEBHOOK_BACKOFF_MS } from "../core/config.ts";
import type { Deps } from "../core/deps.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { sendOutbound } from "../notify/outbound.ts";
import { stageDeleteTimer, stageTimer, type Timer } from "../jobs/timers.ts";
import type { Integration } from "./integrations.ts";
import { timelineEntry } from "./timeline.ts";

/** What is sent back: the actions of Tocsin that Zabbix hears of. */
export type ZabbixAction = "ack" | "resolve" | "note";

/** event.acknowledge's `action` bits: 1 close, 2 acknowledge, 4 add a message. */
const ACTION_BITS: Record<ZabbixAction, number> = { resolve: 1 | 4, ack: 2 | 4, note: 4 };

/** Zabbix keeps at most 2048 characters of an acknowledgement message. */
const MESSAGE_MAX = 2_000;

/** The Zabbix event id behind an alert's key ("event:<id>"), or null. */
export function zabbixEventId(a: Alert): string | null {
  const m = /^event:(\d{1,20})$/.exec(a.key);
  return m ? m[1] : null;
}

/** Zabbix's API endpoint: the frontend URL with api_jsonrpc.php, unless it names it already. */
export function zabbixApiUrl(url: string): string {
  return /api_jsonrpc\.php$/.test(url) ? url : url.replace(/\/*$/, "") + "/api_jsonrpc.php";
}

/**
 * Stages the call back to Zabbix in the action's commit, when the alert came from a Zabbix
 * integration with a way back. `who` and `text` make the message Zabbix shows.
 */
export async function stageZabbixSync(
  deps: Deps,
  op: Deno.AtomicOperation,
  a: Alert,
  action: ZabbixAction,
  who: string,
  text: string | undefined,
  now: number,
): Promise<void> {
  if (a.integrationType !== "zabbix" || !zabbixEventId(a)) return;
  const integration = (await deps.kv.get<Integration>(keys.integration(a.integrationId))).value;
  if (!integration?.zabbix) return;
  const verb = action === "ack" ? "Acknowledged" : action === "resolve" ? "Resolved" : "Note";
  const message = `${verb} in Tocsin by ${who}${text ? `: ${text}` : ""}`.slice(0, MESSAGE_MAX);
  const id = ulid(now);
  stageTimer(op, now, {
    id,
    alertId: a.id,
    dueAt: now,
    n: 1,
    round: 0,
    kind: "zabbix",
    zabbixAction: action,
    message,
    delivery: id,
  });
}

/** What one call to Zabbix did: `transient` failures are retried. */
interface CallResult {
  ok: boolean;
  status: number;
  transient: boolean;
  detail: string;
}

/** One event.acknowledge call, with the API token as a bearer token (Zabbix 6.4 and later). */
async function callZabbix(
  deps: Deps,
  link: NonNullable<Integration["zabbix"]>,
  eventId: string,
  action: ZabbixAction,
  message: string,
): Promise<CallResult> {
  const body = JSON.stringify({
    jsonrpc: "2.0",
    method: "event.acknowledge",
    params: { eventids: [eventId], action: ACTION_BITS[action], message },
    id: 1,
  });
  let res;
  try {
    res = await sendOutbound(zabbixApiUrl(link.url), {
      headers: {
        "content-type": "application/json-rpc",
        authorization: `Bearer ${link.apiToken}`,
        "user-agent": "Tocsin",
      },
      body,
      timeoutMs: deps.config.webhookTimeoutMs,
    }, deps.config);
  } catch (e) {
    return { ok: false, status: 0, transient: false, detail: (e as Error).message };
  }
  if (res.status === 0) return { ok: false, status: 0, transient: true, detail: res.text };
  if (res.status === 429 || res.status >= 500) {
    return { ok: false, status: res.status, transient: true, detail: `HTTP ${res.status}` };
  }
  let answer: { result?: unknown; error?: { message?: string; data?: string } } | null = null;
  try {
    answer = JSON.parse(res.text);
  } catch { /* not JSON: below */ }
  if (res.status >= 200 && res.status < 300 && answer && answer.result !== undefined) {
    return { ok: true, status: res.status, transient: false, detail: "ok" };
  }
  const why = answer?.error
    ? [answer.error.message, answer.error.data].filter(Boolean).join(" ")
    : `HTTP ${res.status}, not a JSON-RPC answer`;
  // Zabbix's own refusals (bad token, no permission, manual close not allowed) never pass on retry.
  return { ok: false, status: res.status, transient: false, detail: why.slice(0, 300) };
}

/** Fires a "zabbix" timer: one attempt, its timeline entry, and the next attempt if worth it. */
export async function deliverZabbix(deps: Deps, timerId: string): Promise<boolean> {
  const { kv, fanout, clock, config } = deps;
  const t = await kv.get<Timer>(keys.timer(timerId));
  if (t.value?.kind !== "zabbix" || t.value.dueAt > clock.now()) return false;
  const timer = t.value;
  const alert = (await kv.get<Alert>(keys.alert(timer.alertId))).value;
  const integration = alert
    ? (await kv.get<Integration>(keys.integration(alert.integrationId))).value
    : null;
  const eventId = alert ? zabbixEventId(alert) : null;
  if (!alert || !integration?.zabbix || !eventId) {
    await kv.atomic().check(t).delete(t.key).commit();
    return false;
  }
  const r = await callZabbix(deps, integration.zabbix, eventId, timer.zabbixAction, timer.message);
  const retry = !r.ok && r.transient && timer.n < config.webhookMaxAttempts;
  await fanout.commit(fanout.shard(alert.conversationId), (op) => {
    const now = clock.now();
    op.check(t);
    stageDeleteTimer(op, timer);
    let retryAt: number | null = null;
    if (retry) {
      retryAt = now + WEBHOOK_BACKOFF_MS[Math.min(timer.n - 1, WEBHOOK_BACKOFF_MS.length - 1)];
      stageTimer(op, now, { ...timer, id: ulid(now), dueAt: retryAt, n: timer.n + 1 });
    }
    const e: TimelineEntry = timelineEntry(now, "webhook", null, "zabbix", {
      note: r.ok
        ? `Zabbix event ${eventId}: ${timer.zabbixAction} sent (event.acknowledge)`
        : `Zabbix event ${eventId}: ${timer.zabbixAction} failed: ${r.detail}`,
      detail: {
        target: "zabbix",
        method: "event.acknowledge",
        action: timer.zabbixAction,
        eventId,
        attempt: timer.n,
        status: r.status,
        ok: r.ok,
        ...(r.ok ? {} : { error: r.detail }),
        ...(retryAt ? { retryAt } : {}),
      },
    });
    op.set(keys.alertTimeline(alert.id, e.id), e);
    return Promise.resolve({
      hints: [{ t: "alert", c: alert.conversationId, a: alert.id }],
      result: null,
    });
  });
  return r.ok;
}
