/**
 * Automation rules per team. Triggers: the same alert fired at least N
 * times within T (checked at each firing), or stayed unacknowledged for T
 * (a durable timer set when the alert opens). Filters: priorities and label
 * matchers. Actions run in the commit that decided them: escalate to a
 * level, change the priority, notify a conversation or a user, or call an
 * outbound webhook (signed; delivered and retried by durable timers, each
 * attempt's result on the alert's timeline). A rule fires at most once per
 * alert.
 */
import { z } from "zod";
import { type Priority, PrioritySchema } from "./model.ts";
import type { Alert, TimelineEntry } from "./model.ts";
import { WEBHOOK_BACKOFF_MS } from "../core/config.ts";
import { SYSTEM } from "../chat/conversations.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { stageCancelPaging, stageRescheduleReminders } from "../paging/escalation.ts";
import type { Hint } from "../core/fanout.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { checkAbsent, commitOrConflict, getManyChunked, listByIndex } from "../core/kv_util.ts";
import { stageAppend } from "../chat/messages.ts";
import { checkOutboundUrl, postSigned } from "../notify/outbound.ts";
import { MatcherSchema, matches } from "./routing.ts";
import type { Head, Member } from "../chat/model.ts";
import type { User } from "../accounts/model.ts";
import { assertTeamAccess, requireTeamManager, teamRole } from "../accounts/teams.ts";
import { stageDeleteTimer, stageTimer, type Timer } from "../jobs/timers.ts";
import { stageAlertIndexes } from "./alert_index.ts";

export const ActionSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("escalate"), level: z.number().int().min(0).max(9) }),
  z.strictObject({ type: z.literal("priority"), priority: PrioritySchema }),
  z.strictObject({
    type: z.literal("notify"),
    conversationId: z.string().max(64).optional(),
    userId: z.string().max(64).optional(),
  }).refine((a) => !!a.conversationId !== !!a.userId, "notify: give a conversationId or a userId"),
  z.strictObject({
    type: z.literal("webhook"),
    url: z.string().max(2048),
    /** HMAC-SHA256 key for X-Tocsin-Signature. */
    secret: z.string().min(16).max(256),
  }),
]);
export type Action = z.infer<typeof ActionSchema>;

export const RuleInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  teamId: z.string().min(1).max(64),
  enabled: z.boolean().default(true),
  when: z.strictObject({
    firedAtLeast: z.strictObject({
      count: z.number().int().min(2).max(1000),
      withinMinutes: z.number().min(0.01).max(7 * 24 * 60),
    }).optional(),
    unacknowledgedForMinutes: z.number().min(0.01).max(7 * 24 * 60).optional(),
    priorities: z.array(PrioritySchema).min(1).max(4).optional(),
    matchers: z.array(MatcherSchema).max(20).optional(),
  }).refine(
    (w) => w.firedAtLeast || w.unacknowledgedForMinutes,
    "when: needs firedAtLeast or unacknowledgedForMinutes",
  ),
  actions: z.array(ActionSchema).min(1).max(5),
});
export type RuleInput = z.infer<typeof RuleInputSchema>;
export interface Rule extends RuleInput {
  id: string;
  createdAt: number;
}

/** Firing times kept per alert for "fired N times within T". */
export const FIRINGS_KEPT = 100;

/** Refuses actions the actor may not set up (outbound URLs, foreign users or conversations). */
async function checkActions(deps: Deps, actor: User, input: RuleInput): Promise<void> {
  const { kv, config } = deps;
  for (const a of input.actions) {
    if (a.type === "webhook") await checkOutboundUrl(a.url, config);
    if (a.type === "notify" && a.userId && !(await teamRole(kv, input.teamId, a.userId))) {
      throw new ApiError("invalid_input", "notify: the user must be in the team");
    }
    if (a.type === "notify" && a.conversationId) {
      const m = await kv.get<Member>(keys.member(a.conversationId, actor.id));
      if (!m.value) throw new ApiError("invalid_input", "notify: a conversation you are in");
    }
  }
}

export async function createRule(deps: Deps, actor: User, input: RuleInput): Promise<Rule> {
  const { kv, clock } = deps;
  await requireTeamManager(kv, actor, input.teamId);
  await checkActions(deps, actor, input);
  const rule: Rule = { ...input, id: ulid(clock.now()), createdAt: clock.now() };
  const op = checkAbsent(kv.atomic(), keys.automationRule(rule.id))
    .set(keys.automationRule(rule.id), rule)
    .set(keys.automationRuleByTeam(input.teamId, rule.id), rule.id);
  await commitOrConflict(op, "could not create the rule; retry");
  return rule;
}

