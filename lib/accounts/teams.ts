/**
 * Teams: the unit alerts are routed to. Admins create teams; team admins
 * manage their team's members.
 */
import { auditedAtomic } from "../audit/chain.ts";
import { createSystemGroup, systemAddMembers, systemRemoveMember } from "../chat/membership.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { getManyChunked, lastPart, listAll } from "../core/kv_util.ts";
import { nameKey } from "../core/schemas.ts";
import type { CreateTeamInput, Team, TeamRole, User } from "./model.ts";
import { type PublicUser, publicUser } from "./model.ts";

export interface TeamMember {
  userId: string;
  role: TeamRole;
  user: PublicUser | null;
}

async function requireUsers(kv: Deno.Kv, ids: string[]): Promise<void> {
  const entries = await getManyChunked<User>(kv, ids.map((id) => keys.user(id)));
  entries.forEach((e, i) => {
    if (!e.value) throw new ApiError("invalid_input", `user ${ids[i]} does not exist`);
  });
}

/** Creates a team with members and team admins (admins only; checked by the route). */
export async function createTeam(deps: Deps, input: CreateTeamInput): Promise<Team> {
  const { kv, clock } = deps;
  const admins = new Set(input.adminIds);
  const all = [...new Set([...input.memberIds, ...input.adminIds])];
  if (all.length > 300) throw new ApiError("invalid_input", "add at most 300 members at creation");
  await requireUsers(kv, all);
  const team: Team = { id: ulid(clock.now()), name: input.name, createdAt: clock.now() };
  const op = auditedAtomic(kv, clock, {
    action: "team.create",
    target: { type: "team", id: team.id },
    detail: { name: team.name, members: all.length },
  })
    .check({ key: keys.team(team.id), versionstamp: null })
    .check({ key: keys.teamByName(team.name), versionstamp: null })
    .set(keys.team(team.id), team)
    .set(keys.teamByName(team.name), team.id);
  for (const u of all) stageTeamMember(op, team.id, u, admins.has(u) ? "admin" : "member");
  // Who a team pages changed: processes drop their cached copy (lib/notify/reach.ts).
  op.sum(keys.reachVersion(), 1n);
  const res = await op.commit();
  if (!res.ok) throw new ApiError("conflict", "a team with this name already exists");
  return team;
}

function stageTeamMember(op: Deno.AtomicOperation, teamId: string, userId: string, role: TeamRole) {
  op.set(keys.teamMember(teamId, userId), { role })
    .set(keys.teamByUser(userId, teamId), { role });
}

/** The caller's role in a team, or null. */
export async function teamRole(
  kv: Deno.Kv,
  teamId: string,
  userId: string,
): Promise<TeamRole | null> {
  return (await kv.get<{ role: TeamRole }>(keys.teamMember(teamId, userId))).value?.role ?? null;
}

/** What a caller needs in a team: to be in it ("member", admins count), or to manage it ("admin"). */
export type TeamAccess = "member" | "admin";

/**
 * The one team guard. Global admins pass. Anyone else must be in the team,
 * else 404 `what` (so that "absent" and "not yours" look the same); with
 * `need: "admin"` a plain member gets 403.
 */
export async function assertTeamAccess(
  kv: Deno.Kv,
  user: User,
  teamId: string,
  need: TeamAccess,
  what = "team",
): Promise<void> {
  if (user.role === "admin") return;
  const role = await teamRole(kv, teamId, user.id);
  if (!role) throw notFound(what);
  if (need === "admin" && role !== "admin") {
    throw new ApiError("forbidden", "only admins and team admins can manage this team");
  }
}

async function loadTeam(kv: Deno.Kv, teamId: string): Promise<Team> {
  const team = (await kv.get<Team>(keys.team(teamId))).value;
  if (!team) throw notFound("team");
  return team;
}

/** Loads a team visible to `user` (admins see every team; others their own), or 404. */
export async function getTeam(kv: Deno.Kv, user: User, teamId: string): Promise<Team> {
  const team = await loadTeam(kv, teamId);
  await assertTeamAccess(kv, user, teamId, "member");
  return team;
}

