/**
 * Ingest: a source's event becomes a new alert or a change to the open alert under its key.
 * Each event is one atomic commit: the alert, its dedup index, timeline entries, the card
 * message for a new alert, paging, robots, automation, and the fanout hint that updates every
 * client.
 */
import { wordMasker } from "../chat/sensitive_words.ts";
import { stageWarRoomSummary } from "./war_room.ts";
import type { Alert, AlertEvent, TimelineEntry } from "./model.ts";
import { fit, mergeItems } from "./alert_fit.ts";
import { sha256Hex } from "../core/crypto.ts";
import type { Deps } from "../core/deps.ts";
import { stageCancelPaging, stageStartPaging } from "../paging/escalation.ts";
import { ApiError } from "../core/errors.ts";
import type { Hint } from "../core/fanout.ts";
import { ulid } from "../core/ids.ts";
import type { Integration } from "./integrations.ts";
import { keys } from "../core/keys.ts";
import { stageAppend } from "../chat/messages.ts";
import type { Head } from "../chat/model.ts";
import type { Team } from "../accounts/model.ts";
import { decide, leastBusy, type RouteDecision } from "./routing.ts";
import { stageOnFiring, stageOnOpen } from "./automation.ts";
import { stageRobotEvent } from "../notify/robots.ts";
import { isOpen } from "./queries.ts";
import { stageAlertIndexes } from "./alert_index.ts";
import { stageNoteIndex } from "../search/indexing.ts";
import { timelineEntry as entry } from "./timeline.ts";
import { maskEvent, redactEvent, redactRaw } from "./redact.ts";
import { stageEventWebhooks } from "../notify/event_webhook_delivery.ts";
import { activeSilence } from "./silences.ts";
import { stageAlertRollups } from "../reports/rollups.ts";

/**
 * Size bounds in characters. KV stores strings as V8 serialises them: two bytes per character
 * once any character is outside Latin-1 (Chinese, emoji), so 30,000 characters stay under 60 KB
 * of the 64 KiB value limit whatever the text.
 */
const RAW_MAX = 30_000;
/** Longest dedup key kept as it is; longer ones are replaced by their SHA-256. */
export const DEDUP_KEY_MAX = 200;

export interface IngestResult {
  alertId: string | null;
  /** created, updated, duplicate (delivery seen before), or ignored (nothing open to act on). */
  outcome: "created" | "updated" | "duplicate" | "ignored";
}

/** What the reads before the commit decided for one event. */
interface Plan {
  /** The timeline's `via` for this integration: "source:<type>". */
  via: string;
  keyKey: Deno.KvKey;
  deliveryKey: Deno.KvKey | null;
  /** Where a new alert goes; null when an open alert already holds the key. */
  decision: RouteDecision | null;
  conversationId: string;
}

/**
 * Options of applyEvent. `stage` runs inside each attempt of the commit, after the alert's
 * reads: it adds the caller's own checks and writes (a heartbeat's state, its timer), so that
 * they and the alert commit together. It returns false when the caller's state changed and the
 * event no longer applies: then nothing is committed and the outcome is "ignored".
 */
export interface ApplyOptions {
  stage?: (op: Deno.AtomicOperation, now: number) => Promise<boolean>;
}

/** One attempt of the commit: what it stages besides the alert record. */
interface Step {
  deps: Deps;
  op: Deno.AtomicOperation;
  now: number;
  via: string;
  hints: Hint[];
  timeline: TimelineEntry[];
}

/**
 * Applies one source event in one atomic commit. Answer the sender only
 * after this returns: then the alert is stored.
 */
