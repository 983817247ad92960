/**
 * Escalation policies: ordered levels, each notifying users, a schedule's current on-call, or a
 * whole team, moving to the next level after its delay without acknowledgement; the whole policy
 * may repeat K times. This module holds their schemas, their create/update/list, and the rule that
 * every target belongs to the policy's team (checked when saved and again when paging).
 */
import { auditedAtomic } from "../audit/chain.ts";
import { z } from "zod";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { checkAbsent, commitOrConflict, listByIndex } from "../core/kv_util.ts";
import { onCallAt, type Schedule } from "./schedules.ts";
import type { Team, User } from "../accounts/model.ts";
import {
  assertTeamAccess,
  listTeamMembers,
  requireTeamManager,
  teamRole,
} from "../accounts/teams.ts";

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

export async function createPolicy(
  deps: Deps,
  actor: User,
  input: PolicyInput,
): Promise<EscalationPolicy> {
  const { kv, clock } = deps;
  await requireTeamManager(kv, actor, input.teamId);
  const policy: EscalationPolicy = { ...input, id: ulid(clock.now()), createdAt: clock.now() };
  const op = checkAbsent(
    auditedAtomic(kv, deps.clock, {
      action: "policy.create",
      target: { type: "policy", id: policy.id },
    }),
    keys.escalationPolicy(policy.id),
  )
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
  const op = auditedAtomic(kv, deps.clock, {
    action: "policy.update",
    target: { type: "policy", id: id },
  }).check(entry).set(entry.key, updated);
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
  const op = auditedAtomic(kv, deps.clock, {
    action: "team.policy",
    target: { type: "team", id: teamId },
  });
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
