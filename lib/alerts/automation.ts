/**
 * Automation rules per team. Triggers: the same alert fired at least N
 * times within T (checked at each firing), or stayed unacknowledged for T
 * (a durable timer set when the alert opens). Filters: priorities and label
 * matchers. Actions run in the commit that decided them: escalate to a
 * level, change the priority, notify a conversation or a user, or call an
 * outbound webhook (signed; delivered and retried by durable timers, each
 * attempt's result on the alert's timeline). A rule fires at most once per
 * alert. Keeping the rules (schemas, create, edit, delete) is automation_rules.ts.
 */
import { alertHints } from "./alert_hints.ts";
import type { Priority } from "./model.ts";
import type { Alert, TimelineEntry } from "./model.ts";
import { WEBHOOK_BACKOFF_MS } from "../core/config.ts";
import { SYSTEM } from "../chat/conversations.ts";
import type { Deps } from "../core/deps.ts";
import { stageCancelPaging, stageRescheduleReminders } from "../paging/escalation.ts";
import type { Hint } from "../core/fanout.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { stageAppend } from "../chat/messages.ts";
import { postSigned } from "../notify/outbound.ts";
import { matches } from "./routing.ts";
import type { Head } from "../chat/model.ts";
import { teamRole } from "../accounts/teams.ts";
import { stageDeleteTimer, stageTimer, type Timer } from "../jobs/timers.ts";
import { stageAlertIndexes } from "./alert_index.ts";
import { stageAlertRollups } from "../reports/rollups.ts";
import { listRules, type Rule } from "./automation_rules.ts";

/** Firing times kept per alert for "fired N times within T". */
export const FIRINGS_KEPT = 100;

function applies(rule: Rule, alert: Alert): boolean {
  if (!rule.enabled || alert.automations.includes(rule.id)) return false;
  if (rule.when.priorities && !rule.when.priorities.includes(alert.priority)) return false;
  const routable = {
    labels: alert.labels,
    source: alert.source,
    priority: alert.priority,
    title: alert.title,
    integrationId: alert.integrationId,
  };
  return (rule.when.matchers ?? []).every((m) => matches(routable, m));
}

function entry(now: number, detail: Record<string, unknown>, note?: string): TimelineEntry {
  return {
    id: ulid(now),
    at: now,
    kind: "automation",
    by: null,
    via: "automation",
    detail,
    ...(note ? { note } : {}),
  };
}

/**
 * Runs a rule's actions inside the caller's commit (mutates `alert`).
 * Returns the timeline entries and hints to add.
 */
async function stageActions(
  deps: Deps,
  op: Deno.AtomicOperation,
  rule: Rule,
  alert: Alert,
  now: number,
): Promise<{ entries: TimelineEntry[]; hints: Hint[] }> {
  const { kv } = deps;
  alert.automations = [...alert.automations, rule.id];
  op.set(keys.automationRuleFired(rule.id), now);
  const entries: TimelineEntry[] = [entry(now, { rule: rule.name, ruleId: rule.id })];
  const hints: Hint[] = [];
  for (const [i, a] of rule.actions.entries()) {
    if (a.type === "escalate") {
      await stageCancelPaging(kv, op, alert.id, "escalation");
      stageTimer(op, now, {
        id: ulid(now),
        alertId: alert.id,
        kind: "escalation",
        dueAt: now,
        n: a.level,
        round: alert.paging.round,
      });
    } else if (a.type === "priority") {
      if (alert.priority !== a.priority) {
        entries.push({ ...entry(now, { from: alert.priority, to: a.priority }), kind: "priority" });
        alert.priority = a.priority as Priority;
        await stageRescheduleReminders(deps, op, alert, now);
      }
    } else if (a.type === "notify") {
      if (a.userId && !(await teamRole(kv, alert.teamId, a.userId))) {
        // The user has left the team since the rule was made: the team's alert is not theirs.
        entries.push(entry(now, {
          skippedTargets: [{ type: "user", id: a.userId, reason: "not_member" }],
        }));
        continue;
      }
      const convId = a.conversationId ?? alert.conversationId;
      const head = await kv.get<Head>(keys.head(convId));
      const msg = stageAppend(op, head, convId, {
        kind: "system",
        senderId: null,
        text: alert.title,
        alertId: alert.id,
        system: {
          event: "escalated",
          actorId: SYSTEM,
          userIds: a.userId ? [a.userId] : [],
          title: alert.title,
        },
      }, now);
      hints.push({ t: "msg", c: convId, s: msg.seq });
      entries.push({
        ...entry(now, { userIds: a.userId ? [a.userId] : [], conversationId: convId }),
        kind: "notified",
      });
    } else {
      stageTimer(op, now, {
        id: ulid(now),
        alertId: alert.id,
        kind: "webhook",
        dueAt: now,
        n: 1,
        round: 0,
        ruleId: rule.id,
        action: i,
      });
    }
  }
  return { entries, hints };
}