export async function applyEvent(
  deps: Deps,
  integration: Integration,
  event: AlertEvent,
  raw: string,
  opts: ApplyOptions = {},
): Promise<IngestResult> {
  const { kv, fanout, clock, config } = deps;
  // Credentials a sender put in its payload (the Events API's routing_key, a password in a
  // URL, a token in an annotation) are removed before anything is routed or stored.
  event = redactEvent(event);
  raw = redactRaw(raw);
  // So are the admins' sensitive words and patterns (lib/chat/sensitive_words.ts).
  const mask = await wordMasker(kv);
  if (mask) [event, raw] = [maskEvent(event, mask), mask(raw)];
  const plan = await planEvent(deps, integration, event);
  const { keyKey, deliveryKey, decision, conversationId: convId } = plan;

  return await fanout.commit<IngestResult>(fanout.shard(convId), async (op) => {
    const now = clock.now();
    const [idx, seen] = await kv.getMany<[string, string]>([keyKey, deliveryKey ?? keyKey]);
    if (deliveryKey && seen.value) return { done: { alertId: seen.value, outcome: "duplicate" } };
    const current = idx.value ? await kv.get<Alert>(keys.alert(idx.value)) : null;
    const existing = current?.value && isOpen(current.value) ? current.value : null;
    if ((existing && existing.conversationId !== convId) || (!existing && !decision)) {
      // Another process opened or resolved this alert since the routing read: let the sender retry.
      throw new ApiError("unavailable", "the alert changed meanwhile; retry", 1);
    }
    op.check(idx);
    if (deliveryKey) op.check(seen);
    if (current) op.check(current);
    if (opts.stage && !(await opts.stage(op, now))) {
      return { done: { alertId: null, outcome: "ignored" } };
    }

    const firing = event.action === "group"
      ? (event.items ?? []).some((i) => i.status === "firing")
      : event.action === "trigger";
    const step: Step = { deps, op, now, via: plan.via, hints: [], timeline: [] };
    let alert: Alert;
    if (!existing) {
      // Nothing open under this key: only a firing event opens an alert.
      if (!firing) return { done: { alertId: null, outcome: "ignored" } };
      alert = await stageNewAlert(step, integration, event, plan, decision!);
    } else {
      const updated = await stageUpdate(step, existing, event, plan, firing);
      if (!updated) return { done: { alertId: existing.id, outcome: "ignored" } };
      alert = updated;
    }
    fit(alert, config.alertMaxItems);
    op.set(keys.alert(alert.id), alert).set(keys.alertRaw(alert.id), raw.slice(0, RAW_MAX));
    stageAlertIndexes(op, existing, alert);
    stageAlertRollups(op, existing, alert, now, config.reportTimeZone);
    // The integration's counters: sum and max never conflict with concurrent deliveries.
    op.sum(keys.integrationStat(integration.id, "events"), 1n)
      .max(keys.integrationStat(integration.id, "last"), BigInt(now));
    if (!existing) op.sum(keys.integrationStat(integration.id, "alerts"), 1n);
    for (const t of step.timeline) {
      op.set(keys.alertTimeline(alert.id, t.id), t);
      stageNoteIndex(op, alert, t);
    }
    await stageEventWebhooks(deps, op, alert, step.timeline, now);
    if (deliveryKey) op.set(deliveryKey, alert.id, { expireIn: config.deliveryDedupMs });
    return {
      hints: step.hints,
      result: { alertId: alert.id, outcome: existing ? "updated" : "created" },
    };
  });
}

/** The reads before the commit: the team, the dedup key, and where the event goes. */
async function planEvent(deps: Deps, integration: Integration, event: AlertEvent): Promise<Plan> {
  const { kv } = deps;
  const team = (await kv.get<Team>(keys.team(integration.teamId))).value;
  if (!team?.conversationId) {
    throw new ApiError("unavailable", "the team's conversation is missing");
  }
  // Dedup keys come from senders (a groupKey, a Dedup-Key header) and KV keys hold at most 2 KiB.
  if (event.key.length > DEDUP_KEY_MAX) event.key = "sha256:" + await sha256Hex(event.key);
  const keyKey = keys.alertByKey(integration.id, event.key);
  // An open alert stays where it is; a new one goes where the team's routing says.
  const idx0 = (await kv.get<string>(keyKey)).value;
  const open0 = idx0 ? (await kv.get<Alert>(keys.alert(idx0))).value : null;
  const decision = open0 && isOpen(open0) ? null : await decide(kv, team, integration, event);
  return {
    via: "source:" + integration.type,
    keyKey,
    deliveryKey: event.deliveryKey ? keys.alertDelivery(integration.id, event.deliveryKey) : null,
    decision,
    conversationId: decision ? decision.conversationId : open0!.conversationId,
  };
}

