/**
 * SCIM Users mapped onto Tocsin accounts: userName (or the primary e-mail) is
 * the e-mail Tocsin signs in with, displayName (or name) the display name,
 * active the inverse of disabled. Provisioned accounts have no password:
 * people sign in through single sign-on or choose one with "forgot password".
 * Deactivation (active=false, or DELETE) disables the account, which ends its
 * sessions and revokes its API tokens; DELETE keeps the account and its
 * history but hides it from SCIM.
 */
import type { Deps } from "../core/deps.ts";
import { ApiError } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import { EmailSchema } from "../core/schemas.ts";
import type { User } from "./model.ts";
import { type PatchOp, SCIM, scimBool, ScimError } from "./scim_schema.ts";
import { createUserRecord, getUser, getUserByEmail, updateUser } from "./users.ts";
import { auditedAtomic } from "../audit/chain.ts";
import { requestMeta } from "../audit/context.ts";

/** What SCIM keeps beside the account. */
export interface ScimUserMeta {
  externalId?: string;
  givenName?: string;
  familyName?: string;
  /** Deleted through SCIM: the account stays (disabled), SCIM no longer sees it. */
  deleted?: boolean;
  updatedAt: number;
}

/** The changes a SCIM request asks for, as read from its body. */
export interface ScimUserChange {
  email?: string;
  name?: string;
  active?: boolean;
  externalId?: string;
  givenName?: string;
  familyName?: string;
}

/** Who SCIM acts as when it changes an account (never the account itself). */
const SCIM_ACTOR: User = {
  id: "scim",
  email: "",
  name: "SCIM",
  role: "admin",
  disabled: false,
  createdAt: 0,
};
const VIA_SCIM = { detail: { via: "scim" } };

/** The SCIM token of the request (routes/scim.ts), as the actor of the changes it makes. */
function scimActor(): User {
  const a = requestMeta().actor;
  return a ? { ...SCIM_ACTOR, id: a.id, name: a.name ?? SCIM_ACTOR.name } : SCIM_ACTOR;
}

const str = (v: unknown, max = 200): string | undefined =>
  typeof v === "string" && v.trim() ? v.trim().slice(0, max) : undefined;

function email(v: string): string {
  const r = EmailSchema.safeParse(v);
  if (!r.success) {
    throw new ScimError(
      400,
      `userName: ${v.slice(0, 100)} is not an e-mail address`,
      "invalidValue",
    );
  }
  return r.data;
}

function primaryEmail(emails: unknown): string | undefined {
  if (!Array.isArray(emails)) return undefined;
  const list = emails.filter((e) => e && typeof e === "object") as {
    value?: unknown;
    primary?: unknown;
  }[];
  return str((list.find((e) => scimBool(e.primary)) ?? list[0])?.value);
}

/** Reads a full User resource (POST, PUT). */
export function readUserResource(body: unknown): ScimUserChange & { email: string; name: string } {
  if (!body || typeof body !== "object") {
    throw new ScimError(400, "the body must be a User", "invalidSyntax");
  }
  const b = body as Record<string, unknown>;
  const n = (b.name && typeof b.name === "object" ? b.name : {}) as Record<string, unknown>;
  const userName = str(b.userName, 320);
  const mail = userName && userName.includes("@") ? userName : primaryEmail(b.emails) ?? userName;
  if (!mail) throw new ScimError(400, "userName is required", "invalidValue");
  const givenName = str(n.givenName);
  const familyName = str(n.familyName);
  const name = str(b.displayName, 100) ?? str(n.formatted, 100) ??
    ([givenName, familyName].filter(Boolean).join(" ").slice(0, 100) || mail.split("@")[0]);
  const active = b.active === undefined ? true : scimBool(b.active);
  if (active === null) throw new ScimError(400, "active must be a boolean", "invalidValue");
  return { email: email(mail), name, active, externalId: str(b.externalId), givenName, familyName };
}

