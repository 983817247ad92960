/**
 * Paging: who is notified about an unacknowledged alert, and when again. The steps are the
 * reminders (reminders.ts) and the levels of the alert's escalation policy (policies.ts).
 *
 * Every step is a durable timer (lib/jobs/timers.ts); firing one is a single
 * commit that deletes the timer, notifies (a system message in the alert's
 * conversation naming who was notified), writes the timeline entry and
 * schedules the next step. Acknowledging or resolving deletes the timers in
 * its own commit, so exactly one of "acked" and "escalated after ack" wins.
 */
import { alertHints } from "../alerts/alert_hints.ts";
import { auditedAtomic } from "../audit/chain.ts";
import { named, stagePeople, upgradePeople } from "../alerts/people.ts";
import { z } from "zod";
import type { Alert, TimelineEntry } from "../alerts/model.ts";
import { timelineEntry } from "../alerts/timeline.ts";
import { SYSTEM } from "../chat/conversations.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import type { Attempt, Hint } from "../core/fanout.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { stageAppend } from "../chat/messages.ts";
import type { Head } from "../chat/model.ts";
import type { Team, User } from "../accounts/model.ts";
import { teamRole } from "../accounts/teams.ts";
import { stageDeleteTimer, stageTimer, type Timer, timersOf } from "../jobs/timers.ts";
import { reportsUnreachable, stagePersonal } from "../notify/personal_timers.ts";
import { teamReach } from "../notify/reach.ts";
import { type EscalationPolicy, resolveTargets, type SkippedTarget } from "./policies.ts";
import { type FiredStep, getReminderSettings, nextReminder, stageReminder } from "./reminders.ts";
import { stageEventWebhooks } from "../notify/event_webhook_delivery.ts";
import { escalatedToLastDelta, stageDeltas, stagePageRollups } from "../reports/rollups.ts";

