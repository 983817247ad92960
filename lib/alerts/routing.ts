/**
 * Routing rules per team: matchers like Alertmanager's (=, !=, =~, !~) on
 * labels, source, priority, title and integration, evaluated in order; the
 * first match picks the escalation policy, the priority and the conversation
 * the card goes to. No match: the default route (the team's policy and its
 * alert conversation). A dry run answers which route a sample payload takes
 * and who would be notified, on which step and when. Regexes are RE2, fully
 * anchored, matched in linear time (pattern.ts).
 */
import { auditedAtomic } from "../audit/chain.ts";
import { z } from "zod";
import type { AlertEvent, Priority } from "./model.ts";
import { priorityOf } from "./sources/priority.ts";
import { PrioritySchema } from "./model.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { type EscalationPolicy, resolveTargets } from "../paging/policies.ts";
import { getReminderSettings, type ReminderSettings } from "../paging/reminders.ts";
import type { Integration } from "./integrations.ts";
import { keys } from "../core/keys.ts";
import { ROUTING_PROGRAM_MAX } from "../core/config.ts";
import { fullMatch, patternError, patternSize } from "./pattern.ts";
import { commitOrConflict, getManyChunked, lastPart, listAll } from "../core/kv_util.ts";
import type { Member } from "../chat/model.ts";
import type { Team, User } from "../accounts/model.ts";
import { listTeamMembers, requireTeamManager } from "../accounts/teams.ts";

/** Longest regex source in a matcher; short patterns keep matching cheap. */
export const MATCHER_VALUE_MAX = 200;

export const MatcherSchema = z.strictObject({
  field: z.enum(["label", "source", "priority", "title", "integration"]),
  /** For field "label": which label. */
  label: z.string().min(1).max(100).optional(),
  op: z.enum(["=", "!=", "=~", "!~"]),
  value: z.string().max(MATCHER_VALUE_MAX),
}).refine((m) => m.field !== "label" || m.label, "label: required for field label")
  .superRefine((m, ctx) => {
    const why = isRegex(m) ? patternError(m.value) : null;
    if (why) ctx.addIssue({ code: "custom", path: ["value"], message: why });
  });
export type Matcher = z.infer<typeof MatcherSchema>;

function isRegex(m: Matcher): boolean {
  return m.op === "=~" || m.op === "!~";
}

/** The summed size of the regexes among `matchers` (see ROUTING_PROGRAM_MAX). */
export function regexCost(matchers: Matcher[]): number {
  return matchers.reduce((n, m) => n + (isRegex(m) ? patternSize(m.value) : 0), 0);
}

export const RouteSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  matchers: z.array(MatcherSchema).max(20),
  policyId: z.string().max(64).nullable().optional(),
  priority: PrioritySchema.optional(),
  conversationId: z.string().max(64).optional(),
  /** "least-busy": assign new alerts to the first-level responder with the fewest open alerts. */
  assign: z.enum(["least-busy"]).optional(),
});
export type Route = z.infer<typeof RouteSchema>;

export const RoutingInputSchema = z.strictObject({ routes: z.array(RouteSchema).max(100) })
  .superRefine((r, ctx) => {
    const cost = regexCost(r.routes.flatMap((route) => route.matchers));
    if (cost > ROUTING_PROGRAM_MAX) {
      ctx.addIssue({
        code: "custom",
        path: ["routes"],
        message: `the regexes are too complex together (size ${cost}, at most ` +
          `${ROUTING_PROGRAM_MAX}): use fewer or simpler ones`,
      });
    }
  });

export interface Routing {
  routes: Route[];
  updatedAt: number;
}

/** What an alert looks like to matchers. */
export interface Routable {
  labels: Record<string, string>;
  source: string;
  priority: Priority;
  title: string;
  integrationId: string;
}

function fieldValue(a: Routable, m: Matcher): string {
  switch (m.field) {
    case "label":
      // Own entries only: a label named "constructor" must not find Object's.
      return Object.hasOwn(a.labels, m.label!) ? a.labels[m.label!] : "";
    case "source":
      return a.source;
    case "priority":
      return a.priority;
    case "title":
      return a.title;
    case "integration":
      return a.integrationId;
  }
}

