/**
 * User accounts: first-run setup, creation by admins, updates (disable,
 * reset password) and the directory.
 */
import { auditedAtomic, stageAudit, withMeta } from "../audit/chain.ts";
import { type PublicUser, publicUser } from "./model.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { getManyChunked, listAll } from "../core/kv_util.ts";
import { hashPassword } from "./passwords.ts";
import { stageRevokeAllTokens } from "./tokens.ts";
import type { CreateUserInput, QuietHours, SetupInput, UpdateUserInput, User } from "./model.ts";

/** The caller edits their own profile: name and quiet hours. */
export async function updateProfile(
  deps: Deps,
  user: User,
  patch: { name?: string; quietHours?: QuietHours | null; lang?: "en" | "zh" | null },
): Promise<User> {
  const { kv, clock } = deps;
  const entry = await kv.get<User>(keys.user(user.id));
  if (!entry.value) throw notFound("user");
  const updated: User = {
    ...entry.value,
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.quietHours !== undefined ? { quietHours: patch.quietHours } : {}),
    ...(patch.lang !== undefined ? { lang: patch.lang } : {}),
  };
  const res = await auditedAtomic(kv, clock, {
    actor: user,
    action: "user.profile",
    target: { type: "user", id: user.id },
    detail: { fields: Object.keys(patch).filter((k) => k in patch) },
  }).check(entry).set(entry.key, updated).commit();
  if (!res.ok) throw new ApiError("conflict", "your profile changed meanwhile; retry");
  return updated;
}

function checkPassword(deps: Deps, password: string): void {
  if (password.length < deps.config.passwordMinLength) {
    throw new ApiError(
      "invalid_input",
      `password: must be at least ${deps.config.passwordMinLength} characters`,
    );
  }
}

/** True once any user exists (the setup page is then closed). */
export async function isSetUp(kv: Deno.Kv): Promise<boolean> {
  return (await kv.get(keys.setupDone())).value !== null;
}

/**
 * Creates the first admin, only while no user exists; 409 afterwards. The
 * route is open to anyone, so the cheap checks come before the password hash:
 * once set up it answers without hashing, and before that `beforeHash` (the
 * route's rate limit) runs first.
 */
export async function setup(
  deps: Deps,
  input: SetupInput,
  beforeHash: () => Promise<void> = () => Promise.resolve(),
): Promise<User> {
  const done = () => new ApiError("setup_done", "Tocsin is already set up; log in instead");
  if (await isSetUp(deps.kv)) throw done();
  checkPassword(deps, input.password);
  await beforeHash();
  const user = await createUserRecord(
    deps,
    { ...input, role: "admin" },
    { firstRun: true, hash: await hashPassword(deps, input.password) },
  );
  if (!user) throw done();
  return user;
}

/** Creates a user (admins only; checked by the route). 409 when the e-mail is taken. */
export async function createUser(
  deps: Deps,
  input: CreateUserInput,
  actor: User | null = null,
): Promise<User> {
  const taken = () => new ApiError("conflict", "a user with this e-mail already exists");
  checkPassword(deps, input.password);
  if ((await deps.kv.get(keys.userByEmail(input.email))).value !== null) throw taken();
  const user = await createUserRecord(deps, input, {
    hash: await hashPassword(deps, input.password),
    actor,
  });
  if (!user) throw taken();
  return user;
}

/**
 * Stores a new user in one commit, with their e-mail index and password hash
 * (`hash` null: no password, e.g. provisioned by SCIM or CSV, until they set
 * one through a link). `stage` adds the caller's own writes (an invitation
 * deleted, team memberships) to the same commit. Null when the e-mail is
 * taken or the commit lost a race.
 */
export async function createUserRecord(
  deps: Deps,
  input: Omit<CreateUserInput, "password">,
  opts: {
    hash: string | null;
    firstRun?: boolean;
    stage?: (op: Deno.AtomicOperation, user: User) => void;
    /** Who created the account, for the audit log (null: by itself, a link, or a sync). */
    actor?: User | null;
    /**
     * The audit entry's action instead of `user.create` (`user.signup`...), facts added to its
     * detail (`via`), and `self`: the new user is the actor (they created their own account).
     */
    audit?: { action?: string; detail?: Record<string, unknown>; self?: boolean };
  },
): Promise<User | null> {
  const { kv, clock } = deps;
  const { hash, firstRun = false, actor = null } = opts;
  const now = clock.now();
  const user: User = {
    id: ulid(now),
    email: input.email,
    name: input.name,
    role: input.role,
    disabled: false,
    createdAt: now,
  };
  const op = auditedAtomic(kv, clock, {
    actor: firstRun || opts.audit?.self ? user : actor,
    action: firstRun ? "user.setup" : opts.audit?.action ?? "user.create",
    target: { type: "user", id: user.id },
    detail: { email: user.email, role: user.role, ...opts.audit?.detail },
  })
    .check({ key: keys.user(user.id), versionstamp: null })
    .check({ key: keys.userByEmail(user.email), versionstamp: null })
    .set(keys.user(user.id), user)
    .set(keys.userByEmail(user.email), user.id);
  if (hash !== null) op.set(keys.password(user.id), hash);
  opts.stage?.(op, user);
  if (firstRun) {
    op.check({ key: keys.setupDone(), versionstamp: null }).set(keys.setupDone(), now);
  } else {
    const done = await kv.get(keys.setupDone());
    if (!done.value) op.check(done).set(keys.setupDone(), now);
  }
  const res = await op.commit();
  return res.ok ? user : null;
}

