/**
 * Deleting schedules and escalation policies. Something still in use is
 * refused with a 409 that names every user of it (policy levels for a
 * schedule; the team default and routing rules for a policy), so that
 * nobody is silently left unpaged. Each delete is one commit that checks
 * everything it read: a policy saved meanwhile with a level on the schedule
 * (it re-writes the schedule, see stageTargets), a new team default or a new
 * routing then makes the delete fail with a conflict instead.
 *
 * Alerts already paging under a deleted policy notify the whole team on
 * their next pending step and then stop escalating (levelTargets).
 */
import { auditedAtomic } from "../audit/chain.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import { commitOrConflict, getManyChunked, listAll } from "../core/kv_util.ts";
import type { Team, User } from "../accounts/model.ts";
import { assertTeamAccess, requireTeamManager } from "../accounts/teams.ts";
import type { Routing } from "../alerts/routing.ts";
import type { EscalationPolicy } from "./policies.ts";
import type { Schedule } from "./schedules.ts";

const quoted = (names: string[]) => names.map((n) => `"${n}"`).join(", ");

/** Deletes a schedule no escalation policy pages (team managers only). */
export async function deleteSchedule(deps: Deps, actor: User, id: string): Promise<void> {
  const { kv } = deps;
  const entry = await kv.get<Schedule>(keys.schedule(id));
  if (!entry.value) throw notFound("schedule");
  const teamId = entry.value.teamId;
  await assertTeamAccess(kv, actor, teamId, "member", "schedule");
  await requireTeamManager(kv, actor, teamId);
  const index = await listAll<string>(kv, keys.escalationPoliciesByTeam(teamId));
  const policies = await getManyChunked<EscalationPolicy>(
    kv,
    index.map((e) => keys.escalationPolicy(e.value)),
  );
  const users = policies.flatMap((p) =>
    p.value?.levels.some((l) => l.targets.some((t) => t.type === "schedule" && t.id === id))
      ? [p.value.name]
      : []
  );
  if (users.length) {
    throw new ApiError(
      "conflict",
      `the schedule is paged by escalation ${users.length > 1 ? "policies" : "policy"} ` +
        `${quoted(users)}: remove it from their levels first`,
    );
  }
  await commitOrConflict(
    auditedAtomic(kv, deps.clock, {
      action: "schedule.delete",
      target: { type: "schedule", id: id },
    }).check(entry).delete(entry.key).delete(keys.scheduleByTeam(teamId, id)),
    "the schedule changed; reload and retry",
  );
}

/** Deletes a policy that is neither the team default nor picked by a routing rule. */
export async function deletePolicy(deps: Deps, actor: User, id: string): Promise<void> {
  const { kv } = deps;
  const entry = await kv.get<EscalationPolicy>(keys.escalationPolicy(id));
  if (!entry.value) throw notFound("policy");
  const teamId = entry.value.teamId;
  await assertTeamAccess(kv, actor, teamId, "member", "policy");
  await requireTeamManager(kv, actor, teamId);
  const [team, routing] = await kv.getMany<[Team, Routing]>([
    keys.team(teamId),
    keys.routing(teamId),
  ]);
  const why: string[] = [];
  if (team.value?.escalationPolicyId === id) why.push("it is the team's default policy");
  const rules = (routing.value?.routes ?? []).filter((r) => r.policyId === id).map((r) => r.name);
  if (rules.length) {
    why.push(`routing ${rules.length > 1 ? "rules" : "rule"} ${quoted(rules)} use it`);
  }
  if (why.length) {
    throw new ApiError(
      "conflict",
      `the policy is in use: ${why.join("; ")}; choose another policy there first`,
    );
  }
  await commitOrConflict(
    auditedAtomic(kv, deps.clock, { action: "policy.delete", target: { type: "policy", id: id } })
      .check(entry).check(team).check(routing)
      .delete(entry.key).delete(keys.escalationPolicyByTeam(teamId, id)),
    "the policy changed; reload and retry",
  );
}
