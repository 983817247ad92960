/**
 * Reminders by priority (admins edit the settings): the current targets are notified again every
 * N minutes, at most M times (or until acknowledged). Below urgent, a reminder waits for each
 * user's quiet hours to end.
 */
import { auditedAtomic } from "../audit/chain.ts";
import { systemClock } from "../core/clock.ts";
import { z } from "zod";
import { named, PEOPLE_CHUNK, readPeople } from "../alerts/people.ts";
import type { Alert, Priority, TimelineEntry } from "../alerts/model.ts";
import { timelineEntry } from "../alerts/timeline.ts";
import { DEFAULT_REMINDER_POLICY } from "../core/config.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { getManyChunked } from "../core/kv_util.ts";
import type { User } from "../accounts/model.ts";
import { stageTimer, type Timer } from "../jobs/timers.ts";
import { quietUntil } from "./zoned_time.ts";

const RuleSchema = z.strictObject({
  /** Minutes between reminders (fractions allowed); 0: no reminders. */
  everyMinutes: z.number().min(0).max(24 * 60),
  maxRepeats: z.number().int().min(0).max(1000).nullable(),
});
export const ReminderSettingsSchema = z.strictObject({
  urgent: RuleSchema,
  high: RuleSchema,
  medium: RuleSchema,
  low: RuleSchema,
});
export type ReminderSettings = z.infer<typeof ReminderSettingsSchema>;

export async function getReminderSettings(kv: Deno.Kv): Promise<ReminderSettings> {
  return (await kv.get<ReminderSettings>(keys.reminderSettings())).value ??
    structuredClone(DEFAULT_REMINDER_POLICY) as unknown as ReminderSettings;
}

export async function setReminderSettings(kv: Deno.Kv, s: ReminderSettings): Promise<void> {
  await auditedAtomic(kv, systemClock, {
    action: "reminders.update",
    target: { type: "settings", id: "reminders" },
  }).set(keys.reminderSettings(), s).commit();
}

/** The next reminder timer after the `n`th, or null when the priority's rule says no more. */
export function nextReminder(
  settings: ReminderSettings,
  priority: Priority,
  n: number,
  now: number,
  alertId: string,
) {
  const rule = settings[priority];
  if (rule.everyMinutes <= 0 || (rule.maxRepeats !== null && n >= rule.maxRepeats)) return null;
  return {
    id: ulid(now),
    alertId,
    kind: "reminder" as const,
    dueAt: now + rule.everyMinutes * 60_000,
    n: n + 1,
    round: 0,
  };
}

/** A due reminder timer. */
export type ReminderTimer = Extract<Timer, { kind: "reminder" }>;

/** What a fired step staged: the system message's event, whom it notifies now, its timeline entry. */
export interface FiredStep {
  event: "reminder" | "escalated";
  notify: string[];
  entry: TimelineEntry;
}

/**
 * Stages a due reminder of a triggered alert inside the firing commit: whom it notifies now, new
 * timers for those in quiet hours, and the next reminder. Null when nobody is notified now; the
 * alert and the timeline entry are then staged here, with no message.
 */
export async function stageReminder(
  kv: Deno.Kv,
  op: Deno.AtomicOperation,
  alert: Alert,
  timer: ReminderTimer,
  now: number,
): Promise<FiredStep | null> {
  let notify = timer.userIds ?? await readPeople(kv, alert, "notified");
  const deferred: Record<string, number> = {};
  if (alert.priority !== "urgent") notify = await holdQuiet(kv, op, timer, notify, deferred, now);
  const entry = timelineEntry(now, "notified", null, "in-app", {
    detail: {
      ...named(notify),
      reminder: timer.n,
      level: alert.paging.level,
      ...(Object.keys(deferred).length ? { deferredUntil: deferred } : {}),
    },
  });
  if (!timer.userIds) {
    const settings = await getReminderSettings(kv);
    const next = nextReminder(settings, alert.priority, timer.n, now, alert.id);
    if (next) stageTimer(op, now, next);
  }
  if (notify.length === 0) {
    op.set(keys.alert(alert.id), alert).set(keys.alertTimeline(alert.id, entry.id), entry);
    return null;
  }
  return { event: "reminder", notify, entry };
}

/**
 * Quiet hours: below urgent, a reminder waits for each user until their window ends. Stages one
 * timer per window end (and per PEOPLE_CHUNK users), records each held user's end in `deferred`,
 * and returns the users to notify now.
 */
async function holdQuiet(
  kv: Deno.Kv,
  op: Deno.AtomicOperation,
  timer: ReminderTimer,
  notify: string[],
  deferred: Record<string, number>,
  now: number,
): Promise<string[]> {
  const users = await getManyChunked<User>(kv, notify.map((u) => keys.user(u)));
  const held = new Map<number, string[]>();
  const awake = notify.filter((u, i) => {
    const end = quietUntil(users[i].value?.quietHours, now);
    if (end === null) return true;
    held.set(end, [...(held.get(end) ?? []), u]);
    deferred[u] = end;
    return false;
  });
  for (const [end, userIds] of held) {
    // One timer per PEOPLE_CHUNK users, so that each stays well inside a KV value.
    for (let i = 0; i < userIds.length; i += PEOPLE_CHUNK) {
      stageTimer(op, now, {
        ...timer,
        id: ulid(now),
        dueAt: end,
        userIds: userIds.slice(i, i + PEOPLE_CHUNK),
      });
    }
  }
  return awake;
}
