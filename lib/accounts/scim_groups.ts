/**
 * SCIM Groups mapped onto Tocsin teams: displayName is the team's name,
 * members its members (added as team members; team admins stay admins).
 * DELETE archives the team (its alerts and history stay) and hides it from
 * SCIM.
 */
import type { Deps } from "../core/deps.ts";
import { ApiError } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import { listAll } from "../core/kv_util.ts";
import { auditedAtomic } from "../audit/chain.ts";
import { NameSchema } from "../core/schemas.ts";
import type { Team } from "./model.ts";
import { type PatchOp, SCIM, ScimError } from "./scim_schema.ts";
import {
  createTeam,
  listTeamMembers,
  putTeamMembers,
  removeTeamMember,
  renameTeam,
  setTeamArchived,
} from "./teams.ts";

interface ScimGroupMeta {
  externalId?: string;
  updatedAt: number;
}

/** SCIM's view of an ApiError from the team functions. */
async function scimErrors<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof ApiError) {
      throw new ScimError(e.status, e.message, e.status === 409 ? "uniqueness" : undefined);
    }
    throw e;
  }
}

function groupName(v: unknown): string {
  const r = NameSchema.safeParse(v);
  if (!r.success) {
    throw new ScimError(400, "displayName: a name of 1 to 100 characters", "invalidValue");
  }
  return r.data;
}

/** Member ids from `[{value}]`; ids that are not Tocsin users are refused by the team functions. */
function memberIds(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ScimError(400, "members must be a list", "invalidValue");
  return v.map((m) => {
    const id = (m as { value?: unknown })?.value;
    if (typeof id !== "string" || id.length > 40) {
      throw new ScimError(400, "members: each needs a value (a user id)", "invalidValue");
    }
    return id;
  });
}

export async function getScimGroup(kv: Deno.Kv, id: string): Promise<Team> {
  const team = (await kv.get<Team>(keys.team(id))).value;
  if (!team || team.archivedAt !== undefined) {
    throw new ScimError(404, `Group ${id.slice(0, 40)} not found`);
  }
  return team;
}

export async function groupResource(deps: Deps, team: Team, base: string, withMembers = true) {
  const meta = (await deps.kv.get<ScimGroupMeta>(keys.scimGroup(team.id))).value;
  const members = withMembers
    ? (await listTeamMembers(deps.kv, team.id)).map((m) => ({
      value: m.userId,
      display: m.user?.name ?? m.userId,
      $ref: `${base}/Users/${m.userId}`,
    }))
    : undefined;
  return {
    schemas: [SCIM.group],
    id: team.id,
    ...(meta?.externalId ? { externalId: meta.externalId } : {}),
    displayName: team.name,
    ...(members ? { members } : {}),
    meta: {
      resourceType: "Group",
      created: new Date(team.createdAt).toISOString(),
      lastModified: new Date(meta?.updatedAt ?? team.createdAt).toISOString(),
      location: `${base}/Groups/${team.id}`,
    },
  };
}

/**
 * Records the group's SCIM facts; with `audit` (a PUT or PATCH done), a `team.update` entry in
 * the same commit says SCIM changed the team (its renames and member changes have their own).
 */
async function touch(
  deps: Deps,
  teamId: string,
  externalId?: unknown,
  audit?: "replace" | "patch",
) {
  const old = (await deps.kv.get<ScimGroupMeta>(keys.scimGroup(teamId))).value;
  const meta: ScimGroupMeta = { ...old, updatedAt: deps.clock.now() };
  if (typeof externalId === "string") meta.externalId = externalId.slice(0, 200);
  if (!audit) return void await deps.kv.set(keys.scimGroup(teamId), meta);
  await auditedAtomic(deps.kv, deps.clock, {
    action: "team.update",
    target: { type: "team", id: teamId },
    detail: { via: "scim", op: audit },
  }).set(keys.scimGroup(teamId), meta).commit();
}

export async function scimCreateGroup(deps: Deps, body: unknown): Promise<Team> {
  const b = (body ?? {}) as Record<string, unknown>;
  const team = await scimErrors(() =>
    createTeam(deps, {
      name: groupName(b.displayName),
      memberIds: memberIds(b.members),
      adminIds: [],
    })
  );
  // Its entry (team.create, the token as actor) committed with the team.
  await touch(deps, team.id, b.externalId);
  return team;
}

