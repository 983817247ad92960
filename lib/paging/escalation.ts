/**
 * Paging: who is notified about an unacknowledged alert, and when again.
 *
 * - Reminders by priority (admins edit the policy): the current targets are
 *   notified again every N minutes, at most M times (or until acknowledged).
 * - Escalation policies: ordered levels, each notifying users, a schedule's
 *   current on-call, or a whole team, moving to the next level after its
 *   delay without acknowledgement; the whole policy may repeat K times.
 *
 * Every step is a durable timer (lib/timers.ts); firing one is a single
 * commit that deletes the timer, notifies (a system message in the alert's
 * conversation naming who was notified), writes the timeline entry and
 * schedules the next step. Acknowledging or resolving deletes the timers in
 * its own commit, so exactly one of "acked" and "escalated after ack" wins.
 * Notifications are in-app for now; e-mail, SMS and the rest ride on the
 * same steps later.
 */
import { named, PEOPLE_CHUNK, readPeople, stagePeople, upgradePeople } from "../alerts/people.ts";
import { z } from "zod";
import type { Alert, TimelineEntry } from "../alerts/model.ts";
import type { Priority } from "../alerts/model.ts";
import { DEFAULT_REMINDER_POLICY } from "../core/config.ts";
import { SYSTEM } from "../chat/conversations.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import type { Hint } from "../core/fanout.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { checkAbsent, commitOrConflict, getManyChunked, listByIndex } from "../core/kv_util.ts";
import { stageAppend } from "../chat/messages.ts";
import { onCallAt, quietUntil, type Schedule } from "./schedules.ts";
import type { Head } from "../chat/model.ts";
import type { Team, User } from "../accounts/model.ts";
import {
  assertTeamAccess,
  listTeamMembers,
  requireTeamManager,
  teamRole,
} from "../accounts/teams.ts";
import { stageDeleteTimer, stageTimer, type Timer, timersOf } from "../jobs/timers.ts";
import { reportsUnreachable, stagePersonal } from "../notify/deliveries.ts";

export const TargetSchema = z.strictObject({
  type: z.enum(["user", "schedule", "team"]),
  id: z.string().min(1).max(64),
});
export type Target = z.infer<typeof TargetSchema>;

export const PolicyInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  teamId: z.string().min(1).max(64),
  levels: z.array(z.strictObject({
    /** Minutes without acknowledgement before moving on from this level. */
    delayMinutes: z.number().int().min(1).max(24 * 60),
    targets: z.array(TargetSchema).min(1).max(20),
  })).min(1).max(10),
  /** How many more times the whole policy runs after its last level. */
  repeat: z.number().int().min(0).max(9).default(0),
});
export type PolicyInput = z.infer<typeof PolicyInputSchema>;
/** A stored escalation policy (`escalation_policies/<id>`). */
export const EscalationPolicySchema = PolicyInputSchema.extend({
  id: z.string(),
  createdAt: z.number(),
});
export type EscalationPolicy = z.infer<typeof EscalationPolicySchema>;

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
  await kv.set(keys.reminderSettings(), s);
}

export async function createPolicy(
  deps: Deps,
  actor: User,
  input: PolicyInput,
): Promise<EscalationPolicy> {
  const { kv, clock } = deps;
  await requireTeamManager(kv, actor, input.teamId);
  const policy: EscalationPolicy = { ...input, id: ulid(clock.now()), createdAt: clock.now() };
  const op = checkAbsent(kv.atomic(), keys.escalationPolicy(policy.id))
    .set(keys.escalationPolicy(policy.id), policy)
    .set(keys.escalationPolicyByTeam(input.teamId, policy.id), policy.id);
  await stageTargets(kv, op, input.teamId, input.levels);
  await commitOrConflict(op, "could not create the policy; retry");
  return policy;
}

/** An edit replaces name, levels and repeat; the team stays. */
export const PolicyUpdateSchema = PolicyInputSchema.omit({ teamId: true });
export type PolicyUpdate = z.infer<typeof PolicyUpdateSchema>;

/**
 * Replaces a policy's name, levels and repeat (team managers only). Alerts
 * already paging under it take the new levels from their next step on.
 */