async function levelTargets(deps: Deps, alert: Alert, level: number, now: number) {
  const { kv } = deps;
  // An archived team pages nobody (its alerts stay, its history too).
  if ((await kv.get<Team>(keys.team(alert.teamId))).value?.archivedAt !== undefined) {
    return { policy: null, userIds: [] as string[], skipped: [] as SkippedTarget[] };
  }
  const policy = alert.paging.policyId
    ? (await kv.get<EscalationPolicy>(keys.escalationPolicy(alert.paging.policyId))).value
    : null;
  if (!policy) {
    // No policy: the whole team (from the per-process copy while no commit changed it).
    return {
      policy: null,
      userIds: [...(await teamReach(kv, alert.teamId, deps.config.reachCacheMs)).members],
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
  const { policy, userIds, skipped } = await levelTargets(deps, alert, 0, now);
  if (!policy) alert.paging.policyId = null;
  stagePeople(op, alert.id, alert.people, "notified", userIds);
  await stagePageRollups(kv, op, alert, userIds, now, deps.config);
  const unreachable = await stagePersonal(deps, op, alert, userIds, now);
  const reminder = nextReminder(await getReminderSettings(kv), alert.priority, 0, now, alert.id);
  if (reminder) stageTimer(op, now, reminder);
  const esc = nextEscalation(policy, 0, 0, now, alert.id);
  if (esc) stageTimer(op, now, esc);
  const entry = timelineEntry(now, "notified", null, "in-app", {
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
    // Without a kind: everything that pages or waits to act, but not deliveries already decided,
    // nor an assignee's deadline (an acknowledged alert is still a task; it checks itself).
    const decided = e.value.kind === "webhook" || e.value.kind === "robot" ||
      e.value.kind === "zabbix" || e.value.kind === "overdue";
    if (kind ? e.value.kind !== kind : decided) {
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
  const { kv, fanout } = deps;
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
  return await fanout.commit<boolean>(
    fanout.shard(alert0.conversationId),
    (op) => stageFire(deps, op, timerId, alert0, actor),
  );
}

/** One attempt of fireTimer's commit: re-reads the timer and the alert, and stages the step. */
async function stageFire(
  deps: Deps,
  op: Deno.AtomicOperation,
  timerId: string,
  alert0: Alert,
  actor?: { by: string; via: string },
): Promise<Attempt<boolean>> {
  const { kv, clock } = deps;
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
  const step = t.value.kind === "reminder"
    ? await stageReminder(kv, op, alert, t.value, now)
    : await stageEscalation(deps, op, alert, t.value, now);
  if (!step) return { hints: [], result: false };
  // Escalation steps count their pages in stageEscalation; a reminder's are counted here.
  if (step.event === "reminder") {
    await stagePageRollups(kv, op, alert, step.notify, now, deps.config);
  }
  const entry = actor ? { ...step.entry, by: actor.by, via: actor.via } : step.entry;
  const msg = stageAppend(op, head, alert.conversationId, {
    kind: "system",
    senderId: null,
    text: alert.title,
    alertId: alert.id,
    system: { event: step.event, actorId: SYSTEM, ...named(step.notify), title: alert.title },
  }, now);
  op.set(keys.alert(alert.id), alert).set(keys.alertTimeline(alert.id, entry.id), entry);
  await stageEventWebhooks(deps, op, alert, [entry], now);
  const hints: Hint[] = [
    { t: "msg", c: alert.conversationId, s: msg.seq },
    ...alertHints(alert),
  ];
  return { hints, result: true };
}

/**
 * Stages a due escalation step inside the firing commit: the alert moves to the timer's level
 * and round, that level's targets are notified, and the next step is scheduled.
 */
async function stageEscalation(
  deps: Deps,
  op: Deno.AtomicOperation,
  alert: Alert,
  timer: Pick<Timer, "n" | "round">,
  now: number,
): Promise<FiredStep> {
  const { policy, userIds, skipped } = await levelTargets(deps, alert, timer.n, now);
  alert.paging = { ...alert.paging, level: timer.n, round: timer.round };
  stagePeople(op, alert.id, alert.people, "notified", userIds);
  await stagePageRollups(deps.kv, op, alert, userIds, now, deps.config);
  // Reports count an escalation that reached the policy's last level once per round-0 climb.
  const lastLevel = !!policy && timer.n > 0 && timer.n === policy.levels.length - 1 &&
    timer.round === 0;
  if (lastLevel) stageDeltas(op, [escalatedToLastDelta(alert, deps.config.reportTimeZone)]);
  const unreachable = await stagePersonal(deps, op, alert, userIds, now);
  const entry = timelineEntry(now, "escalated", null, "in-app", {
    detail: {
      ...named(userIds),
      level: timer.n,
      round: timer.round,
      ...(lastLevel ? { lastLevel: true } : {}),
      ...unreachableDetail(alert, unreachable),
      ...skippedDetail(skipped),
    },
  });
  const next = nextEscalation(policy, timer.n, timer.round, now, alert.id);
  if (next) stageTimer(op, now, next);
  return { event: "escalated", notify: userIds, entry };
}

/**
 * Stages an escalation to the next level of the alert's policy (the whole team without one)
 * inside the caller's commit, replacing a pending escalation step: an overdue task's escalation
 * (lib/paging/overdue.ts). Mutates `alert`.
 */
export async function stageEscalateNext(
  deps: Deps,
  op: Deno.AtomicOperation,
  alert: Alert,
  now: number,
): Promise<FiredStep> {
  const policy = alert.paging.policyId
    ? (await deps.kv.get<EscalationPolicy>(keys.escalationPolicy(alert.paging.policyId))).value
    : null;
  const levels = policy?.levels.length ?? 1;
  const level = alert.paging.level + 1 < levels ? alert.paging.level + 1 : 0;
  const round = level === 0 && policy ? alert.paging.round + 1 : alert.paging.round;
  await stageCancelPaging(deps.kv, op, alert.id, "escalation");
  return await stageEscalation(deps, op, alert, { n: level, round }, now);
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
  const op = auditedAtomic(kv, clock, {
    actor: user,
    action: "alert.escalate",
    target: { type: "alert", id: alertId },
    detail: { level, round, via },
  });
  await stageCancelPaging(kv, op, alertId, "escalation");
  const t: Timer = { id: ulid(now), alertId, kind: "escalation", dueAt: now, n: level, round };
  stageTimer(op, now, t);
  const res = await deps.fanout.commitUnlogged(op);
  if (!res.ok) throw new ApiError("conflict", "the alert changed; retry");
  await fireTimer(deps, t.id, { by: user.id, via });
}
