/**
 * What users do to alerts: acknowledge, resolve, reopen, note, assign, change priority. Each is
 * one commit with its timeline entry; paging, robots and automation follow in the same commit.
 */
import { stageAudit, withMeta } from "../audit/chain.ts";
import { z } from "zod";
import { stagePeople, upgradePeople } from "./people.ts";
import { type Alert, type Priority, PrioritySchema, type TimelineEntry } from "./model.ts";
import type { Deps } from "../core/deps.ts";
import {
  stageCancelPaging,
  stageRescheduleReminders,
  stageStartPaging,
} from "../paging/escalation.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import type { User } from "../accounts/model.ts";
import { stageOnOpen } from "./automation.ts";
import { stageRobotEvent } from "../notify/robots.ts";
import { teamRole } from "../accounts/teams.ts";
import { getAlertFor } from "./queries.ts";
import { stageAlertIndexes } from "./alert_index.ts";
import { stageNoteIndex } from "../search/indexing.ts";
import { timelineEntry as entry } from "./timeline.ts";
import { stageEventWebhooks } from "../notify/event_webhook_delivery.ts";
import { stageZabbixSync } from "./zabbix_sync.ts";
import { stageOverdue } from "../paging/overdue.ts";
import { stageAlertRollups } from "../reports/rollups.ts";
import { alertHints } from "./alert_hints.ts";
import { stageWarRoomSummary } from "./war_room.ts";

export const ActionInputSchema = z.strictObject({
  note: z.string().max(4_000).optional(),
  via: z.enum(["api", "card", "command"]).optional(),
});
/** Alerts one bulk request may act on: each is its own commit. */
export const BULK_MAX = 100;
export const BulkActionInputSchema = z.strictObject({
  action: z.enum(["ack", "resolve"]),
  ids: z.array(z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/)).min(1).max(BULK_MAX),
  note: z.string().max(4_000).optional(),
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
  const by: Actor = {
    userId: user.id,
    via: opts.via ?? "api",
    note: opts.note?.trim() ? { note: opts.note.trim() } : {},
  };
  const audit = withMeta({
    actor: user,
    action: `alert.${action.kind}`,
    target: { type: "alert", id: alertId },
    detail: auditDetail(action, opts.via),
  });
  return await fanout.commit<Alert>(fanout.shard(first.conversationId), async (op) => {
    const now = clock.now();
    const current = await kv.get<Alert>(keys.alert(alertId));
    if (!current.value) throw notFound("alert");
    const a: Alert = { ...current.value, updatedAt: now };
    upgradePeople(op, a);
    const entries = await stageAction(deps, op, a, action, by, now);
    if (!entries) return { done: a };
    await stageAudit(kv, op, clock, audit);
    // Zabbix two-way: the source hears of acks, resolves and notes (a no-op for other sources).
    if (action.kind === "ack" || action.kind === "resolve" || action.kind === "note") {
      const text = action.kind === "note" ? action.text : by.note.note;
      await stageZabbixSync(deps, op, a, action.kind, user.name || user.email, text, now);
    }
    op.check(current).set(keys.alert(a.id), a);
    stageAlertIndexes(op, current.value, a);
    stageAlertRollups(op, current.value, a, now, deps.config.reportTimeZone);
    for (const t of entries) {
      op.set(keys.alertTimeline(a.id, t.id), t);
      stageNoteIndex(op, a, t);
    }
    await stageEventWebhooks(deps, op, a, entries, now);
    // Resolved now: the war room's summary is part of this same commit (lib/alerts/war_room.ts).
    const summary = action.kind === "resolve"
      ? await stageWarRoomSummary(deps, op, a, entries, now)
      : [];
    return { hints: [...alertHints(a), ...summary], result: a };
  });
}

/** What an alert action's audit entry says besides its verb (never a note's text). */
function auditDetail(action: UserAction, via?: string): Record<string, unknown> {
  const d: Record<string, unknown> = { via: via ?? "api" };
  if (action.kind === "assign") Object.assign(d, { userId: action.userId, dueAt: action.dueAt });
  if (action.kind === "priority") d.priority = action.priority;
  return d;
}