export async function updatePolicy(
  deps: Deps,
  actor: User,
  id: string,
  input: PolicyUpdate,
): Promise<EscalationPolicy> {
  const { kv } = deps;
  const entry = await kv.get<EscalationPolicy>(keys.escalationPolicy(id));
  if (!entry.value) throw notFound("policy");
  await assertTeamAccess(kv, actor, entry.value.teamId, "member", "policy");
  await requireTeamManager(kv, actor, entry.value.teamId);
  const updated: EscalationPolicy = { ...entry.value, ...input };
  const op = kv.atomic().check(entry).set(entry.key, updated);
  await stageTargets(kv, op, entry.value.teamId, input.levels);
  await commitOrConflict(op, "the policy changed; reload and retry");
  return updated;
}

/**
 * Checks every target of `levels` belongs to the team. A schedule target is
 * also re-written unchanged in the same commit: its new versionstamp makes a
 * concurrent delete of that schedule (which checks it) fail instead of
 * leaving a policy that pages a schedule that is gone.
 */
async function stageTargets(
  kv: Deno.Kv,
  op: Deno.AtomicOperation,
  teamId: string,
  levels: PolicyInput["levels"],
): Promise<void> {
  const touched = new Set<string>();
  for (const t of levels.flatMap((l) => l.targets)) {
    await checkTarget(kv, teamId, t);
    if (t.type !== "schedule" || touched.has(t.id)) continue;
    const s = await kv.get<Schedule>(keys.schedule(t.id));
    // Gone since checkTarget read it: the commit's check below fails the same way.
    if (!s.value) throw new ApiError("invalid_input", `target schedule ${t.id}: not found`);
    touched.add(t.id);
    op.check(s).set(s.key, s.value);
  }
}

/**
 * 400 unless the target belongs to the policy's team: a member of it, one of its schedules, or
 * the team itself. A target outside would receive the team's alerts (by e-mail, SMS and
 * webhook) and could not acknowledge them.
 */
async function checkTarget(kv: Deno.Kv, teamId: string, t: Target): Promise<void> {
  const ok = t.type === "user"
    ? (await teamRole(kv, teamId, t.id)) !== null
    : t.type === "team"
    ? t.id === teamId
    : (await kv.get<Schedule>(keys.schedule(t.id))).value?.teamId === teamId;
  if (!ok) {
    const what = t.type === "user"
      ? "a member of the policy's team"
      : t.type === "team"
      ? "the policy's own team"
      : "a schedule of the policy's team";
    throw new ApiError("invalid_input", `target ${t.type} ${t.id}: must be ${what}`);
  }
}

export async function listPolicies(kv: Deno.Kv, teamId: string): Promise<EscalationPolicy[]> {
  return await listByIndex<EscalationPolicy>(
    kv,
    keys.escalationPoliciesByTeam(teamId),
    keys.escalationPolicy,
  );
}

/** A policy the user may see (a member of its team; admins see all), or 404. */
export async function getPolicyFor(kv: Deno.Kv, user: User, id: string): Promise<EscalationPolicy> {
  const p = (await kv.get<EscalationPolicy>(keys.escalationPolicy(id))).value;
  if (!p) throw notFound("policy");
  await assertTeamAccess(kv, user, p.teamId, "member", "policy");
  return p;
}

/** Sets (or clears) the team's default escalation policy for new alerts. */
export async function setTeamPolicy(
  deps: Deps,
  actor: User,
  teamId: string,
  policyId: string | null,
) {
  const { kv } = deps;
  await requireTeamManager(kv, actor, teamId);
  const op = kv.atomic();
  if (policyId) {
    const p = await kv.get<EscalationPolicy>(keys.escalationPolicy(policyId));
    if (!p.value || p.value.teamId !== teamId) {
      throw new ApiError("invalid_input", "no such policy in this team");
    }
    // A concurrent delete of the policy then fails one of the two commits.
    op.check(p);
  }
  const entry = await kv.get<Team>(keys.team(teamId));
  if (!entry.value) throw notFound("team");
  const res = await op.check(entry)
    .set(entry.key, { ...entry.value, escalationPolicyId: policyId ?? undefined }).commit();
  if (!res.ok) throw new ApiError("conflict", "the team changed; retry");
}

/** A target paging passed over, and why. */
export interface SkippedTarget {
  type: Target["type"];
  id: string;
  /** "not_member": a user (or a schedule's on-call) not in the team; "other_team": not the team's. */
  reason: "not_member" | "other_team";
}