/** Applies one attribute of a PATCH (Okta and Azure AD spell them differently); unknown ones are ignored. */
function patchAttr(change: ScimUserChange, attr: string, value: unknown): void {
  const a = attr.toLowerCase();
  if (a === "active") {
    const b = scimBool(value);
    if (b === null) throw new ScimError(400, "active must be a boolean", "invalidValue");
    change.active = b;
  } else if (a === "username") {
    const s = str(value, 320);
    if (s) change.email = email(s);
  } else if (a === "displayname" || a === "name.formatted") {
    const s = str(value, 100);
    if (s) change.name = s;
  } else if (a === "name.givenname") change.givenName = str(value);
  else if (a === "name.familyname") change.familyName = str(value);
  else if (a === "externalid") change.externalId = str(value);
  else if (a === "name" && value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) patchAttr(change, `name.${k}`, v);
  } else if (/^emails(\[.*\])?(\.value)?$/.test(a)) {
    const s = Array.isArray(value) ? primaryEmail(value) : str(value, 320);
    if (s) change.email = email(s);
  }
}

/** Reads PATCH operations into a change. */
export function readUserPatch(ops: PatchOp[]): ScimUserChange {
  const change: ScimUserChange = {};
  for (const o of ops) {
    if (o.op === "remove") continue; // Nothing of a Tocsin account can be left empty.
    if (o.path) patchAttr(change, o.path, o.value);
    else if (o.value && typeof o.value === "object") {
      for (const [k, v] of Object.entries(o.value)) patchAttr(change, k, v);
    } else {throw new ScimError(
        400,
        "an operation without a path needs an object value",
        "invalidSyntax",
      );}
  }
  return change;
}

export async function getScimMeta(kv: Deno.Kv, userId: string): Promise<ScimUserMeta | null> {
  return (await kv.get<ScimUserMeta>(keys.scimUser(userId))).value;
}

/** The account as a SCIM User resource. */
export function userResource(user: User, meta: ScimUserMeta | null, base: string) {
  const name: Record<string, string> = { formatted: user.name };
  if (meta?.givenName) name.givenName = meta.givenName;
  if (meta?.familyName) name.familyName = meta.familyName;
  return {
    schemas: [SCIM.user],
    id: user.id,
    ...(meta?.externalId ? { externalId: meta.externalId } : {}),
    userName: user.email,
    name,
    displayName: user.name,
    emails: [{ value: user.email, type: "work", primary: true }],
    active: !user.disabled,
    meta: {
      resourceType: "User",
      created: new Date(user.createdAt).toISOString(),
      lastModified: new Date(meta?.updatedAt ?? user.createdAt).toISOString(),
      location: `${base}/Users/${user.id}`,
    },
  };
}

/** An account SCIM may see: it exists and was not deleted through SCIM. */
export async function getScimUser(
  kv: Deno.Kv,
  id: string,
): Promise<{ user: User; meta: ScimUserMeta | null }> {
  const user = await getUser(kv, id);
  const meta = user ? await getScimMeta(kv, id) : null;
  if (!user || meta?.deleted) throw new ScimError(404, `User ${id.slice(0, 40)} not found`);
  return { user, meta };
}

async function saveMeta(deps: Deps, userId: string, change: ScimUserChange, deleted = false) {
  const old = await getScimMeta(deps.kv, userId);
  const meta: ScimUserMeta = { ...old, updatedAt: deps.clock.now() };
  if (change.externalId !== undefined) meta.externalId = change.externalId;
  if (change.givenName !== undefined) meta.givenName = change.givenName;
  if (change.familyName !== undefined) meta.familyName = change.familyName;
  if (deleted) meta.deleted = true;
  else delete meta.deleted;
  await deps.kv.set(keys.scimUser(userId), meta);
  return meta;
}

/**
 * Creates a provisioned account (a member, without a password). 409
 * uniqueness when the e-mail is taken, except by an account deleted through
 * SCIM, which is brought back.
 */