/**
 * One matcher; regexes are RE2 anchored at both ends, as in Alertmanager. A
 * regex that is not valid today (saved before RE2) matches nothing, with
 * either op: the route or rule is skipped, and the dry run says why.
 */
export function matches(a: Routable, m: Matcher): boolean {
  const v = fieldValue(a, m);
  switch (m.op) {
    case "=":
      return v === m.value;
    case "!=":
      return v !== m.value;
    case "=~":
      return fullMatch(m.value, v) === true;
    case "!~":
      return fullMatch(m.value, v) === false;
  }
}

/** Refuses (400) a stored routing with a regex that is not valid today. */
export function checkStoredRegexes(routes: Route[]): void {
  for (const r of routes) {
    for (const m of r.matchers) {
      const why = isRegex(m) ? patternError(m.value) : null;
      if (why) {
        throw new ApiError("invalid_input", `route ${r.name}: ${m.value}: ${why}; save it again`);
      }
    }
  }
}

/** The first route whose matchers all match (an empty list matches everything), or null. */
export function pickRoute(routes: Route[], a: Routable): { route: Route; index: number } | null {
  const index = routes.findIndex((r) => r.matchers.every((m) => matches(a, m)));
  return index < 0 ? null : { route: routes[index], index };
}

export async function getRouting(kv: Deno.Kv, teamId: string): Promise<Routing> {
  return (await kv.get<Routing>(keys.routing(teamId))).value ?? { routes: [], updatedAt: 0 };
}

export async function setRouting(
  deps: Deps,
  actor: User,
  teamId: string,
  routes: Route[],
): Promise<Routing> {
  const { kv, clock } = deps;
  await requireTeamManager(kv, actor, teamId);
  // The policies picked are checked in the commit: one deleted meanwhile fails it.
  const op = auditedAtomic(kv, deps.clock, {
    action: "routing.update",
    target: { type: "team", id: teamId },
  });
  const checked = new Set<string>();
  for (const r of routes) {
    if (r.policyId) {
      const p = await kv.get<EscalationPolicy>(keys.escalationPolicy(r.policyId));
      if (!p.value || p.value.teamId !== teamId) {
        throw new ApiError("invalid_input", `route ${r.name}: no such policy in this team`);
      }
      if (!checked.has(r.policyId)) op.check(p);
      checked.add(r.policyId);
    }
    if (r.conversationId) {
      // The card goes there: the one who routes must be in it, and it must be a group.
      const [conv, member] = await kv.getMany<[{ kind: string }, Member]>([
        keys.conversation(r.conversationId),
        keys.member(r.conversationId, actor.id),
      ]);
      if (!conv.value || !member.value || conv.value.kind !== "group") {
        throw new ApiError("invalid_input", `route ${r.name}: not a group conversation you are in`);
      }
    }
  }
  const routing: Routing = { routes, updatedAt: clock.now() };
  await commitOrConflict(op.set(keys.routing(teamId), routing), "a policy changed; retry");
  return routing;
}

export interface RouteDecision {
  route: string;
  routeIndex: number | null;
  priority: Priority;
  policyId: string | null;
  conversationId: string;
  assign: "least-busy" | null;
}

/** Decides where a new alert goes. */
export async function decide(
  kv: Deno.Kv,
  team: Team,
  integration: Integration,
  event: AlertEvent,
): Promise<RouteDecision> {
  const priority = priorityOf(integration.type, event, integration.severityMap);
  const routing = await getRouting(kv, team.id);
  const hit = pickRoute(routing.routes, {
    labels: event.labels,
    source: event.source,
    priority,
    title: event.title,
    integrationId: integration.id,
  });
  return {
    route: hit ? hit.route.name : "default",
    routeIndex: hit ? hit.index : null,
    priority: hit?.route.priority ?? priority,
    policyId: hit?.route.policyId !== undefined
      ? hit.route.policyId
      : team.escalationPolicyId ?? null,
    conversationId: hit?.route.conversationId ?? team.conversationId!,
    assign: hit?.route.assign ?? null,
  };
}