export async function listRules(kv: Deno.Kv, teamId: string): Promise<Rule[]> {
  return await listByIndex<Rule>(kv, keys.automationRulesByTeam(teamId), keys.automationRule);
}

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
      for (const e of r.entries) op.set(keys.alertTimeline(alert.id, e.id), e);
      return {
        hints: [...r.hints, { t: "alert", c: alert.conversationId, a: alert.id }],
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

/** Loads a rule the user may see. */
export async function getRuleFor(kv: Deno.Kv, user: User, id: string): Promise<Rule> {
  const r = (await kv.get<Rule>(keys.automationRule(id))).value;
  if (!r) throw notFound("rule");
  await assertTeamAccess(kv, user, r.teamId, "member", "rule");
  return r;
}

/** A rule as listed: with the time it last fired (null: never). */
export type ListedRule = Rule & { lastFiredAt: number | null };

/** The team's rules, each with when it last fired. */
export async function listRulesWithFirings(kv: Deno.Kv, teamId: string): Promise<ListedRule[]> {
  const rules = await listRules(kv, teamId);
  const fired = await getManyChunked<number>(kv, rules.map((r) => keys.automationRuleFired(r.id)));
  return rules.map((r, i) => ({ ...r, lastFiredAt: fired[i].value ?? null }));
}

/**
 * The edit of a rule: the whole rule again, except that a webhook action
 * may leave out its secret to keep the one saved for the same URL (the API
 * never shows it back). The team cannot change.
 */
export const RuleUpdateSchema = RuleInputSchema.extend({
  actions: z.array(z.union([
    ActionSchema,
    z.strictObject({
      type: z.literal("webhook"),
      url: z.string().max(2048),
      secret: z.undefined().optional(),
    }),
  ])).min(1).max(5),
});
export type RuleUpdate = z.infer<typeof RuleUpdateSchema>;

/** Loads a rule its team's admins (or an admin) may change. */
async function getRuleToChange(deps: Deps, actor: User, id: string) {
  const e = await deps.kv.get<Rule>(keys.automationRule(id));
  if (!e.value) throw notFound("rule");
  await assertTeamAccess(deps.kv, actor, e.value.teamId, "member", "rule");
  await requireTeamManager(deps.kv, actor, e.value.teamId);
  return e as Deno.KvEntry<Rule>;
}

export async function updateRule(
  deps: Deps,
  actor: User,
  id: string,
  update: RuleUpdate,
): Promise<Rule> {
  const e = await getRuleToChange(deps, actor, id);
  if (update.teamId !== e.value.teamId) {
    throw new ApiError("invalid_input", "teamId: a rule stays in its team");
  }
  const actions: Action[] = update.actions.map((a) => {
    if (a.type !== "webhook" || a.secret) return a as Action;
    const old = e.value.actions.find((o) => o.type === "webhook" && o.url === a.url);
    if (old?.type !== "webhook") {
      throw new ApiError("invalid_input", "webhook: a secret is needed for a new URL");
    }
    return { ...a, secret: old.secret };
  });
  const input: RuleInput = { ...update, actions };
  await checkActions(deps, actor, input);
  const rule: Rule = { ...input, id, createdAt: e.value.createdAt };
  await commitOrConflict(
    deps.kv.atomic().check(e).set(e.key, rule),
    "the rule changed meanwhile; reload and retry",
  );
  return rule;
}

/** Turns a rule on or off (off: it neither fires nor arms new timers). */
export async function setRuleEnabled(
  deps: Deps,
  actor: User,
  id: string,
  enabled: boolean,
): Promise<Rule> {
  const e = await getRuleToChange(deps, actor, id);
  const rule: Rule = { ...e.value, enabled };
  await commitOrConflict(
    deps.kv.atomic().check(e).set(e.key, rule),
    "the rule changed meanwhile; reload and retry",
  );
  return rule;
}

/** Deletes a rule; its pending timers find no rule and do nothing. */
export async function deleteRule(deps: Deps, actor: User, id: string): Promise<void> {
  const e = await getRuleToChange(deps, actor, id);
  await commitOrConflict(
    deps.kv.atomic().check(e).delete(e.key)
      .delete(keys.automationRuleByTeam(e.value.teamId, id))
      .delete(keys.automationRuleFired(id)),
    "the rule changed meanwhile; reload and retry",
  );
}
