/**
 * Event webhooks on the wire: which alert changes (and team messages) become
 * events, how an event is staged in the commit of the change itself (one
 * shared payload record, one durable delivery timer per subscription), and
 * how a delivery is sent (signed, through the one SSRF-checked client),
 * retried with exponential backoff under the same delivery id, and logged.
 * Keeping the subscriptions (create, edit, delete) is event_webhooks.ts.
 */
import { z } from "zod";
import type { Alert, TimelineEntry } from "../alerts/model.ts";
import type { Message } from "../chat/model.ts";
import { EVENT_WEBHOOK_BACKOFF_MAX_MS } from "../core/config.ts";
import type { Deps } from "../core/deps.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { stageDeleteTimer, stageTimer, type Timer } from "../jobs/timers.ts";
import { postSigned, type SignedPostResult } from "./outbound.ts";
import { conversationSubscriptions, subscriptions } from "./event_webhook_subscriptions.ts";

/** Every event a subscription can ask for. */
export const EVENT_TYPES = [
  "alert.triggered",
  "alert.acknowledged",
  "alert.resolved",
  "alert.escalated",
  "alert.assigned",
  "alert.noted",
  "message.created",
] as const;
export const EventTypeSchema = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventTypeSchema>;

/** The event of each timeline entry kind; other kinds are not sent. */
const ENTRY_EVENT = new Map<TimelineEntry["kind"], EventType>([
  ["triggered", "alert.triggered"],
  ["reopened", "alert.triggered"],
  ["acknowledged", "alert.acknowledged"],
  ["resolved", "alert.resolved"],
  ["escalated", "alert.escalated"],
  ["assigned", "alert.assigned"],
  ["note", "alert.noted"],
]);

/** A stored subscription (`event_webhooks/<id>`). */
export const EventWebhookSchema = z.object({
  id: z.string(),
  teamId: z.string(),
  name: z.string(),
  url: z.string(),
  events: z.array(EventTypeSchema),
  /** Tocsin's own JSON, or a CloudEvents 1.0 structured-mode event. */
  format: z.enum(["tocsin", "cloudevents"]),
  enabled: z.boolean(),
  /** The HMAC-SHA256 key; shown once, when created (or rotated). */
  secret: z.string(),
  /** The team's conversation, whose messages `message.created` sends. */
  conversationId: z.string().nullable(),
  createdAt: z.number(),
  createdBy: z.string(),
  updatedAt: z.number(),
});
export type EventWebhook = z.infer<typeof EventWebhookSchema>;

/** One event, as its deliveries share it (`event_webhook_events/<id>`). */
export interface WebhookEvent {
  id: string;
  type: EventType | "webhook.test";
  teamId: string;
  at: number;
  /** What it is about: `alerts/<id>` or `conversations/<id>/messages/<seq>`. */
  subject: string;
  data: Record<string, unknown>;
  /** When the stored payload expires (backup and restore keep the expiry by it). */
  expiresAt?: number;
}

/** One attempt in a subscription's delivery log. */
export const DeliveryLogEntrySchema = z.object({
  id: z.string(),
  at: z.number(),
  deliveryId: z.string(),
  type: z.string(),
  attempt: z.number(),
  /** HTTP status, or 0 when no answer came. */
  status: z.number(),
  ok: z.boolean(),
  error: z.string().optional(),
  /** When the next attempt is due; absent when this was the last one. */
  retryAt: z.number().optional(),
});
export type DeliveryLogEntry = z.infer<typeof DeliveryLogEntrySchema>;

/**
 * How long an event's payload is kept for its deliveries: well past the last retry, so that a
 * delivery an admin retries from the dead letters still finds it.
 */
const EVENT_KEPT_MS = 7 * 24 * 3_600_000;
/** Characters of an alert's summary and of a message's text put into an event. */
const TEXT_MAX = 4_000;

function origin(deps: Deps): string {
  return deps.config.publicOrigin ?? `http://localhost:${deps.config.port}`;
}

/** The timer's `alertId`: a subscription's deliveries are no alert's timers. */
const timerOwner = (webhookId: string) => `event-webhook:${webhookId}`;

