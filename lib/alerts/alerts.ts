/**
 * Alerts: first-class objects that show as live cards in their team's
 * conversation. Every change (a source's event, a user's action) is one
 * atomic commit: the alert, its dedup index, a timeline entry, the card
 * message for a new alert, and the fanout hint that updates every client.
 */
import { stagePeople, upgradePeople } from "./people.ts";
import { z } from "zod";
import {
  type Alert,
  type AlertEvent,
  type AlertItem,
  type Priority,
  PrioritySchema,
  type TimelineEntry,
} from "./model.ts";
import { priorityOf } from "./sources.ts";
import { sha256Hex } from "../core/crypto.ts";
import type { Deps } from "../core/deps.ts";
import {
  stageCancelPaging,
  stageRescheduleReminders,
  stageStartPaging,
} from "../paging/escalation.ts";
import { ApiError, notFound } from "../core/errors.ts";
import type { Hint } from "../core/fanout.ts";
import { ulid } from "../core/ids.ts";
import type { Integration } from "./integrations.ts";
import { keys } from "../core/keys.ts";
import { getManyChunked, lastPart, listAll } from "../core/kv_util.ts";
import { stageAppend } from "../chat/messages.ts";
import type { Head } from "../chat/model.ts";
import type { Team, User } from "../accounts/model.ts";
import { decide, leastBusy } from "./routing.ts";
import { stageOnFiring, stageOnOpen } from "./automation.ts";
import { stageRobotEvent } from "../notify/robots.ts";
import { teamRole } from "../accounts/teams.ts";