/** At each firing of an open alert: the "fired N times within T" rules (inside the ingest commit). */
export async function stageOnFiring(
  deps: Deps,
  op: Deno.AtomicOperation,
  alert: Alert,
  now: number,
) {
  alert.firings = [...alert.firings, now].slice(-FIRINGS_KEPT);
  const out = { entries: [] as TimelineEntry[], hints: [] as Hint[] };
  for (const rule of await listRules(deps.kv, alert.teamId)) {
    const f = rule.when.firedAtLeast;
    if (!f || !applies(rule, alert)) continue;
    const since = now - f.withinMinutes * 60_000;
    if (alert.firings.filter((t) => t >= since).length < f.count) continue;
    const r = await stageActions(deps, op, rule, alert, now);
    out.entries.push(...r.entries);
    out.hints.push(...r.hints);
  }
  return out;
}

/** When an alert opens: timers for the "unacknowledged for T" rules. */
export async function stageOnOpen(deps: Deps, op: Deno.AtomicOperation, alert: Alert, now: number) {
  for (const rule of await listRules(deps.kv, alert.teamId)) {
    const t = rule.when.unacknowledgedForMinutes;
    if (!t || !rule.enabled) continue;
    stageTimer(op, now, {
      id: ulid(now),
      alertId: alert.id,
      kind: "automation",
      dueAt: now + t * 60_000,
      n: 0,
      round: 0,
      ruleId: rule.id,
    });
  }
}

/** An "unacknowledged for T" timer is due: act if the alert is still unacknowledged. */
export async function fireAutomation(deps: Deps, timerId: string): Promise<boolean> {
  const { kv, fanout, clock } = deps;
  const t0 = (await kv.get<Timer>(keys.timer(timerId))).value;
  if (t0?.kind !== "automation") return false;
  const a0 = (await kv.get<Alert>(keys.alert(t0.alertId))).value;
  const rule = (await kv.get<Rule>(keys.automationRule(t0.ruleId))).value;
  return await fanout.commit<boolean>(
    fanout.shard(a0?.conversationId ?? t0.alertId),
    async (op) => {
      const now = clock.now();
      const [t, a] = await kv.getMany<[Timer, Alert]>([
        keys.timer(timerId),
        keys.alert(t0.alertId),
      ]);
      if (!t.value || t.value.dueAt > now) return { done: false };
      op.check(t).check(a);
      stageDeleteTimer(op, t.value);
      if (!a.value || !rule || a.value.status !== "triggered" || !applies(rule, a.value)) {
        return { hints: [], result: false };
      }
      const alert: Alert = { ...a.value, updatedAt: now };
      const r = await stageActions(deps, op, rule, alert, now);
      op.set(keys.alert(alert.id), alert);
      stageAlertIndexes(op, a.value, alert);
      stageAlertRollups(op, a.value, alert, now, deps.config.reportTimeZone);
      for (const e of r.entries) op.set(keys.alertTimeline(alert.id, e.id), e);
      return {
        hints: [...r.hints, ...alertHints(alert)],
        result: true,
      };
    },
  );
}

/**
 * Delivers one webhook attempt. The request leaves before the commit that
 * records it, so a crash in between repeats it: receivers de-duplicate by
 * X-Tocsin-Delivery, which is the same for every attempt of a delivery.
 */
export async function deliverWebhook(deps: Deps, timerId: string): Promise<boolean> {
  const { kv, fanout, clock, config } = deps;
  const t = await kv.get<Timer>(keys.timer(timerId));
  if (t.value?.kind !== "webhook" || t.value.dueAt > clock.now()) return false;
  const timer = t.value;
  const alert = (await kv.get<Alert>(keys.alert(timer.alertId))).value;
  const rule = (await kv.get<Rule>(keys.automationRule(timer.ruleId))).value;
  const action = rule?.actions[timer.action];
  if (!alert || !rule || action?.type !== "webhook") {
    await kv.atomic().check(t).delete(t.key).commit();
    return false;
  }
  const deliveryId = timer.delivery ?? timer.id;
  const body = JSON.stringify({
    event: "alert.automation",
    deliveryId,
    rule: { id: rule.id, name: rule.name },
    alert,
  });
  const { ok, status, transient, detail } = await postSigned(action.url, action.secret, body, {
    now: clock.now(),
    deliveryId,
    timeoutMs: config.webhookTimeoutMs,
    policy: config,
  });
  const error = status === 0 ? detail : "";
  const retry = !ok && transient && timer.n < config.webhookMaxAttempts;
  await fanout.commit(fanout.shard(alert.conversationId), (op) => {
    const now = clock.now();
    op.check(t);
    stageDeleteTimer(op, timer);
    let retryAt: number | null = null;
    if (retry) {
      retryAt = now + WEBHOOK_BACKOFF_MS[Math.min(timer.n - 1, WEBHOOK_BACKOFF_MS.length - 1)];
      stageTimer(op, now, {
        ...timer,
        id: ulid(now),
        dueAt: retryAt,
        n: timer.n + 1,
        delivery: deliveryId,
      });
    }
    const e: TimelineEntry = {
      ...entry(now, {
        rule: rule.name,
        url: action.url,
        attempt: timer.n,
        status,
        ok,
        ...(error ? { error: error.slice(0, 200) } : {}),
        ...(retryAt ? { retryAt } : {}),
      }),
      kind: "webhook",
    };
    op.set(keys.alertTimeline(alert.id, e.id), e);
    return Promise.resolve({ hints: [], result: null });
  });
  return ok;
}