/**
 * The users a level of `teamId`'s policy notifies at `now` (a schedule contributes whoever is
 * on call then). Targets that no longer belong to the team (a user who left it, another team's
 * schedule or team, an on-call who left) are skipped and returned, so that the team's alert
 * never goes outside it.
 */
export async function resolveTargets(
  kv: Deno.Kv,
  teamId: string,
  targets: Target[],
  now: number,
): Promise<{ userIds: string[]; skipped: SkippedTarget[] }> {
  const users = new Set<string>();
  const skipped: SkippedTarget[] = [];
  const member = async (userId: string) => (await teamRole(kv, teamId, userId)) !== null;
  for (const t of targets) {
    if (t.type === "user") {
      if (await member(t.id)) users.add(t.id);
      else skipped.push({ type: t.type, id: t.id, reason: "not_member" });
    } else if (t.type === "team") {
      if (t.id !== teamId) skipped.push({ type: t.type, id: t.id, reason: "other_team" });
      else for (const m of await listTeamMembers(kv, t.id)) users.add(m.userId);
    } else {
      const s = (await kv.get<Schedule>(keys.schedule(t.id))).value;
      if (s && s.teamId !== teamId) {
        skipped.push({ type: t.type, id: t.id, reason: "other_team" });
        continue;
      }
      const who = s ? onCallAt(s, now) : null;
      if (!who) continue;
      if (await member(who.userId)) users.add(who.userId);
      else skipped.push({ type: "user", id: who.userId, reason: "not_member" });
    }
  }
  return { userIds: [...users], skipped };
}

async function levelTargets(kv: Deno.Kv, alert: Alert, level: number, now: number) {
  // An archived team pages nobody (its alerts stay, its history too).
  if ((await kv.get<Team>(keys.team(alert.teamId))).value?.archivedAt !== undefined) {
    return { policy: null, userIds: [] as string[], skipped: [] as SkippedTarget[] };
  }
  const policy = alert.paging.policyId
    ? (await kv.get<EscalationPolicy>(keys.escalationPolicy(alert.paging.policyId))).value
    : null;
  if (!policy) {
    // No policy: the whole team.
    return {
      policy: null,
      userIds: (await listTeamMembers(kv, alert.teamId)).map((m) => m.userId),
      skipped: [],
    };
  }
  const l = policy.levels[Math.min(level, policy.levels.length - 1)];
  return { policy, ...await resolveTargets(kv, alert.teamId, l.targets, now) };
}

/** The timeline's record of targets skipped for not belonging to the team, if any. */
function skippedDetail(skipped: SkippedTarget[]) {
  return skipped.length ? { skippedTargets: skipped } : {};
}

function timelineEntry(
  now: number,
  kind: TimelineEntry["kind"],
  extra: Partial<TimelineEntry>,
): TimelineEntry {
  return { id: ulid(now), at: now, kind, by: null, via: "in-app", ...extra };
}