/** 404 unless the team is visible to `user`; 403 unless `user` is an admin or an admin of the team. */
export async function requireTeamManager(kv: Deno.Kv, user: User, teamId: string): Promise<Team> {
  const team = await loadTeam(kv, teamId);
  await assertTeamAccess(kv, user, teamId, "admin");
  return team;
}

/** Teams visible to the user, with the user's role in each; archived ones only when asked for. */
export async function listTeams(
  kv: Deno.Kv,
  user: User,
  opts: { archived?: boolean } = {},
): Promise<(Team & { myRole: TeamRole | null })[]> {
  const mine = new Map(
    (await listAll<{ role: TeamRole }>(kv, keys.teamsByUser(user.id))).map((
      e,
    ) => [lastPart(e.key), e.value.role]),
  );
  const teams = user.role === "admin"
    ? (await listAll<Team>(kv, keys.teams())).map((e) => e.value)
    : (await getManyChunked<Team>(kv, [...mine.keys()].map((id) => keys.team(id))))
      .flatMap((e) => e.value ? [e.value] : []);
  return teams.filter((t) => opts.archived || t.archivedAt === undefined)
    .map((t) => ({ ...t, myRole: mine.get(t.id) ?? null }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export async function listTeamMembers(kv: Deno.Kv, teamId: string): Promise<TeamMember[]> {
  const entries = await listAll<{ role: TeamRole }>(kv, keys.teamMembers(teamId));
  const ids = entries.map((e) => lastPart(e.key));
  const users = await getManyChunked<User>(kv, ids.map((id) => keys.user(id)));
  return ids.map((userId, i) => ({
    userId,
    role: entries[i].value.role,
    user: users[i].value ? publicUser(users[i].value!) : null,
  }));
}

/**
 * Renames a team. The unique name index moves in the same commit as the
 * record (a change of case or spacing keeps the same index entry), and the
 * commit checks the record it read, so that a concurrent change is not undone.
 */
export async function renameTeam(deps: Deps, team: Team, name: string): Promise<Team> {
  const { kv, clock } = deps;
  const current = await kv.get<Team>(keys.team(team.id));
  if (!current.value) throw notFound("team");
  const updated = { ...current.value, name };
  const op = auditedAtomic(kv, clock, {
    action: "team.rename",
    target: { type: "team", id: team.id },
    detail: { from: current.value.name, to: name },
  }).check(current).set(keys.team(team.id), updated);
  if (nameKey(name) !== nameKey(current.value.name)) {
    op.check({ key: keys.teamByName(name), versionstamp: null })
      .delete(keys.teamByName(current.value.name))
      .set(keys.teamByName(name), team.id);
  }
  const res = await op.commit();
  if (!res.ok) {
    const taken = (await kv.get<string>(keys.teamByName(name))).value;
    if (taken && taken !== team.id) {
      throw new ApiError("conflict", "a team with this name already exists");
    }
    throw new ApiError("conflict", "the team changed meanwhile; retry");
  }
  return updated;
}

/**
 * Archives (or brings back) a team. An archived team keeps its members,
 * alerts and conversation; it is left out of team lists unless asked for,
 * its integrations answer 503 (routes/hooks.ts) and paging skips it.
 */
export async function setTeamArchived(
  deps: Deps,
  teamId: string,
  archived: boolean,
): Promise<Team> {
  const { kv, clock } = deps;
  const entry = await kv.get<Team>(keys.team(teamId));
  if (!entry.value) throw notFound("team");
  const { archivedAt: _was, ...rest } = entry.value;
  const updated: Team = archived
    ? { ...rest, archivedAt: entry.value.archivedAt ?? clock.now() }
    : rest;
  const res = await auditedAtomic(kv, clock, {
    action: archived ? "team.archive" : "team.unarchive",
    target: { type: "team", id: teamId },
  }).check(entry).set(entry.key, updated).commit();
  if (!res.ok) throw new ApiError("conflict", "the team changed meanwhile; retry");
  return updated;
}

/** True when the team exists and is archived. */
export async function isTeamArchived(kv: Deno.Kv, teamId: string): Promise<boolean> {
  return (await kv.get<Team>(keys.team(teamId))).value?.archivedAt !== undefined;
}

/** Adds users to a team or sets their role. */
export async function putTeamMembers(
  deps: Deps,
  teamId: string,
  userIds: string[],
  role: TeamRole,
): Promise<void> {
  const { kv, clock } = deps;
  const ids = [...new Set(userIds)];
  await requireUsers(kv, ids);
  for (let i = 0; i < ids.length; i += 400) {
    const op = auditedAtomic(kv, clock, {
      action: "team.members",
      target: { type: "team", id: teamId },
      detail: { users: ids.slice(i, i + 400).slice(0, 10).join(","), count: ids.length, role },
    });
    for (const u of ids.slice(i, i + 400)) stageTeamMember(op, teamId, u, role);
    // Who a team pages changed: processes drop their cached copy (lib/notify/reach.ts).
    await op.sum(keys.reachVersion(), 1n).commit();
  }
  const team = (await kv.get<Team>(keys.team(teamId))).value;
  if (team?.conversationId) await systemAddMembers(deps, team.conversationId, ids);
}

/** Changes the role of someone already in the team; 404 for anyone else. */
export async function setTeamMemberRole(
  deps: Deps,
  teamId: string,
  userId: string,
  role: TeamRole,
): Promise<void> {
  if (!(await teamRole(deps.kv, teamId, userId))) throw notFound("team member");
  await putTeamMembers(deps, teamId, [userId], role);
}

export async function removeTeamMember(deps: Deps, teamId: string, userId: string): Promise<void> {
  const { kv, clock } = deps;
  const entry = await kv.get(keys.teamMember(teamId, userId));
  if (!entry.value) throw notFound("team member");
  await auditedAtomic(kv, clock, {
    action: "team.member_remove",
    target: { type: "team", id: teamId },
    detail: { user: userId },
  }).check(entry).delete(entry.key).delete(keys.teamByUser(userId, teamId))
    .sum(keys.reachVersion(), 1n).commit();
  const team = (await kv.get<Team>(keys.team(teamId))).value;
  if (team?.conversationId) await systemRemoveMember(deps, team.conversationId, userId);
}

/**
 * The team's alert conversation: created on first use with the team's
 * members (team admins as conversation admins) and kept in step with
 * membership by putTeamMembers and removeTeamMember.
 */
export async function ensureTeamConversation(deps: Deps, teamId: string): Promise<string> {
  const { kv } = deps;
  const entry = await kv.get<Team>(keys.team(teamId));
  if (!entry.value) throw notFound("team");
  if (entry.value.conversationId) return entry.value.conversationId;
  const members = await listTeamMembers(kv, teamId);
  const conv = await createSystemGroup(
    deps,
    `${entry.value.name} alerts`,
    members.map((m) => ({ userId: m.userId, role: m.role === "admin" ? "admin" : "member" })),
  );
  const res = await kv.atomic().check(entry)
    .set(entry.key, { ...entry.value, conversationId: conv.id }).commit();
  if (!res.ok) {
    // Another request set it first; use theirs (the spare conversation stays empty).
    const again = (await kv.get<Team>(keys.team(teamId))).value;
    if (again?.conversationId) return again.conversationId;
    throw new ApiError("conflict", "the team changed; retry");
  }
  return conv.id;
}

/**
 * Re-keys teams_by_name to the normalised form (nameKey), once per database:
 * entries written under the plain lower-case form would otherwise miss
 * collisions and linger after a rename. Safe to run from several processes:
 * a new key is only created where none exists.
 */
export async function migrateTeamNameIndex(kv: Deno.Kv): Promise<void> {
  if ((await kv.get(keys.migration("team_name_key"))).value) return;
  for await (const e of kv.list<string>({ prefix: keys.teamsByName() })) {
    const team = (await kv.get<Team>(keys.team(e.value))).value;
    const key = team ? keys.teamByName(team.name) : null;
    if (key && String(key[1]) === String(e.key[1])) continue;
    const op = kv.atomic().check(e).delete(e.key);
    if (key) op.check({ key, versionstamp: null }).set(key, e.value);
    if (!(await op.commit()).ok && key) {
      // Two old names now collide: keep the first, drop the stale entry.
      await kv.atomic().check(e).delete(e.key).commit();
    }
  }
  await kv.set(keys.migration("team_name_key"), Date.now());
}
