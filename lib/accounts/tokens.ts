/**
 * Personal API tokens (bearer). The secret is a 256-bit random value shown
 * once and stored only as its SHA-256 hash. A token may expire; every token
 * of a user stops working when an admin resets their password or disables
 * them (the user's `authGen` moves on, in the same commit that deletes the
 * records). The last use is recorded coarsely, for the token list.
 */
import { auditedAtomic } from "../audit/chain.ts";
import { DEFAULT_TOKEN_LAST_USED_GRANULARITY_MS } from "../core/config.ts";
import { randomToken, sha256Hex } from "../core/crypto.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { listAll } from "../core/kv_util.ts";
import type { User } from "./model.ts";

/** Prefix of personal API tokens, so that leaked ones are easy to grep for. */
export const API_TOKEN_PREFIX = "tcn_";

export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  createdAt: number;
  /** Refused from this time on (ms since the epoch); null: never expires. */
  expiresAt: number | null;
  /** Last request made with it, to the minute; null: never used. */
  lastUsedAt: number | null;
  /** The user's authGen when it was created; a token of an older generation is revoked. */
  gen: number;
}

/** The stored form: the by-user index keeps the hash, so that revocation finds the token. */
type StoredToken = ApiToken & { hash: string };

/** A record from before expiry and generations existed reads as never-expiring, generation 0. */
export function readToken<T extends ApiToken>(t: T): T {
  return {
    ...t,
    expiresAt: t.expiresAt ?? null,
    lastUsedAt: t.lastUsedAt ?? null,
    gen: t.gen ?? 0,
  };
}

/** expireIn for a token's records, so that expired ones leave the store by themselves. */
function ttl(t: ApiToken, now: number): { expireIn?: number } {
  return t.expiresAt === null ? {} : { expireIn: Math.max(1, t.expiresAt - now) };
}

/** Creates a personal API token; the secret is returned once and stored hashed. */
export async function createApiToken(
  deps: Deps,
  user: User,
  input: { name: string; expiresAt?: number },
): Promise<{ token: string; apiToken: ApiToken }> {
  const { kv, clock, config } = deps;
  const now = clock.now();
  if (input.expiresAt !== undefined && input.expiresAt <= now) {
    throw new ApiError("invalid_input", "expiresAt: must be in the future");
  }
  const max = config.maxApiTokensPerUser;
  if (max > 0 && (await listAll(kv, keys.apiTokensByUser(user.id), max)).length >= max) {
    throw new ApiError("invalid_input", `at most ${max} tokens per user; revoke one first`);
  }
  // The token belongs to the user's current generation; checking the record makes a
  // reset or disable that commits meanwhile refuse this creation instead of missing it.
  const current = await kv.get<User>(keys.user(user.id));
  if (!current.value || current.value.disabled) throw new ApiError("unauthorized", "log in first");
  const token = randomToken(API_TOKEN_PREFIX);
  const hash = await sha256Hex(token);
  const apiToken: ApiToken = {
    id: ulid(now),
    userId: user.id,
    name: input.name,
    createdAt: now,
    expiresAt: input.expiresAt ?? null,
    lastUsedAt: null,
    gen: current.value.authGen ?? 0,
  };
  const res = await auditedAtomic(kv, clock, {
    actor: user,
    action: "token.create",
    target: { type: "token", id: apiToken.id },
    detail: { name: input.name },
  })
    .check({ key: keys.apiToken(hash), versionstamp: null })
    .check(current)
    .set(keys.apiToken(hash), apiToken, ttl(apiToken, now))
    .set(keys.apiTokenByUser(user.id, apiToken.id), { ...apiToken, hash }, ttl(apiToken, now))
    .commit();
  if (!res.ok) throw new ApiError("conflict", "your account changed meanwhile; log in again");
  return { token, apiToken };
}

/** A user's tokens, without their hashes; expired ones are left out. */
export async function listApiTokens(deps: Deps, userId: string): Promise<ApiToken[]> {
  const now = deps.clock.now();
  return (await listAll<StoredToken>(deps.kv, keys.apiTokensByUser(userId)))
    .map((e) => {
      const { hash: _hash, ...t } = readToken(e.value);
      return t;
    })
    .filter((t) => t.expiresAt === null || t.expiresAt > now);
}

/** Revokes one token of the user (`by`: who revokes it, the owner or an admin). */
export async function deleteApiToken(
  deps: Deps,
  by: User,
  userId: string,
  tokenId: string,
): Promise<void> {
  const { kv, clock } = deps;
  const entry = await kv.get<StoredToken>(keys.apiTokenByUser(userId, tokenId));
  if (!entry.value) throw notFound("token");
  // No check: deleting both records is right whatever changed meanwhile (e.g. lastUsedAt).
  await auditedAtomic(kv, clock, {
    actor: by,
    action: "token.revoke",
    target: { type: "token", id: tokenId },
    detail: { owner: userId, name: entry.value.name },
  }).delete(entry.key).delete(keys.apiToken(entry.value.hash)).commit();
}

/**
 * Stages the deletion of every token of a user into `op` (a password reset or
 * a disable). The count is bounded by TOCSIN_MAX_API_TOKENS_PER_USER, so they
 * fit one commit; the authGen bump staged beside it refuses any that do not.
 */
export async function stageRevokeAllTokens(
  kv: Deno.Kv,
  op: Deno.AtomicOperation,
  userId: string,
  limit: number,
): Promise<void> {
  for (const e of await listAll<StoredToken>(kv, keys.apiTokensByUser(userId), limit)) {
    op.delete(e.key).delete(keys.apiToken(e.value.hash));
  }
}

/** Records a use of the token, at most once per DEFAULT_TOKEN_LAST_USED_GRANULARITY_MS. */
export async function touchApiToken(
  kv: Deno.Kv,
  entry: Deno.KvEntry<ApiToken>,
  hash: string,
  now: number,
): Promise<void> {
  const t = readToken(entry.value);
  if (t.lastUsedAt !== null && now - t.lastUsedAt < DEFAULT_TOKEN_LAST_USED_GRANULARITY_MS) {
    return;
  }
  const used: ApiToken = { ...t, lastUsedAt: now };
  // The check keeps a concurrent revocation (which deletes this record) from being undone.
  await kv.atomic().check(entry)
    .set(keys.apiToken(hash), used, ttl(used, now))
    .set(keys.apiTokenByUser(t.userId, t.id), { ...used, hash }, ttl(used, now))
    .commit();
}