/** Opens a new alert: its card message, key index, paging, robots, automation timers, assignee. */
async function stageNewAlert(
  step: Step,
  integration: Integration,
  event: AlertEvent,
  plan: Plan,
  decision: RouteDecision,
): Promise<Alert> {
  const { deps, op, now, via, timeline } = step;
  const convId = plan.conversationId;
  const priority = decision.priority;
  const head = await deps.kv.get<Head>(keys.head(convId));
  const id = ulid(now);
  const alert = newAlert(id, integration, event, convId, (head.value?.seq ?? 0) + 1, priority, now);
  const msg = stageAppend(op, head, convId, {
    kind: "alert",
    senderId: null,
    text: alert.title,
    alertId: id,
  }, now);
  // In a group commit the card may follow another write's message: its seq is the card's.
  alert.seq = msg.seq;
  op.set(plan.keyKey, id).set(keys.alertByTeam(alert.teamId, id), now);
  timeline.push(entry(now, "triggered", null, via, { detail: { priority } }));
  timeline.push(entry(now, "routed", null, via, {
    detail: { route: decision.route, policyId: decision.policyId },
  }));
  const silence = await activeSilence(deps.kv, alert, now);
  if (silence) {
    // Stored and shown, but it pages nobody: no paging, reminders, robots or automation.
    alert.silencedBy = silence.id;
    alert.paging = { policyId: decision.policyId, level: 0, round: 0 };
    timeline.push(entry(now, "silenced", null, via, { detail: { silenceId: silence.id } }));
    step.hints.push({ t: "msg", c: convId, s: msg.seq });
    return alert;
  }
  const paging = await stageStartPaging(deps, op, alert, now, decision.policyId);
  timeline.push(paging.entry);
  await stageRobotEvent(deps, op, alert, "opened", now);
  await stageOnOpen(deps, op, alert, now);
  if (decision.assign === "least-busy") {
    const who = await leastBusy(deps.kv, paging.userIds);
    if (who) {
      alert.assigneeId = who;
      op.set(keys.alertByAssignee(who, id), now);
      timeline.push(
        entry(now, "assigned", null, "routing", {
          detail: { userId: who, rule: "least-busy" },
        }),
      );
    }
  }
  // The alert rides with its card (when small), so that members get both in one frame.
  step.hints.push({ t: "msg", c: convId, s: msg.seq, al: alert });
  return alert;
}

/** The record of a just-triggered alert, before paging and routing's assignee. */
function newAlert(
  id: string,
  integration: Integration,
  event: AlertEvent,
  conversationId: string,
  seq: number,
  priority: Alert["priority"],
  now: number,
): Alert {
  return {
    id,
    integrationId: integration.id,
    integrationType: integration.type,
    teamId: integration.teamId,
    conversationId,
    seq,
    key: event.key,
    status: "triggered",
    priority,
    title: event.title || "(untitled alert)",
    summary: event.summary,
    source: event.source,
    labels: event.labels,
    annotations: event.annotations,
    links: event.links,
    images: event.images,
    items: event.items ?? [],
    itemsOmitted: 0,
    firingCount: 1,
    firstSeenAt: now,
    lastSeenAt: now,
    createdAt: now,
    updatedAt: now,
    acknowledgedBy: null,
    acknowledgedAt: null,
    resolvedBy: null,
    resolvedAt: null,
    assigneeId: null,
    dueAt: null,
    paging: { policyId: null, level: 0, round: 0 },
    people: { notified: 0, personal: 0 },
    firings: [now],
    automations: [],
  };
}

/**
 * Applies an event to the open alert under its key. When the source acknowledged or resolved
 * it, paging stops and robots hear of it in this same commit. Null when the event does not
 * apply (an acknowledgement of an alert no longer triggered).
 */