/** An alert as events carry it: what a receiver acts on, without items and raw payloads. */
function alertData(alert: Alert, base: string) {
  return {
    id: alert.id,
    key: alert.key,
    status: alert.status,
    priority: alert.priority,
    title: alert.title,
    summary: alert.summary.slice(0, TEXT_MAX),
    source: alert.source,
    labels: alert.labels,
    teamId: alert.teamId,
    integrationId: alert.integrationId,
    conversationId: alert.conversationId,
    assigneeId: alert.assigneeId,
    dueAt: alert.dueAt,
    firingCount: alert.firingCount,
    createdAt: alert.createdAt,
    updatedAt: alert.updatedAt,
    acknowledgedAt: alert.acknowledgedAt,
    acknowledgedBy: alert.acknowledgedBy,
    resolvedAt: alert.resolvedAt,
    resolvedBy: alert.resolvedBy,
    url: `${base}/alerts/${alert.id}`,
  };
}

/** Stages one event and a delivery timer per subscription that wants it. */
function stageEvent(
  op: Deno.AtomicOperation,
  ev: WebhookEvent,
  targets: EventWebhook[],
  now: number,
): void {
  op.set(keys.eventWebhookEvent(ev.id), { ...ev, expiresAt: ev.at + EVENT_KEPT_MS }, {
    expireIn: EVENT_KEPT_MS,
  });
  for (const s of targets) {
    const id = ulid(now);
    stageTimer(op, now, {
      id,
      alertId: timerOwner(s.id),
      kind: "event_webhook",
      dueAt: now,
      n: 1,
      round: 0,
      webhookId: s.id,
      eventId: ev.id,
      delivery: id,
    });
  }
}

/**
 * The events of an alert change, staged in the change's own commit: for each
 * timeline entry that is an event (triggered, acknowledged, resolved,
 * escalated, assigned, noted), a delivery to every enabled subscription of the
 * alert's team that asked for it.
 */
export async function stageEventWebhooks(
  deps: Deps,
  op: Deno.AtomicOperation,
  alert: Alert,
  entries: readonly TimelineEntry[],
  now: number,
): Promise<void> {
  const wanted = entries.filter((e) => ENTRY_EVENT.has(e.kind));
  if (wanted.length === 0) return;
  const subs = await subscriptions<EventWebhook>(deps.kv, keys.eventWebhooksByTeam(alert.teamId));
  if (subs.length === 0) return;
  const base = origin(deps);
  for (const e of wanted) {
    const type = ENTRY_EVENT.get(e.kind)!;
    const targets = subs.filter((s) => s.events.includes(type));
    if (targets.length === 0) continue;
    stageEvent(
      op,
      {
        id: ulid(now),
        type,
        teamId: alert.teamId,
        at: now,
        subject: `alerts/${alert.id}`,
        data: {
          alert: alertData(alert, base),
          entry: {
            id: e.id,
            kind: e.kind,
            at: e.at,
            by: e.by,
            via: e.via,
            ...(e.note ? { note: e.note } : {}),
            ...(e.detail ? { detail: e.detail } : {}),
          },
        },
      },
      targets,
      now,
    );
  }
}

/**
 * A message in a team's conversation, staged in the append's own commit. `version` is
 * `keys.eventWebhooksVersion()` as the append read it.
 */
export async function stageMessageWebhooks(
  deps: Deps,
  op: Deno.AtomicOperation,
  message: Message,
  now: number,
  version: Deno.KvEntryMaybe<unknown>,
): Promise<void> {
  const subs =
    (await conversationSubscriptions<EventWebhook>(deps.kv, message.conversationId, version))
      .filter((s) => s.events.includes("message.created"));
  if (subs.length === 0) return;
  stageEvent(
    op,
    {
      id: ulid(now),
      type: "message.created",
      teamId: subs[0].teamId,
      at: now,
      subject: `conversations/${message.conversationId}/messages/${message.seq}`,
      data: {
        message: {
          id: message.id,
          conversationId: message.conversationId,
          seq: message.seq,
          kind: message.kind,
          senderId: message.senderId,
          text: message.text.slice(0, TEXT_MAX),
          createdAt: message.createdAt,
        },
        url: `${origin(deps)}/c/${message.conversationId}`,
      },
    },
    subs,
    now,
  );
}

/** The CloudEvents media type of structured mode. */
export const CLOUDEVENTS_TYPE = "application/cloudevents+json; charset=utf-8";

