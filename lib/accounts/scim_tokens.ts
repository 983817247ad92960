/**
 * Bearer tokens for SCIM provisioning (an identity provider pushing users
 * and groups). Created by an admin, shown once, stored only as a SHA-256
 * hash; they authenticate nothing but the /scim/v2 routes.
 */
import { randomToken, sha256Hex } from "../core/crypto.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { listAll } from "../core/kv_util.ts";
import { auditedAtomic } from "../audit/chain.ts";
import type { User } from "./model.ts";

/** Prefix of SCIM tokens, so that leaked ones are easy to grep for. */
export const SCIM_TOKEN_PREFIX = "tcnscim_";

/** How often the last use is recorded at most (a provider syncs in bursts). */
const LAST_USED_GRANULARITY_MS = 60_000;

export interface ScimToken {
  id: string;
  name: string;
  createdAt: number;
  createdBy: string;
  lastUsedAt: number | null;
}

type Stored = ScimToken & { hash: string };

export async function createScimToken(
  deps: Deps,
  actor: User,
  name: string,
): Promise<{ token: string; scimToken: ScimToken }> {
  const { kv, clock, config } = deps;
  const max = config.maxScimTokens;
  if (max > 0 && (await listAll(kv, keys.scimTokensById(), max)).length >= max) {
    throw new ApiError("invalid_input", `at most ${max} SCIM tokens; revoke one first`);
  }
  const token = randomToken(SCIM_TOKEN_PREFIX);
  const hash = await sha256Hex(token);
  const now = clock.now();
  const scimToken: ScimToken = {
    id: ulid(now),
    name,
    createdAt: now,
    createdBy: actor.id,
    lastUsedAt: null,
  };
  const res = await auditedAtomic(kv, clock, {
    actor,
    action: "scim_token.create",
    target: { type: "scim_token", id: scimToken.id },
    detail: { name },
  })
    .check({ key: keys.scimToken(hash), versionstamp: null })
    .check({ key: keys.scimTokenById(scimToken.id), versionstamp: null })
    .set(keys.scimToken(hash), scimToken.id)
    .set(keys.scimTokenById(scimToken.id), { ...scimToken, hash } satisfies Stored)
    .commit();
  if (!res.ok) throw new ApiError("conflict", "could not create the token; retry");
  return { token, scimToken };
}

export async function listScimTokens(kv: Deno.Kv): Promise<ScimToken[]> {
  return (await listAll<Stored>(kv, keys.scimTokensById())).map((e) => {
    const { hash: _h, ...t } = e.value;
    return t;
  });
}

export async function deleteScimToken(deps: Deps, id: string): Promise<void> {
  const { kv, clock } = deps;
  const entry = await kv.get<Stored>(keys.scimTokenById(id));
  if (!entry.value) throw notFound("token");
  const res = await auditedAtomic(kv, clock, {
    action: "scim_token.revoke",
    target: { type: "scim_token", id },
    detail: { name: entry.value.name },
  }).delete(entry.key).delete(keys.scimToken(entry.value.hash)).commit();
  if (!res.ok) throw new ApiError("conflict", "could not revoke the token; retry");
}

/** The token a bearer secret names, or null; records its use coarsely. */
export async function authenticateScim(deps: Deps, secret: string): Promise<ScimToken | null> {
  if (!secret.startsWith(SCIM_TOKEN_PREFIX) || secret.length > 200) return null;
  const { kv, clock } = deps;
  const hash = await sha256Hex(secret);
  const id = (await kv.get<string>(keys.scimToken(hash))).value;
  if (!id) return null;
  const entry = await kv.get<Stored>(keys.scimTokenById(id));
  if (!entry.value || entry.value.hash !== hash) return null;
  const now = clock.now();
  const { hash: _h, ...t } = entry.value;
  if (t.lastUsedAt === null || now - t.lastUsedAt >= LAST_USED_GRANULARITY_MS) {
    await kv.atomic().check(entry).set(entry.key, { ...entry.value, lastUsedAt: now }).commit();
  }
  return t;
}
