/**
 * Automation rules per team, as admins and team admins keep them: the rule and action schemas,
 * create, list, edit, turn on or off, delete. What a rule does when it fires is automation.ts.
 */
import { auditedAtomic } from "../audit/chain.ts";
import { z } from "zod";
import { PrioritySchema } from "./model.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { checkAbsent, commitOrConflict, getManyChunked, listByIndex } from "../core/kv_util.ts";
import { checkOutboundUrl } from "../notify/outbound.ts";
import { MatcherSchema } from "./routing.ts";
import type { Member } from "../chat/model.ts";
import type { User } from "../accounts/model.ts";
import { assertTeamAccess, requireTeamManager, teamRole } from "../accounts/teams.ts";

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
  const op = checkAbsent(
    auditedAtomic(kv, deps.clock, {
      action: "automation.create",
      target: { type: "automation_rule", id: rule.id },
    }),
    keys.automationRule(rule.id),
  )
    .set(keys.automationRule(rule.id), rule)
    .set(keys.automationRuleByTeam(input.teamId, rule.id), rule.id);
  await commitOrConflict(op, "could not create the rule; retry");
  return rule;
}

export async function listRules(kv: Deno.Kv, teamId: string): Promise<Rule[]> {
  return await listByIndex<Rule>(kv, keys.automationRulesByTeam(teamId), keys.automationRule);
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
    auditedAtomic(deps.kv, deps.clock, {
      action: "automation.update",
      target: { type: "automation_rule", id: id },
    }).check(e).set(e.key, rule),
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
    auditedAtomic(deps.kv, deps.clock, {
      action: "automation.enable",
      target: { type: "automation_rule", id: id },
    }).check(e).set(e.key, rule),
    "the rule changed meanwhile; reload and retry",
  );
  return rule;
}

/** Deletes a rule; its pending timers find no rule and do nothing. */
export async function deleteRule(deps: Deps, actor: User, id: string): Promise<void> {
  const e = await getRuleToChange(deps, actor, id);
  await commitOrConflict(
    auditedAtomic(deps.kv, deps.clock, {
      action: "automation.delete",
      target: { type: "automation_rule", id: id },
    }).check(e).delete(e.key)
      .delete(keys.automationRuleByTeam(e.value.teamId, id))
      .delete(keys.automationRuleFired(id)),
    "the rule changed meanwhile; reload and retry",
  );
}