export const ActionInputSchema = z.strictObject({
  note: z.string().max(4_000).optional(),
  via: z.enum(["api", "card", "command"]).optional(),
});
export const NoteInputSchema = z.strictObject({ text: z.string().trim().min(1).max(4_000) });
export const AssignInputSchema = z.strictObject({
  userId: z.string().min(1).max(64).nullable(),
  dueAt: z.union([z.number().int().positive(), z.iso.datetime({ offset: true })]).nullish(),
  via: z.enum(["api", "card"]).optional(),
});
export const PriorityInputSchema = z.strictObject({
  priority: PrioritySchema,
  note: z.string().max(4_000).optional(),
});
export const AlertListQuerySchema = z.strictObject({
  status: z.enum(["triggered", "acknowledged", "resolved", "open"]).optional(),
  teamId: z.string().max(64).optional(),
  priority: PrioritySchema.optional(),
  assignee: z.string().max(64).optional(),
  ids: z.string().max(10_000).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

/**
 * Size bounds in characters. KV stores strings as V8 serialises them: two bytes per character
 * once any character is outside Latin-1 (Chinese, emoji), so 30,000 characters stay under 60 KB
 * of the 64 KiB value limit whatever the text.
 */
const RAW_MAX = 30_000;
/** Longest dedup key kept as it is; longer ones are replaced by their SHA-256. */
export const DEDUP_KEY_MAX = 200;
const VALUE_MAX = 30_000;

function open(a: Alert): boolean {
  return a.status !== "resolved";
}

/** Keeps an alert record under KV's 64 KiB value limit by itemising fewer group members. */
function fit(alert: Alert, maxItems: number): Alert {
  if (alert.items.length > maxItems) {
    alert.itemsOmitted += alert.items.length - maxItems;
    alert.items = alert.items.slice(0, maxItems);
  }
  while (JSON.stringify(alert).length > VALUE_MAX && alert.items.length > 1) {
    const drop = Math.ceil(alert.items.length / 4);
    alert.items = alert.items.slice(0, alert.items.length - drop);
    alert.itemsOmitted += drop;
  }
  if (JSON.stringify(alert).length > VALUE_MAX) {
    alert.annotations = {};
    alert.summary = alert.summary.slice(0, 2_000);
  }
  if (JSON.stringify(alert).length > VALUE_MAX) {
    // Last resort: whatever the sender put in labels and links, the record must fit.
    alert.labels = Object.fromEntries(
      Object.entries(alert.labels).slice(0, 20).map(([k, v]) => [k.slice(0, 100), v.slice(0, 200)]),
    );
    alert.links = alert.links.slice(0, 10);
    alert.images = alert.images.slice(0, 5);
    alert.itemsOmitted += alert.items.length;
    alert.items = [];
    alert.title = alert.title.slice(0, 300);
  }
  return alert;
}

function mergeItems(old: AlertItem[], incoming: AlertItem[]): AlertItem[] {
  const map = new Map(old.map((i) => [i.fingerprint, i]));
  for (const i of incoming) map.set(i.fingerprint, i);
  return [...map.values()];
}

function entry(
  now: number,
  kind: TimelineEntry["kind"],
  by: string | null,
  via: string,
  extra: Partial<TimelineEntry> = {},
): TimelineEntry {
  return { id: ulid(now), at: now, kind, by, via, ...extra };
}

export interface IngestResult {
  alertId: string | null;
  /** created, updated, duplicate (delivery seen before), or ignored (nothing open to act on). */
  outcome: "created" | "updated" | "duplicate" | "ignored";
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
): Promise<IngestResult> {
  const { kv, fanout, clock, config } = deps;
  const team = (await kv.get<Team>(keys.team(integration.teamId))).value;
  if (!team?.conversationId) {
    throw new ApiError("unavailable", "the team's conversation is missing");
  }
  const via = "source:" + integration.type;
  // Dedup keys come from senders (a groupKey, a Dedup-Key header) and KV keys hold at most 2 KiB.
  if (event.key.length > DEDUP_KEY_MAX) event.key = "sha256:" + await sha256Hex(event.key);
  const keyKey = keys.alertByKey(integration.id, event.key);
  // An open alert stays where it is; a new one goes where the team's routing says.
  const idx0 = (await kv.get<string>(keyKey)).value;
  const open0 = idx0 ? (await kv.get<Alert>(keys.alert(idx0))).value : null;
  const decision = open0 && open(open0) ? null : await decide(kv, team, integration, event);
  const convId = decision ? decision.conversationId : open0!.conversationId;
  const deliveryKey = event.deliveryKey
    ? keys.alertDelivery(integration.id, event.deliveryKey)
    : null;

  return await fanout.commit<IngestResult>(fanout.shard(convId), async (op) => {
    const now = clock.now();
    const [idx, seen] = await kv.getMany<[string, string]>([keyKey, deliveryKey ?? keyKey]);
    if (deliveryKey && seen.value) return { done: { alertId: seen.value, outcome: "duplicate" } };
    const current = idx.value ? await kv.get<Alert>(keys.alert(idx.value)) : null;
    const existing = current?.value && open(current.value) ? current.value : null;
    if ((existing && existing.conversationId !== convId) || (!existing && !decision)) {
      // Another process opened or resolved this alert since the routing read: let the sender retry.
      throw new ApiError("unavailable", "the alert changed meanwhile; retry", 1);
    }
    op.check(idx);
    if (deliveryKey) op.check(seen);
    if (current) op.check(current);

    const firing = event.action === "group"
      ? (event.items ?? []).some((i) => i.status === "firing")
      : event.action === "trigger";
    const priority = decision?.priority ??
      priorityOf(integration.type, event, integration.severityMap);
    const hints: Hint[] = [];
    let alert: Alert;
    const timeline: TimelineEntry[] = [];

    if (!existing) {
      // Nothing open under this key: only a firing event opens an alert.
      if (!firing) return { done: { alertId: null, outcome: "ignored" } };
      const head = await kv.get<Head>(keys.head(convId));
      const id = ulid(now);
      alert = {
        id,
        integrationId: integration.id,
        integrationType: integration.type,
        teamId: integration.teamId,
        conversationId: convId,
        seq: (head.value?.seq ?? 0) + 1,
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
      const msg = stageAppend(op, head, convId, {
        kind: "alert",
        senderId: null,
        text: alert.title,
        alertId: id,
      }, now);
      op.set(keyKey, id).set(keys.alertByTeam(alert.teamId, id), now);
      timeline.push(entry(now, "triggered", null, via, { detail: { priority } }));
      timeline.push(entry(now, "routed", null, via, {
        detail: { route: decision!.route, policyId: decision!.policyId },
      }));
      const paging = await stageStartPaging(deps, op, alert, now, decision!.policyId);
      timeline.push(paging.entry);
      await stageRobotEvent(deps, op, alert, "opened", now);
      await stageOnOpen(deps, op, alert, now);
      if (decision!.assign === "least-busy") {
        const who = await leastBusy(kv, paging.userIds);
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
      hints.push({ t: "msg", c: convId, s: msg.seq });
    } else {
      alert = { ...existing, updatedAt: now };
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
          const auto = await stageOnFiring(deps, op, alert, now);
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
        const auto = await stageOnFiring(deps, op, alert, now);
        timeline.push(...auto.entries);
        hints.push(...auto.hints);
        alert.summary = event.summary || alert.summary;
        alert.labels = { ...alert.labels, ...event.labels };
        alert.annotations = { ...alert.annotations, ...event.annotations };
        timeline.push(entry(now, "repeated", null, via));
      } else if (event.action === "acknowledge") {
        if (alert.status !== "triggered") {
          return { done: { alertId: alert.id, outcome: "ignored" } };
        }
        alert.status = "acknowledged";
        alert.acknowledgedAt = now;
        alert.acknowledgedBy = null;
        timeline.push(
          entry(now, "acknowledged", null, via, event.note ? { note: event.note } : {}),
        );
      } else if (event.action === "resolve") {
        alert.status = "resolved";
        alert.resolvedAt = now;
        alert.resolvedBy = null;
        timeline.push(entry(now, "resolved", null, via, event.note ? { note: event.note } : {}));
      } else {
        timeline.push(entry(now, "note", null, via, { note: event.note ?? "" }));
      }
      if (alert.status === "resolved") op.delete(keyKey);
      // Acknowledged or resolved by the source: paging stops in this same commit.
      if (alert.status !== "triggered" && existing.status === "triggered") {
        await stageCancelPaging(kv, op, alert.id);
      }
      if (alert.status !== existing.status && alert.status !== "triggered") {
        await stageRobotEvent(
          deps,
          op,
          alert,
          alert.status === "resolved" ? "resolved" : "acknowledged",
          now,
        );
      }
      hints.push({ t: "alert", c: convId, a: alert.id });
    }
    fit(alert, config.alertMaxItems);
    op.set(keys.alert(alert.id), alert).set(keys.alertRaw(alert.id), raw.slice(0, RAW_MAX));
    for (const t of timeline) op.set(keys.alertTimeline(alert.id, t.id), t);
    if (deliveryKey) op.set(deliveryKey, alert.id, { expireIn: config.deliveryDedupMs });
    return {
      hints,
      result: { alertId: alert.id, outcome: existing ? "updated" : "created" },
    };
  });
}

/** Loads an alert the user may see (a member of its team), or 404. */
export async function getAlertFor(kv: Deno.Kv, user: User, alertId: string): Promise<Alert> {
  const alert = (await kv.get<Alert>(keys.alert(alertId))).value;
  if (!alert || !(await teamRole(kv, alert.teamId, user.id))) throw notFound("alert");
  return alert;
}

export async function getTimeline(kv: Deno.Kv, alertId: string): Promise<TimelineEntry[]> {
  return (await listAll<TimelineEntry>(kv, keys.alertTimelineAll(alertId))).map((e) => e.value);
}

export type UserAction =
  | { kind: "ack" }
  | { kind: "resolve" }
  | { kind: "reopen" }
  | { kind: "note"; text: string }
  | { kind: "assign"; userId: string | null; dueAt: number | null }
  | { kind: "priority"; priority: Priority };

/** A user's change to an alert, as one commit with its timeline entry. 409 when it does not apply. */
export async function actOnAlert(
  deps: Deps,
  user: User,
  alertId: string,
  action: UserAction,
  opts: { note?: string; via?: string } = {},
): Promise<Alert> {
  const { kv, fanout, clock } = deps;
  const first = await getAlertFor(kv, user, alertId);
  if (
    action.kind === "assign" && action.userId && !(await teamRole(kv, first.teamId, action.userId))
  ) {
    throw new ApiError("invalid_input", "the assignee must be a member of the alert's team");
  }
  const via = opts.via ?? "api";
  const note = opts.note?.trim() ? { note: opts.note.trim() } : {};
  return await fanout.commit<Alert>(fanout.shard(first.conversationId), async (op) => {
    const now = clock.now();
    const current = await kv.get<Alert>(keys.alert(alertId));
    if (!current.value) throw notFound("alert");
    const a: Alert = { ...current.value, updatedAt: now };
    upgradePeople(op, a);
    let t: TimelineEntry;
    const extra: TimelineEntry[] = [];
    const keyKey = keys.alertByKey(a.integrationId, a.key);
    switch (action.kind) {
      case "ack":
        if (a.status !== "triggered") throw new ApiError("conflict", `the alert is ${a.status}`);
        a.status = "acknowledged";
        a.acknowledgedBy = user.id;
        a.acknowledgedAt = now;
        t = entry(now, "acknowledged", user.id, via, note);
        // Reminders and escalation stop in the same commit: a timer firing now
        // conflicts with this commit, re-reads, and finds the alert acknowledged.
        await stageCancelPaging(kv, op, a.id);
        await stageRobotEvent(deps, op, a, "acknowledged", now);
        break;
      case "resolve":
        if (a.status === "resolved") {
          throw new ApiError("conflict", "the alert is already resolved");
        }
        a.status = "resolved";
        a.resolvedBy = user.id;
        a.resolvedAt = now;
        t = entry(now, "resolved", user.id, via, note);
        await stageCancelPaging(kv, op, a.id);
        await stageRobotEvent(deps, op, a, "resolved", now);
        {
          // Free the key only if it still names this alert.
          const idx = await kv.get<string>(keyKey);
          if (idx.value === a.id) op.check(idx).delete(keyKey);
        }
        break;
      case "reopen": {
        if (a.status !== "resolved") throw new ApiError("conflict", `the alert is ${a.status}`);
        const idx = await kv.get<string>(keyKey);
        if (idx.value && idx.value !== a.id) {
          throw new ApiError("conflict", "a newer alert with the same key is open");
        }
        op.check(idx).set(keyKey, a.id);
        a.status = "triggered";
        a.resolvedAt = null;
        a.resolvedBy = null;
        a.acknowledgedAt = null;
        a.acknowledgedBy = null;
        t = entry(now, "reopened", user.id, via, note);
        await stageCancelPaging(kv, op, a.id);
        // A new epoch: everyone's personal rules are scheduled afresh.
        stagePeople(op, a.id, a.people, "personal", []);
        a.epoch = (a.epoch ?? 0) + 1;
        extra.push((await stageStartPaging(deps, op, a, now)).entry);
        a.automations = [];
        await stageOnOpen(deps, op, a, now);
        break;
      }
      case "note":
        t = entry(now, "note", user.id, via, { note: action.text });
        break;
      case "assign":
        if (a.assigneeId) op.delete(keys.alertByAssignee(a.assigneeId, a.id));
        if (action.userId) op.set(keys.alertByAssignee(action.userId, a.id), now);
        a.assigneeId = action.userId;
        a.dueAt = action.dueAt;
        t = entry(now, "assigned", user.id, via, {
          ...note,
          detail: { userId: action.userId, dueAt: action.dueAt },
        });
        break;
      case "priority":
        if (a.priority === action.priority) return { done: a };
        t = entry(now, "priority", user.id, via, {
          ...note,
          detail: { from: a.priority, to: action.priority },
        });
        a.priority = action.priority;
        if (a.status === "triggered") await stageRescheduleReminders(deps, op, a, now);
        break;
    }
    op.check(current).set(keys.alert(a.id), a).set(keys.alertTimeline(a.id, t.id), t);
    for (const x of extra) op.set(keys.alertTimeline(a.id, x.id), x);
    return { hints: [{ t: "alert", c: a.conversationId, a: a.id }], result: a };
  });
}

/** A note, or a command typed into the alert's thread: /ack, /resolve, /reopen (rest of line = note). */
export async function noteOrCommand(deps: Deps, user: User, alertId: string, text: string) {
  const m = /^\/(ack|acknowledge|resolve|reopen)\b\s*([\s\S]*)$/i.exec(text.trim());
  if (!m) return await actOnAlert(deps, user, alertId, { kind: "note", text });
  const kind = m[1].toLowerCase() === "acknowledge"
    ? "ack"
    : m[1].toLowerCase() as "ack" | "resolve" | "reopen";
  return await actOnAlert(deps, user, alertId, { kind }, { note: m[2], via: "command" });
}

/** Alerts of the caller's teams (or of one team), newest first, filtered. */
export async function listAlerts(
  deps: Deps,
  user: User,
  q: z.infer<typeof AlertListQuerySchema>,
): Promise<Alert[]> {
  const { kv, config } = deps;
  const limit = Math.min(q.limit ?? config.alertListLimit, 500);
  let ids: string[];
  if (q.ids) {
    ids = q.ids.split(",").filter(Boolean).slice(0, 200);
  } else if (q.assignee) {
    const who = q.assignee === "me" ? user.id : q.assignee;
    ids = (await listAll(kv, keys.alertsByAssignee(who), 5_000)).map((e) => lastPart(e.key))
      .reverse();
  } else {
    const teams = q.teamId
      ? [q.teamId]
      : (await listAll(kv, keys.teamsByUser(user.id))).map((e) => lastPart(e.key));
    ids = [];
    for (const t of teams) {
      if (!(await teamRole(kv, t, user.id))) continue;
      for await (
        const e of kv.list({ prefix: keys.alertsByTeam(t) }, { reverse: true, limit: 5_000 })
      ) {
        ids.push(lastPart(e.key));
      }
    }
    ids.sort().reverse();
  }
  const alerts = (await getManyChunked<Alert>(kv, ids.map((id) => keys.alert(id))))
    .flatMap((e) => e.value ? [e.value] : []);
  const mine = new Map<string, boolean>();
  const out: Alert[] = [];
  for (const a of alerts) {
    if (!mine.has(a.teamId)) mine.set(a.teamId, (await teamRole(kv, a.teamId, user.id)) !== null);
    if (!mine.get(a.teamId)) continue;
    if (q.status === "open" ? !open(a) : q.status && a.status !== q.status) continue;
    if (q.priority && a.priority !== q.priority) continue;
    if (q.teamId && a.teamId !== q.teamId) continue;
    out.push(a);
    if (out.length >= limit) break;
  }
  return out;
}