export async function scimCreateUser(
  deps: Deps,
  input: ScimUserChange & { email: string; name: string },
): Promise<{ user: User; meta: ScimUserMeta }> {
  const existing = await getUserByEmail(deps.kv, input.email);
  if (existing) {
    const old = await getScimMeta(deps.kv, existing.id);
    if (!old?.deleted) throw new ScimError(409, "a user with this userName exists", "uniqueness");
    // Deleted through SCIM earlier and pushed again: the same account comes back.
    await deps.kv.set(keys.scimUser(existing.id), { ...old, deleted: false });
    return await scimUpdateUser(deps, existing.id, input);
  }
  const now = deps.clock.now();
  const meta: ScimUserMeta = {
    ...(input.externalId ? { externalId: input.externalId } : {}),
    ...(input.givenName ? { givenName: input.givenName } : {}),
    ...(input.familyName ? { familyName: input.familyName } : {}),
    updatedAt: now,
  };
  let user = await createUserRecord(
    deps,
    { email: input.email, name: input.name, role: "member" },
    {
      hash: null,
      stage: (op, u) => op.set(keys.scimUser(u.id), meta),
      actor: scimActor(),
      audit: { detail: { via: "scim" } },
    },
  );
  if (!user) throw new ScimError(409, "a user with this userName exists", "uniqueness");
  if (input.active === false) {
    user = await updateUser(deps, scimActor(), user.id, { disabled: true }, undefined, VIA_SCIM);
  }
  return { user, meta };
}

/** Applies a change (PUT or PATCH): e-mail, name, active; deactivation ends sessions and tokens. */
export async function scimUpdateUser(
  deps: Deps,
  id: string,
  change: ScimUserChange,
  opts: { deleted?: boolean } = {},
): Promise<{ user: User; meta: ScimUserMeta }> {
  const { kv } = deps;
  let { user } = await getScimUser(kv, id);
  if (change.email !== undefined && change.email !== user.email) {
    const entry = await kv.get<User>(keys.user(id));
    if (!entry.value) throw new ScimError(404, "User not found");
    const moved: User = { ...entry.value, email: change.email };
    const res = await auditedAtomic(kv, deps.clock, {
      actor: scimActor(),
      action: "user.update",
      target: { type: "user", id },
      detail: { fields: ["email"], email: change.email, ...VIA_SCIM.detail },
    }).check(entry)
      .check({ key: keys.userByEmail(change.email), versionstamp: null })
      .delete(keys.userByEmail(entry.value.email))
      .set(keys.userByEmail(change.email), id)
      .set(keys.user(id), moved).commit();
    if (!res.ok) throw new ScimError(409, "a user with this userName exists", "uniqueness");
    user = moved;
  }
  const patch: { name?: string; disabled?: boolean } = {};
  if (change.name !== undefined && change.name !== user.name) patch.name = change.name;
  if (change.active !== undefined && change.active === user.disabled) {
    patch.disabled = !change.active;
  }
  if (patch.name !== undefined || patch.disabled !== undefined) {
    try {
      user = await updateUser(deps, scimActor(), id, patch, undefined, VIA_SCIM);
    } catch (e) {
      if (e instanceof ApiError) throw new ScimError(e.status, e.message);
      throw e;
    }
  }
  const meta = await saveMeta(deps, id, change, opts.deleted);
  return { user, meta };
}

/** Lists the accounts SCIM sees, optionally filtered on one attribute. */
export async function scimListUsers(
  deps: Deps,
  filter: { attr: string; value: string } | null,
): Promise<{ user: User; meta: ScimUserMeta | null }[]> {
  const { kv } = deps;
  if (
    filter &&
    (filter.attr === "username" || filter.attr === "emails.value" || filter.attr === "emails")
  ) {
    const r = EmailSchema.safeParse(filter.value);
    const user = r.success ? await getUserByEmail(kv, r.data) : null;
    const meta = user ? await getScimMeta(kv, user.id) : null;
    return user && !meta?.deleted ? [{ user, meta }] : [];
  }
  if (filter && filter.attr !== "externalid" && filter.attr !== "displayname") {
    throw new ScimError(400, `filtering on ${filter.attr} is not supported`, "invalidFilter");
  }
  const out: { user: User; meta: ScimUserMeta | null }[] = [];
  const metas = new Map<string, ScimUserMeta>();
  for await (const e of kv.list<ScimUserMeta>({ prefix: keys.scimUsers() })) {
    metas.set(String(e.key[1]), e.value);
  }
  for await (const e of kv.list<User>({ prefix: keys.users() }, { batchSize: 500 })) {
    const meta = metas.get(e.value.id) ?? null;
    if (meta?.deleted) continue;
    if (filter?.attr === "externalid" && meta?.externalId !== filter.value) continue;
    if (filter?.attr === "displayname" && e.value.name !== filter.value) continue;
    out.push({ user: e.value, meta });
  }
  return out;
}