export async function getUser(kv: Deno.Kv, id: string): Promise<User | null> {
  return (await kv.get<User>(keys.user(id))).value;
}

/** Display names by id (the id itself for a deleted user), for schedules and calendars. */
export async function userNames(kv: Deno.Kv, ids: string[]): Promise<Record<string, string>> {
  const unique = [...new Set(ids)];
  const users = await getManyChunked<User>(kv, unique.map((id) => keys.user(id)));
  const out: Record<string, string> = Object.create(null);
  unique.forEach((id, i) => out[id] = users[i].value?.name ?? id);
  return out;
}

export async function getUserByEmail(kv: Deno.Kv, email: string): Promise<User | null> {
  const id = (await kv.get<string>(keys.userByEmail(email))).value;
  return id ? await getUser(kv, id) : null;
}

/**
 * Updates a user (admins only). Disabling or changing the password ends
 * every session and revokes every API token of that user, in the same commit
 * (authGen moves on, so that none survives, and the records are deleted), and
 * closes their sockets. Re-enabling brings none of them back.
 */
export async function updateUser(
  deps: Deps,
  actor: User,
  id: string,
  patch: UpdateUserInput,
  /** Writes of the caller's that belong to the same commit (a reset link used up). */
  stage?: (op: Deno.AtomicOperation) => Promise<void>,
  /** The audit entry's action instead of `user.update`, and facts added to its detail. */
  auditAs?: { action?: string; detail?: Record<string, unknown> },
): Promise<User> {
  const { kv, fanout, config, clock } = deps;
  if (patch.password !== undefined) checkPassword(deps, patch.password);
  const audit = withMeta({
    actor,
    action: auditAs?.action ?? "user.update",
    target: { type: "user", id },
    detail: {
      fields: Object.keys(patch).filter((k) => k !== "password"),
      ...(patch.password !== undefined ? { password: "reset" } : {}),
      ...(patch.role !== undefined ? { role: patch.role } : {}),
      ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
      ...auditAs?.detail,
    },
  });
  if (id === actor.id && (patch.disabled === true || patch.role === "member")) {
    throw new ApiError("invalid_input", "admins cannot disable or demote themselves");
  }
  const hash = patch.password !== undefined ? await hashPassword(deps, patch.password) : undefined;
  return await fanout.commit(fanout.shard(id), async (op) => {
    const entry = await kv.get<User>(keys.user(id));
    if (!entry.value) throw notFound("user");
    const endSessions = (patch.disabled === true && !entry.value.disabled) || hash !== undefined;
    const user: User = {
      ...entry.value,
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.role !== undefined ? { role: patch.role } : {}),
      ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
      ...(endSessions ? { authGen: (entry.value.authGen ?? 0) + 1 } : {}),
    };
    op.check(entry).set(keys.user(id), user);
    if (hash) op.set(keys.password(id), hash);
    if (stage) await stage(op);
    await stageAudit(kv, op, clock, audit);
    if (!endSessions) return { hints: [], result: user };
    // A commit holds at most 1,000 mutations: up to 2 x 300 for sessions and
    // 2 x TOCSIN_MAX_API_TOKENS_PER_USER for tokens. Any left over are refused
    // at authentication anyway (older authGen), and age out.
    await stageRevokeAllTokens(kv, op, id, Math.min(config.maxApiTokensPerUser || 150, 150));
    const sessions = await listAll(kv, keys.sessionsByUser(id), 300);
    for (const s of sessions) {
      const hashKey = String(s.key[2]);
      op.delete(keys.session(hashKey)).delete(s.key);
    }
    return {
      hints: [{ t: "user", u: id, why: hash && !patch.disabled ? "password" : "disabled" }],
      result: user,
    };
  });
}

/** Directory search over name and e-mail, for everyone signed in. */
export async function searchUsers(
  kv: Deno.Kv,
  q: string,
  limit: number,
  includeDisabled: boolean,
): Promise<PublicUser[]> {
  const needle = q.trim().toLowerCase();
  const out: PublicUser[] = [];
  for await (const e of kv.list<User>({ prefix: keys.users() }, { batchSize: 500 })) {
    const u = e.value;
    if (u.disabled && !includeDisabled) continue;
    if (
      needle && !u.name.toLowerCase().includes(needle) && !u.email.toLowerCase().includes(needle)
    ) continue;
    out.push(publicUser(u));
  }
  out.sort((a, b) => a.name.localeCompare(b.name));
  return out.slice(0, limit);
}