/** The request body and its content type, in the subscription's format. */
export function renderEvent(
  s: Pick<EventWebhook, "id" | "format">,
  ev: WebhookEvent,
  deliveryId: string,
  base: string,
): { body: string; contentType: string } {
  const time = new Date(ev.at).toISOString();
  if (s.format === "cloudevents") {
    return {
      contentType: CLOUDEVENTS_TYPE,
      body: JSON.stringify({
        specversion: "1.0",
        id: deliveryId,
        source: `${base}/teams/${ev.teamId}`,
        type: `tocsin.${ev.type}`,
        subject: ev.subject,
        time,
        datacontenttype: "application/json",
        data: ev.data,
      }),
    };
  }
  return {
    contentType: "application/json",
    body: JSON.stringify({
      id: deliveryId,
      type: ev.type,
      time,
      teamId: ev.teamId,
      webhookId: s.id,
      subject: ev.subject,
      data: ev.data,
    }),
  };
}

/** Sends one attempt (never throws: see postSigned). */
export async function sendEvent(
  deps: Deps,
  s: EventWebhook,
  ev: WebhookEvent,
  deliveryId: string,
): Promise<SignedPostResult> {
  const { body, contentType } = renderEvent(s, ev, deliveryId, origin(deps));
  return await postSigned(s.url, s.secret, body, {
    now: deps.clock.now(),
    deliveryId,
    timeoutMs: deps.config.webhookTimeoutMs,
    policy: deps.config,
    headers: { "content-type": contentType, "x-tocsin-event": ev.type },
  });
}

/** The wait before attempt `n + 1`: the base, doubled per attempt, at most the cap. */
export function backoffMs(base: number, n: number): number {
  return Math.min(base * 2 ** Math.min(n - 1, 30), EVENT_WEBHOOK_BACKOFF_MAX_MS);
}

/** Adds an attempt to a subscription's log and drops the oldest beyond the kept number. */
export async function stageLogEntry(
  deps: Deps,
  op: Deno.AtomicOperation,
  webhookId: string,
  entry: DeliveryLogEntry,
): Promise<void> {
  op.set(keys.eventWebhookLog(webhookId, entry.id), entry);
  const kept = Math.max(1, deps.config.eventWebhookLogKept);
  let n = 0;
  for await (
    const e of deps.kv.list({ prefix: keys.eventWebhookLogAll(webhookId) }, {
      reverse: true,
      limit: kept + 20,
    })
  ) {
    // The new entry is not listed yet: it is the kept-th.
    if (++n >= kept) op.delete(e.key);
  }
}

/**
 * Delivers one attempt of an event webhook. The request leaves before the
 * commit that records it, so a crash in between repeats it: receivers
 * de-duplicate by X-Tocsin-Delivery (the CloudEvents `id`), the same for
 * every attempt of one delivery.
 */
export async function deliverEventWebhook(deps: Deps, timerId: string): Promise<boolean> {
  const { kv, clock, config } = deps;
  const t = await kv.get<Timer>(keys.timer(timerId));
  if (t.value?.kind !== "event_webhook" || t.value.dueAt > clock.now()) return false;
  const timer = t.value;
  const [s, ev] = await kv.getMany<[EventWebhook, WebhookEvent]>([
    keys.eventWebhook(timer.webhookId),
    keys.eventWebhookEvent(timer.eventId),
  ]);
  if (!s.value || !s.value.enabled || !ev.value) {
    // Deleted or disabled since, or the payload expired: nothing to send.
    const op = kv.atomic().check(t);
    stageDeleteTimer(op, timer);
    await op.commit();
    return false;
  }
  const res = await sendEvent(deps, s.value, ev.value, timer.delivery);
  const retry = !res.ok && res.transient && timer.n < config.eventWebhookMaxAttempts;
  const now = clock.now();
  const op = kv.atomic().check(t);
  stageDeleteTimer(op, timer);
  let retryAt: number | undefined;
  if (retry) {
    retryAt = now + backoffMs(config.eventWebhookBackoffMs, timer.n);
    stageTimer(op, now, { ...timer, id: ulid(now), dueAt: retryAt, n: timer.n + 1, failures: 0 });
  }
  await stageLogEntry(deps, op, s.value.id, {
    id: ulid(now),
    at: now,
    deliveryId: timer.delivery,
    type: ev.value.type,
    attempt: timer.n,
    status: res.status,
    ok: res.ok,
    ...(res.ok ? {} : { error: res.detail.slice(0, 200) }),
    ...(retryAt ? { retryAt } : {}),
  });
  await deps.fanout.commitUnlogged(op);
  return res.ok;
}