function nextReminder(
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

function nextEscalation(
  policy: EscalationPolicy | null,
  level: number,
  round: number,
  now: number,
  alertId: string,
) {
  if (!policy) return null;
  const last = level >= policy.levels.length - 1;
  if (last && round >= policy.repeat) return null;
  return {
    id: ulid(now),
    alertId,
    kind: "escalation" as const,
    dueAt: now + policy.levels[Math.min(level, policy.levels.length - 1)].delayMinutes * 60_000,
    n: last ? 0 : level + 1,
    round: last ? round + 1 : round,
  };
}

/**
 * Starts paging for a new (or reopened) alert, inside its commit: level 0
 * is notified (the card itself is that notification), and the first reminder
 * and escalation step are scheduled. Mutates `alert`.
 */
export async function stageStartPaging(
  deps: Deps,
  op: Deno.AtomicOperation,
  alert: Alert,
  now: number,
  /** The routed policy; undefined: the team's default. */
  policyId?: string | null,
): Promise<{ entry: TimelineEntry; userIds: string[] }> {
  const { kv } = deps;
  const team = (await kv.get<Team>(keys.team(alert.teamId))).value;
  alert.paging = {
    policyId: policyId !== undefined ? policyId : team?.escalationPolicyId ?? null,
    level: 0,
    round: 0,
  };
  const { policy, userIds, skipped } = await levelTargets(kv, alert, 0, now);
  if (!policy) alert.paging.policyId = null;
  stagePeople(op, alert.id, alert.people, "notified", userIds);
  const unreachable = await stagePersonal(deps, op, alert, userIds, now);
  const reminder = nextReminder(await getReminderSettings(kv), alert.priority, 0, now, alert.id);
  if (reminder) stageTimer(op, now, reminder);
  const esc = nextEscalation(policy, 0, 0, now, alert.id);
  if (esc) stageTimer(op, now, esc);
  const entry = timelineEntry(now, "notified", {
    detail: {
      ...named(userIds),
      level: 0,
      policyId: alert.paging.policyId,
      ...unreachableDetail(alert, unreachable),
      ...skippedDetail(skipped),
    },
  });
  return { entry, userIds };
}

/** Who of those just paged cannot be reached outside the app (no verified contact), if any. */
function unreachableDetail(alert: Alert, userIds: string[]) {
  if (!userIds.length || !reportsUnreachable(alert)) return {};
  const n = named(userIds);
  return { unreachable: n.userIds, ...(n.userCount ? { unreachableCount: n.userCount } : {}) };
}

/** Personal timers a cancelling commit deletes itself; see stageCancelPaging. */
const CANCEL_PERSONAL_MAX = 40;

/** Deletes an alert's pending timers (all, or one kind) inside a commit, checking each. */
export async function stageCancelPaging(
  kv: Deno.Kv,
  op: Deno.AtomicOperation,
  alertId: string,
  kind?: Timer["kind"],
): Promise<void> {
  let personal = 0;
  for (const e of await timersOf(kv, alertId)) {
    // Without a kind: everything that pages or waits to act, but not webhook deliveries already decided.
    if (kind ? e.value.kind !== kind : e.value.kind === "webhook" || e.value.kind === "robot") {
      continue;
    }
    // A commit holds at most 100 checks: personal timers beyond the first
    // CANCEL_PERSONAL_MAX stay, and skip themselves when due (the alert is no
    // longer triggered, or has been reopened since).
    const isPersonal = e.value.kind === "personal" || e.value.kind === "personal_batch";
    if (!kind && isPersonal && ++personal > CANCEL_PERSONAL_MAX) continue;
    op.check(e);
    stageDeleteTimer(op, e.value);
  }
}

/** Reschedules reminders after a priority change (escalation steps are left as they are). */
export async function stageRescheduleReminders(
  deps: Deps,
  op: Deno.AtomicOperation,
  alert: Alert,
  now: number,
) {
  await stageCancelPaging(deps.kv, op, alert.id, "reminder");
  const r = nextReminder(await getReminderSettings(deps.kv), alert.priority, 0, now, alert.id);
  if (r) stageTimer(op, now, r);
}

/**
 * Fires one timer: check-and-set on its record, so a redelivered queue
 * message or a concurrent sweep does nothing. True when it notified.
 */
export async function fireTimer(
  deps: Deps,
  timerId: string,
  /** Who fired it by hand ("Escalate now"), credited in the timeline instead of the app. */
  actor?: { by: string; via: string },
): Promise<boolean> {
  const { kv, fanout, clock } = deps;
  const first = await kv.get<Timer>(keys.timer(timerId));
  // Only reminders and escalation steps are fired here (the dispatcher routes the other kinds).
  if (!first.value || (first.value.kind !== "reminder" && first.value.kind !== "escalation")) {
    return false;
  }
  const alert0 = (await kv.get<Alert>(keys.alert(first.value.alertId))).value;
  if (!alert0) {
    await kv.atomic().check(first).delete(first.key).commit();
    return false;
  }
  return await fanout.commit<boolean>(fanout.shard(alert0.conversationId), async (op) => {
    const now = clock.now();
    const [t, a, head] = await kv.getMany<[Timer, Alert, Head]>([
      keys.timer(timerId),
      keys.alert(alert0.id),
      keys.head(alert0.conversationId),
    ]);
    if (!t.value || t.value.dueAt > now) return { done: false };
    op.check(t).check(a);
    stageDeleteTimer(op, t.value);
    if (!a.value || a.value.status !== "triggered") return { hints: [], result: false };
    // An archived team pages nobody: its pending reminders and escalations end here.
    if ((await kv.get<Team>(keys.team(a.value.teamId))).value?.archivedAt !== undefined) {
      return { hints: [], result: false };
    }
    const alert: Alert = { ...a.value, updatedAt: now };
    upgradePeople(op, alert);
    let entry: TimelineEntry;
    let event: "reminder" | "escalated";
    let notify: string[];
    if (t.value.kind === "reminder") {
      event = "reminder";
      notify = t.value.userIds ?? await readPeople(kv, alert, "notified");
      const deferred: Record<string, number> = {};
      if (alert.priority !== "urgent") {
        // Quiet hours: below urgent, a reminder waits for each user until their window ends.
        const users = await getManyChunked<User>(kv, notify.map((u) => keys.user(u)));
        const held = new Map<number, string[]>();
        notify = notify.filter((u, i) => {
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
              ...t.value,
              id: ulid(now),
              dueAt: end,
              userIds: userIds.slice(i, i + PEOPLE_CHUNK),
            });
          }
        }
      }
      entry = timelineEntry(now, "notified", {
        detail: {
          ...named(notify),
          reminder: t.value.n,
          level: alert.paging.level,
          ...(Object.keys(deferred).length ? { deferredUntil: deferred } : {}),
        },
      });
      if (!t.value.userIds) {
        const next = nextReminder(
          await getReminderSettings(kv),
          alert.priority,
          t.value.n,
          now,
          alert.id,
        );
        if (next) stageTimer(op, now, next);
      }
      if (notify.length === 0) {
        op.set(keys.alert(alert.id), alert).set(keys.alertTimeline(alert.id, entry.id), entry);
        return { hints: [], result: false };
      }
    } else {
      event = "escalated";
      const { policy, userIds, skipped } = await levelTargets(kv, alert, t.value.n, now);
      alert.paging = { ...alert.paging, level: t.value.n, round: t.value.round };
      stagePeople(op, alert.id, alert.people, "notified", userIds);
      notify = userIds;
      const unreachable = await stagePersonal(deps, op, alert, userIds, now);
      entry = timelineEntry(now, "escalated", {
        detail: {
          ...named(userIds),
          level: t.value.n,
          round: t.value.round,
          ...unreachableDetail(alert, unreachable),
          ...skippedDetail(skipped),
        },
      });
      const next = nextEscalation(policy, t.value.n, t.value.round, now, alert.id);
      if (next) stageTimer(op, now, next);
    }
    if (actor) entry = { ...entry, by: actor.by, via: actor.via };
    const msg = stageAppend(op, head, alert.conversationId, {
      kind: "system",
      senderId: null,
      text: alert.title,
      alertId: alert.id,
      system: { event, actorId: SYSTEM, ...named(notify), title: alert.title },
    }, now);
    op.set(keys.alert(alert.id), alert).set(keys.alertTimeline(alert.id, entry.id), entry);
    const hints: Hint[] = [
      { t: "msg", c: alert.conversationId, s: msg.seq },
      { t: "alert", c: alert.conversationId, a: alert.id },
    ];
    return { hints, result: true };
  });
}