/** Who acts and how: the user, the channel (api, card, command) and the optional note. */
interface Actor {
  userId: string;
  via: string;
  note: { note?: string };
}

/**
 * Applies `action` to `a` (a copy of the stored alert) and stages its side effects in `op`.
 * Returns the timeline entries to write, the action's own first; null when nothing changes.
 */
async function stageAction(
  deps: Deps,
  op: Deno.AtomicOperation,
  a: Alert,
  action: UserAction,
  by: Actor,
  now: number,
): Promise<TimelineEntry[] | null> {
  const { kv } = deps;
  const { userId, via, note } = by;
  const keyKey = keys.alertByKey(a.integrationId, a.key);
  switch (action.kind) {
    case "ack": {
      if (a.status !== "triggered") throw new ApiError("conflict", `the alert is ${a.status}`);
      a.status = "acknowledged";
      a.acknowledgedBy = userId;
      a.acknowledgedAt = now;
      const t = entry(now, "acknowledged", userId, via, note);
      // Reminders and escalation stop in the same commit: a timer firing now
      // conflicts with this commit, re-reads, and finds the alert acknowledged.
      await stageCancelPaging(kv, op, a.id);
      if (!a.silencedBy) await stageRobotEvent(deps, op, a, "acknowledged", now);
      return [t];
    }
    case "resolve": {
      if (a.status === "resolved") {
        throw new ApiError("conflict", "the alert is already resolved");
      }
      a.status = "resolved";
      a.resolvedBy = userId;
      a.resolvedAt = now;
      const t = entry(now, "resolved", userId, via, note);
      await stageCancelPaging(kv, op, a.id);
      if (!a.silencedBy) await stageRobotEvent(deps, op, a, "resolved", now);
      // Free the key only if it still names this alert.
      const idx = await kv.get<string>(keyKey);
      if (idx.value === a.id) op.check(idx).delete(keyKey);
      return [t];
    }
    case "reopen":
      return await stageReopen(deps, op, a, by, now);
    case "note":
      return [entry(now, "note", userId, via, { note: action.text })];
    case "assign":
      if (a.assigneeId) op.delete(keys.alertByAssignee(a.assigneeId, a.id));
      if (action.userId) op.set(keys.alertByAssignee(action.userId, a.id), now);
      a.assigneeId = action.userId;
      a.dueAt = action.dueAt;
      // A deadline chases the assignee once it passes (lib/paging/overdue.ts); one already past
      // when set was chosen knowingly and is only shown as overdue.
      await stageCancelPaging(kv, op, a.id, "overdue");
      if (a.assigneeId && a.dueAt !== null && a.dueAt > now && a.status !== "resolved") {
        stageOverdue(op, a.id, a.dueAt, now);
      }
      return [entry(now, "assigned", userId, via, {
        ...note,
        detail: { userId: action.userId, dueAt: action.dueAt },
      })];
    case "priority": {
      if (a.priority === action.priority) return null;
      const t = entry(now, "priority", userId, via, {
        ...note,
        detail: { from: a.priority, to: action.priority },
      });
      a.priority = action.priority;
      if (a.status === "triggered") await stageRescheduleReminders(deps, op, a, now);
      return [t];
    }
  }
}

/** Reopens a resolved alert under its key as a new epoch: paging and automation start afresh. */
async function stageReopen(
  deps: Deps,
  op: Deno.AtomicOperation,
  a: Alert,
  by: Actor,
  now: number,
): Promise<TimelineEntry[]> {
  const { kv } = deps;
  const keyKey = keys.alertByKey(a.integrationId, a.key);
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
  const t = entry(now, "reopened", by.userId, by.via, by.note);
  await stageCancelPaging(kv, op, a.id);
  // A new epoch: everyone's personal rules are scheduled afresh.
  stagePeople(op, a.id, a.people, "personal", []);
  a.epoch = (a.epoch ?? 0) + 1;
  const paging = (await stageStartPaging(deps, op, a, now)).entry;
  a.automations = [];
  await stageOnOpen(deps, op, a, now);
  return [t, paging];
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
