/**
 * Overdue tasks: an alert assigned with a deadline (`assigneeId` + `dueAt`) and still open at the
 * deadline reminds its assignee (a reminder in the alert's conversation and their personal
 * notification rules), and TOCSIN_OVERDUE_ESCALATE_MINUTES later, still open, escalates along the
 * team's policy. Both steps are one durable timer (kind "overdue", `n` 0 then 1), staged by the
 * assign action in its commit; firing is check-and-set on the timer, the alert and the head.
 */
import { alertHints } from "../alerts/alert_hints.ts";
import { named, upgradePeople } from "../alerts/people.ts";
import type { Alert } from "../alerts/model.ts";
import { timelineEntry } from "../alerts/timeline.ts";
import { SYSTEM } from "../chat/conversations.ts";
import type { Deps } from "../core/deps.ts";
import type { Hint } from "../core/fanout.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { stageAppend } from "../chat/messages.ts";
import type { Head } from "../chat/model.ts";
import type { Team } from "../accounts/model.ts";
import { stageDeleteTimer, stageTimer, type Timer } from "../jobs/timers.ts";
import { stagePersonal } from "../notify/personal_timers.ts";
import { stageEscalateNext } from "./escalation.ts";

/** Stages the deadline of an assignment (in the assign commit): the first step at `dueAt`. */
export function stageOverdue(
  op: Deno.AtomicOperation,
  alertId: string,
  dueAt: number,
  now: number,
) {
  stageTimer(op, now, { id: ulid(now), alertId, kind: "overdue", dueAt, n: 0, round: 0 });
}

/** Fires an overdue step; true when it reminded or escalated. */
export async function fireOverdue(deps: Deps, timerId: string): Promise<boolean> {
  const { kv, fanout, clock } = deps;
  const first = await kv.get<Timer>(keys.timer(timerId));
  if (first.value?.kind !== "overdue" || first.value.dueAt > clock.now()) return false;
  const alert0 = (await kv.get<Alert>(keys.alert(first.value.alertId))).value;
  if (!alert0) {
    const op = kv.atomic().check(first);
    stageDeleteTimer(op, first.value);
    await op.commit();
    return false;
  }
  return await fanout.commit<boolean>(fanout.shard(alert0.conversationId), async (op) => {
    const now = clock.now();
    const [t, a, head] = await kv.getMany<[Timer, Alert, Head]>([
      keys.timer(timerId),
      keys.alert(alert0.id),
      keys.head(alert0.conversationId),
    ]);
    if (t.value?.kind !== "overdue") return { done: false };
    op.check(t).check(a);
    stageDeleteTimer(op, t.value);
    const cur = a.value;
    // Resolved, unassigned, its deadline moved or removed, silenced: nothing to chase.
    if (
      !cur || cur.status === "resolved" || !cur.assigneeId || cur.dueAt === null ||
      cur.dueAt > now || cur.silencedBy
    ) return { hints: [], result: false };
    if ((await kv.get<Team>(keys.team(cur.teamId))).value?.archivedAt !== undefined) {
      return { hints: [], result: false };
    }
    const alert: Alert = { ...cur, updatedAt: now };
    upgradePeople(op, alert);
    let event: "reminder" | "escalated";
    let notify: string[];
    let entry;
    if (t.value.n === 0) {
      event = "reminder";
      notify = [alert.assigneeId!];
      await stagePersonal(deps, op, alert, notify, now);
      entry = timelineEntry(now, "overdue", null, "in-app", {
        detail: { userId: alert.assigneeId, dueAt: alert.dueAt },
      });
      const next = now + deps.config.overdueEscalateMinutes * 60_000;
      stageTimer(op, now, { ...t.value, id: ulid(now), dueAt: next, n: 1 });
    } else {
      const step = await stageEscalateNext(deps, op, alert, now);
      event = "escalated";
      notify = step.notify;
      entry = { ...step.entry, detail: { ...step.entry.detail, overdue: true } };
    }
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
      ...alertHints(alert),
    ];
    return { hints, result: true };
  });
}