/** "Escalate now" body: optional; `via` says where the click came from. */
export const EscalateInputSchema = z.strictObject({ via: z.enum(["api", "card"]).optional() })
  .optional();

/** "Escalate now": moves to the next level at once (from the card or the API), credited to `user`. */
export async function escalateNow(
  deps: Deps,
  user: User,
  alertId: string,
  via: "api" | "card" = "api",
): Promise<void> {
  const { kv, clock } = deps;
  const alert = (await kv.get<Alert>(keys.alert(alertId))).value;
  if (!alert || !(await teamRole(kv, alert.teamId, user.id))) throw notFound("alert");
  if (alert.status !== "triggered") throw new ApiError("conflict", `the alert is ${alert.status}`);
  const policy = alert.paging.policyId
    ? (await kv.get<EscalationPolicy>(keys.escalationPolicy(alert.paging.policyId))).value
    : null;
  if (!policy) throw new ApiError("conflict", "the alert has no escalation policy");
  const level = alert.paging.level + 1 < policy.levels.length ? alert.paging.level + 1 : 0;
  const round = level === 0 ? alert.paging.round + 1 : alert.paging.round;
  // Replace the pending escalation step with one due now, and fire it.
  const now = clock.now();
  const op = kv.atomic();
  await stageCancelPaging(kv, op, alertId, "escalation");
  const t: Timer = { id: ulid(now), alertId, kind: "escalation", dueAt: now, n: level, round };
  stageTimer(op, now, t);
  const res = await deps.fanout.commitUnlogged(op);
  if (!res.ok) throw new ApiError("conflict", "the alert changed; retry");
  await fireTimer(deps, t.id, { by: user.id, via });
}