/** Of `userIds`, the one with the fewest open alerts assigned (ties: the first). */
export async function leastBusy(kv: Deno.Kv, userIds: string[]): Promise<string | null> {
  let best: { id: string; n: number } | null = null;
  for (const id of userIds) {
    const ids = (await listAll(kv, keys.alertsByAssignee(id), 2_000)).map((e) => lastPart(e.key));
    const alerts = await getManyChunked<{ status: string }>(kv, ids.map((a) => keys.alert(a)));
    const n = alerts.filter((a) => a.value && a.value.status !== "resolved").length;
    if (!best || n < best.n) best = { id, n };
  }
  return best?.id ?? null;
}

export interface PlannedStep {
  at: string;
  kind: "notify" | "escalate" | "reminder";
  level: number;
  round: number;
  userIds: string[];
  names: string[];
}

/** Number of reminders a dry run lists at most (urgent ones repeat until acknowledged). */
const PLAN_REMINDERS = 5;

/** Who would be notified, on which step and when, if nobody acknowledged. */
export async function plan(
  kv: Deno.Kv,
  teamId: string,
  d: RouteDecision,
  at: number,
): Promise<PlannedStep[]> {
  const policy = d.policyId
    ? (await kv.get<EscalationPolicy>(keys.escalationPolicy(d.policyId))).value
    : null;
  const nameOf = (ids: string[]) =>
    Promise.all(ids.map(async (id) => (await kv.get<User>(keys.user(id))).value?.name ?? id));
  const teamIds = (await listTeamMembers(kv, teamId)).map((m) => m.userId);
  // The same resolution as paging: targets outside the team are passed over.
  const targetsAt = async (level: number, t: number): Promise<string[]> =>
    policy ? (await resolveTargets(kv, teamId, policy.levels[level].targets, t)).userIds : teamIds;
  const steps: PlannedStep[] = [];
  const push = async (
    t: number,
    kind: PlannedStep["kind"],
    level: number,
    round: number,
    ids: string[],
  ) =>
    steps.push({
      at: new Date(t).toISOString(),
      kind,
      level,
      round,
      userIds: ids,
      names: await nameOf(ids),
    });
  await push(at, "notify", 0, 0, await targetsAt(0, at));
  if (policy) {
    let t = at;
    for (let round = 0; round <= policy.repeat; round++) {
      for (let level = round === 0 ? 1 : 0; level < policy.levels.length; level++) {
        const prev = level === 0 ? policy.levels.length - 1 : level - 1;
        t += policy.levels[prev].delayMinutes * 60_000;
        await push(t, "escalate", level, round, await targetsAt(level, t));
      }
    }
  }
  const rule = (await getReminderSettings(kv) as ReminderSettings)[d.priority];
  if (rule.everyMinutes > 0) {
    const count = Math.min(rule.maxRepeats ?? PLAN_REMINDERS, PLAN_REMINDERS);
    for (let n = 1; n <= count; n++) {
      await push(at + n * rule.everyMinutes * 60_000, "reminder", 0, 0, []);
    }
  }
  return steps.sort((a, b) => a.at.localeCompare(b.at));
}

/** A dry run for the API: parses `body` as `integration` would, decides, plans. */
export async function dryRun(
  deps: Deps,
  teamId: string,
  events: AlertEvent[],
  integration: Integration,
  at: number,
) {
  // The route checked that the caller is in the team: members may ask where an alert goes.
  const { kv } = deps;
  const team = (await kv.get<Team>(keys.team(teamId))).value;
  if (!team || integration.teamId !== teamId) throw notFound("integration");
  if (!team.conversationId) {
    throw new ApiError("conflict", "the team has no alert conversation yet");
  }
  checkStoredRegexes((await getRouting(kv, teamId)).routes);
  const out = [];
  for (const ev of events) {
    const d = await decide(kv, team, integration, ev);
    out.push({
      title: ev.title,
      key: ev.key,
      action: ev.action,
      decision: d,
      plan: await plan(kv, teamId, d, at),
    });
  }
  return out;
}
