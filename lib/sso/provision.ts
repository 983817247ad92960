/**
 * What a sign-on through a directory (OpenID Connect or LDAP) does to Tocsin
 * accounts: finds the account linked to the directory's subject (else the one
 * with the same e-mail, which it then links), creates one just in time when
 * allowed, and keeps team membership in step with the group-to-team mapping.
 * Teams named in the mapping are managed by it: people join them with their
 * groups and leave them without; other teams are left alone.
 */
import type { Deps } from "../core/deps.ts";
import { ApiError } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import { randomToken } from "../core/crypto.ts";
import { EmailSchema, NameSchema } from "../core/schemas.ts";
import type { TeamRole, User } from "../accounts/model.ts";
import { putTeamMembers, removeTeamMember, teamRole } from "../accounts/teams.ts";
import { createUser, getUser, getUserByEmail, updateUser } from "../accounts/users.ts";
import type { GroupMapping } from "./model.ts";

export type SsoSource = "oidc" | "ldap";

/** A person as the directory describes them. */
export interface DirectoryPerson {
  source: SsoSource;
  /** The directory's stable id: the OpenID subject, the LDAP DN (lower case). */
  subject: string;
  email: string;
  name: string;
  groups: string[];
}

/** The link from a directory subject to an account (`sso_identity/<source>/<subject>`). */
export interface SsoIdentity {
  userId: string;
  linkedAt: number;
  /** The LDAP sync disabled the account (it re-enables only those it disabled). */
  disabledBySync?: boolean;
}

/** The actor of changes the directory makes (never an account: it cannot match a user's id). */
const DIRECTORY_ACTOR: User = {
  id: "directory",
  email: "",
  name: "directory",
  role: "admin",
  disabled: false,
  createdAt: 0,
};

/**
 * The account of a person who just proved who they are to the directory:
 * linked, found by e-mail, or created (when `jit`). 403 when there is none and
 * none may be created, or when the account is disabled.
 */
export async function accountForPerson(
  deps: Deps,
  p: DirectoryPerson,
  opts: { jit: boolean; groupMappings: GroupMapping[] },
): Promise<User> {
  const { kv, clock } = deps;
  const idKey = keys.ssoIdentity(p.source, p.subject);
  const linked = (await kv.get<SsoIdentity>(idKey)).value;
  let user = linked ? await getUser(kv, linked.userId) : null;
  if (!user) {
    const email = EmailSchema.safeParse(p.email);
    if (!email.success) {
      throw new ApiError("forbidden", "the directory gave no usable e-mail address");
    }
    user = await getUserByEmail(kv, email.data);
    if (!user) {
      if (!opts.jit) {
        throw new ApiError("forbidden", "there is no Tocsin account for you; ask an admin");
      }
      const name = NameSchema.safeParse(p.name);
      user = await createUser(deps, {
        email: email.data,
        name: name.success ? name.data : email.data.split("@")[0],
        // Never told to anyone: the person signs in through the directory.
        password: randomToken(),
        role: "member",
      });
    }
    await kv.set(idKey, { userId: user.id, linkedAt: clock.now() } satisfies SsoIdentity);
  }
  if (user.disabled) throw new ApiError("forbidden", "this account is disabled");
  await applyGroupMappings(deps, user.id, p.groups, opts.groupMappings);
  return user;
}

/** Puts the user in the mapped teams of their groups and takes them out of the other mapped ones. */
export async function applyGroupMappings(
  deps: Deps,
  userId: string,
  groups: string[],
  mappings: GroupMapping[],
): Promise<void> {
  const mine = new Set(groups.map((g) => g.toLowerCase()));
  const want = new Map<string, TeamRole>();
  const managed = new Set<string>();
  for (const m of mappings) {
    managed.add(m.teamId);
    if (!mine.has(m.group.toLowerCase())) continue;
    // Two groups mapping one team: the stronger role wins.
    if (want.get(m.teamId) !== "admin") want.set(m.teamId, m.role);
  }
  for (const teamId of managed) {
    if (!(await deps.kv.get(keys.team(teamId))).value) continue;
    const cur = await teamRole(deps.kv, teamId, userId);
    const role = want.get(teamId);
    if (role && cur !== role) await putTeamMembers(deps, teamId, [userId], role);
    if (!role && cur) await removeTeamMember(deps, teamId, userId);
  }
}

/**
 * The directory no longer lists the person (or lists them as disabled): the
 * account is disabled, which ends its sessions and API tokens in one commit.
 */
export async function disableFromDirectory(
  deps: Deps,
  source: SsoSource,
  subject: string,
  link: SsoIdentity,
): Promise<boolean> {
  const user = await getUser(deps.kv, link.userId);
  if (!user || user.disabled) return false;
  // The user.update entry (actor "directory") commits with the account and its link.
  await updateUser(deps, DIRECTORY_ACTOR, user.id, { disabled: true }, (op) => {
    op.set(keys.ssoIdentity(source, subject), { ...link, disabledBySync: true });
    return Promise.resolve();
  }, { detail: { via: `${source}_sync` } });
  return true;
}

/** The directory lists the person again: an account the sync disabled comes back. */
export async function reenableFromDirectory(
  deps: Deps,
  source: SsoSource,
  subject: string,
  link: SsoIdentity,
): Promise<void> {
  if (!link.disabledBySync) return;
  const user = await getUser(deps.kv, link.userId);
  if (user?.disabled) await updateUser(deps, DIRECTORY_ACTOR, user.id, { disabled: false });
  await deps.kv.set(keys.ssoIdentity(source, subject), { ...link, disabledBySync: false });
}