async function stageUpdate(
  step: Step,
  existing: Alert,
  event: AlertEvent,
  plan: Plan,
  firing: boolean,
): Promise<Alert | null> {
  const { deps, op, now } = step;
  const alert: Alert = { ...existing, updatedAt: now };
  if (!(await applySourceEvent(step, alert, event, firing))) return null;
  if (alert.status === "resolved") op.delete(plan.keyKey);
  // Acknowledged or resolved by the source: paging stops in this same commit.
  if (alert.status !== "triggered" && existing.status === "triggered") {
    await stageCancelPaging(deps.kv, op, alert.id);
  }
  if (alert.status !== existing.status && alert.status !== "triggered" && !alert.silencedBy) {
    await stageRobotEvent(
      deps,
      op,
      alert,
      alert.status === "resolved" ? "resolved" : "acknowledged",
      now,
    );
  }
  step.hints.push({ t: "alert", c: plan.conversationId, a: alert.id });
  if (alert.warRoomId) step.hints.push({ t: "alert", c: alert.warRoomId, a: alert.id });
  // Resolved by the source: the war room's summary is part of this same commit.
  if (alert.status === "resolved" && existing.status !== "resolved") {
    step.hints.push(...await stageWarRoomSummary(deps, op, alert, step.timeline, now));
  }
  return alert;
}

/** Changes `alert` as the event's action says and adds timeline entries; false: does not apply. */
async function applySourceEvent(
  step: Step,
  alert: Alert,
  event: AlertEvent,
  firing: boolean,
): Promise<boolean> {
  const { deps, op, now, via, timeline, hints } = step;
  if (event.action === "group") {
    alert.items = mergeItems(alert.items, event.items ?? []);
    alert.labels = event.labels;
    alert.annotations = event.annotations;
    alert.summary = event.summary || alert.summary;
    alert.links = event.links.length ? event.links : alert.links;
    alert.images = event.images.length ? event.images : alert.images;
    if (firing) {
      alert.firingCount++;
      alert.lastSeenAt = now;
      const auto = alert.silencedBy ? NO_AUTOMATION : await stageOnFiring(deps, op, alert, now);
      timeline.push(...auto.entries);
      hints.push(...auto.hints);
      timeline.push(entry(now, "repeated", null, via, {
        detail: { firing: alert.items.filter((i) => i.status === "firing").length },
      }));
    }
    if (alert.items.every((i) => i.status === "resolved")) {
      alert.status = "resolved";
      alert.resolvedAt = now;
      alert.resolvedBy = null;
      timeline.push(entry(now, "resolved", null, via));
    }
  } else if (event.action === "trigger") {
    alert.firingCount++;
    alert.lastSeenAt = now;
    const auto = alert.silencedBy ? NO_AUTOMATION : await stageOnFiring(deps, op, alert, now);
    timeline.push(...auto.entries);
    hints.push(...auto.hints);
    alert.summary = event.summary || alert.summary;
    alert.labels = { ...alert.labels, ...event.labels };
    alert.annotations = { ...alert.annotations, ...event.annotations };
    timeline.push(entry(now, "repeated", null, via));
  } else if (event.action === "acknowledge") {
    if (alert.status !== "triggered") return false;
    alert.status = "acknowledged";
    alert.acknowledgedAt = now;
    alert.acknowledgedBy = null;
    timeline.push(entry(now, "acknowledged", null, via, event.note ? { note: event.note } : {}));
  } else if (event.action === "resolve") {
    alert.status = "resolved";
    alert.resolvedAt = now;
    alert.resolvedBy = null;
    timeline.push(entry(now, "resolved", null, via, event.note ? { note: event.note } : {}));
  } else {
    timeline.push(entry(now, "note", null, via, { note: event.note ?? "" }));
  }
  return true;
}

/** What a silenced alert's repeat runs of automation: nothing. */
const NO_AUTOMATION = { entries: [] as TimelineEntry[], hints: [] as Hint[] };