/** Makes the team's members exactly `ids` (team admins who stay keep their role). */
async function setMembers(deps: Deps, teamId: string, ids: string[]) {
  const want = new Set(ids);
  const have = await listTeamMembers(deps.kv, teamId);
  const haveIds = new Set(have.map((m) => m.userId));
  const add = [...want].filter((id) => !haveIds.has(id));
  if (add.length) await scimErrors(() => putTeamMembers(deps, teamId, add, "member"));
  for (const m of have) if (!want.has(m.userId)) await removeTeamMember(deps, teamId, m.userId);
}

async function addMembers(deps: Deps, teamId: string, ids: string[]) {
  const have = new Set((await listTeamMembers(deps.kv, teamId)).map((m) => m.userId));
  const add = ids.filter((id) => !have.has(id));
  if (add.length) await scimErrors(() => putTeamMembers(deps, teamId, add, "member"));
}

async function removeMembers(deps: Deps, teamId: string, ids: string[]) {
  const have = new Set((await listTeamMembers(deps.kv, teamId)).map((m) => m.userId));
  for (const id of ids) if (have.has(id)) await removeTeamMember(deps, teamId, id);
}

async function rename(deps: Deps, team: Team, name: unknown): Promise<Team> {
  const n = groupName(name);
  return n === team.name ? team : await scimErrors(() => renameTeam(deps, team, n));
}

/** PUT: the whole group again (name and members). */
export async function scimReplaceGroup(deps: Deps, id: string, body: unknown): Promise<Team> {
  const b = (body ?? {}) as Record<string, unknown>;
  let team = await getScimGroup(deps.kv, id);
  team = await rename(deps, team, b.displayName);
  await setMembers(deps, id, memberIds(b.members));
  await touch(deps, id, b.externalId, "replace");
  return team;
}

/** `members[value eq "id"]`: the id, else null. */
function memberPathId(path: string): string | null {
  const m = /^members\[\s*value\s+eq\s+"([^"]{1,40})"\s*\]$/i.exec(path);
  return m ? m[1] : null;
}

/** PATCH: members added, removed or replaced; displayName replaced (Okta and Azure AD shapes). */
export async function scimPatchGroup(deps: Deps, id: string, ops: PatchOp[]): Promise<Team> {
  let team = await getScimGroup(deps.kv, id);
  for (const o of ops) {
    const path = o.path?.toLowerCase() ?? null;
    const one = o.path ? memberPathId(o.path) : null;
    if (one) {
      if (o.op === "remove") await removeMembers(deps, id, [one]);
      else await addMembers(deps, id, [one]);
    } else if (path === "members") {
      const ids = memberIds(o.value);
      if (o.op === "add") await addMembers(deps, id, ids);
      else if (o.op === "replace") await setMembers(deps, id, ids);
      // Azure AD removes with a value list; no value removes everyone (RFC 7644 §3.5.2.2).
      else if (o.value === undefined) await setMembers(deps, id, []);
      else await removeMembers(deps, id, ids);
    } else if (path === "displayname") {
      team = await rename(deps, team, o.value);
    } else if (path === "externalid") {
      await touch(deps, id, o.value);
    } else if (path === null && o.value && typeof o.value === "object") {
      const v = o.value as Record<string, unknown>;
      if (v.displayName !== undefined) team = await rename(deps, team, v.displayName);
      if (v.members !== undefined) {
        const ids = memberIds(v.members);
        if (o.op === "add") await addMembers(deps, id, ids);
        else await setMembers(deps, id, ids);
      }
      if (v.externalId !== undefined) await touch(deps, id, v.externalId);
    } else if (path !== null) {
      throw new ScimError(
        400,
        `path ${o.path!.slice(0, 100)} is not supported on groups`,
        "noTarget",
      );
    }
  }
  await touch(deps, id, undefined, "patch");
  return team;
}

export async function scimDeleteGroup(deps: Deps, id: string): Promise<void> {
  await getScimGroup(deps.kv, id);
  // Its entry (team.archive, the token as actor) commits with the archiving.
  await setTeamArchived(deps, id, true);
}

export async function scimListGroups(
  deps: Deps,
  filter: { attr: string; value: string } | null,
): Promise<Team[]> {
  if (filter && filter.attr !== "displayname" && filter.attr !== "externalid") {
    throw new ScimError(400, `filtering on ${filter.attr} is not supported`, "invalidFilter");
  }
  const teams = (await listAll<Team>(deps.kv, keys.teams())).map((e) => e.value)
    .filter((t) => t.archivedAt === undefined);
  if (!filter) return teams;
  if (filter.attr === "displayname") return teams.filter((t) => t.name === filter.value);
  const out: Team[] = [];
  for (const t of teams) {
    const meta = (await deps.kv.get<ScimGroupMeta>(keys.scimGroup(t.id))).value;
    if (meta?.externalId === filter.value) out.push(t);
  }
  return out;
}
