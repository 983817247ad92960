/**
 * Authentication: login sessions (cookie) and personal API tokens (bearer).
 * Both secrets are 256-bit random values stored only as SHA-256 hashes.
 * Sessions expire through KV `expireIn` and can be revoked.
 */
import { base64url, randomToken, sha256Hex } from "../core/crypto.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { listAll } from "../core/kv_util.ts";
import { dummyPasswordHash, verifyPassword } from "./passwords.ts";
import { hit, reset, retryAfter, type Window } from "../core/ratelimit.ts";
import type { User } from "./model.ts";
import { getUser, getUserByEmail } from "./users.ts";

/** Prefix of personal API tokens, so that leaked ones are easy to grep for. */
export const API_TOKEN_PREFIX = "tcn_";

export interface Session {
  userId: string;
  createdAt: number;
  expiresAt: number;
  ip: string;
  userAgent: string;
}

export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  createdAt: number;
}

export interface Auth {
  user: User;
  /** Hash of the session secret when authenticated by cookie, else null. */
  sessionHash: string | null;
  via: "session" | "token";
}

function loginWindows(deps: Deps, email: string, ip: string): { account: Window; ip: Window } {
  const { config } = deps;
  return {
    account: {
      scope: "login_account",
      id: email,
      windowMs: config.loginWindowMs,
      max: config.loginMaxFailuresPerAccount,
    },
    ip: {
      scope: "login_ip",
      id: ip,
      windowMs: config.loginWindowMs,
      max: config.loginMaxAttemptsPerIp,
    },
  };
}

/** Checks credentials (rate limited per account and per IP) and opens a session. */
export async function login(
  deps: Deps,
  email: string,
  password: string,
  meta: { ip: string; userAgent: string },
): Promise<{ token: string; user: User; session: Session }> {
  const { kv, clock, config } = deps;
  const w = loginWindows(deps, email, meta.ip);
  const wait = Math.max(
    await retryAfter(kv, clock, w.account),
    await retryAfter(kv, clock, w.ip),
  );
  if (wait > 0) {
    throw new ApiError("rate_limited", "too many login attempts; try again later", wait);
  }
  await hit(kv, clock, w.ip);
  const user = await getUserByEmail(kv, email);
  const hash = user ? (await kv.get<string>(keys.password(user.id))).value : null;
  // Verify against a dummy hash when there is no such user, so timing does not tell.
  const ok = await verifyPassword(hash ?? await dummyPasswordHash(config), password);
  if (!user || !hash || !ok) {
    await hit(kv, clock, w.account);
    throw new ApiError("unauthorized", "wrong e-mail or password");
  }
  if (user.disabled) throw new ApiError("forbidden", "this account is disabled");
  await reset(kv, clock, w.account);
  const { token, session } = await createSession(deps, user, meta);
  return { token, user, session };
}

/** Opens a session for a user and returns its secret (the cookie value). */
export async function createSession(
  deps: Deps,
  user: User,
  meta: { ip: string; userAgent: string },
): Promise<{ token: string; session: Session }> {
  const { kv, clock, config } = deps;
  const token = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const hash = await sha256Hex(token);
  const now = clock.now();
  const session: Session = {
    userId: user.id,
    createdAt: now,
    expiresAt: now + config.sessionTtlMs,
    ip: meta.ip.slice(0, 64),
    userAgent: meta.userAgent.slice(0, 200),
  };
  const res = await kv.atomic()
    .check({ key: keys.session(hash), versionstamp: null })
    .set(keys.session(hash), session, { expireIn: config.sessionTtlMs })
    .set(keys.sessionByUser(user.id, hash), now, { expireIn: config.sessionTtlMs })
    .commit();
  if (!res.ok) throw new ApiError("internal", "could not create a session");
  return { token, session };
}

/** Ends a session and closes the sockets opened with it. */
export async function logout(deps: Deps, token: string): Promise<void> {
  const { kv, fanout } = deps;
  const hash = await sha256Hex(token);
  const entry = await kv.get<Session>(keys.session(hash));
  if (!entry.value) return;
  const userId = entry.value.userId;
  await fanout.commit(fanout.shard(userId), (op) => {
    op.delete(keys.session(hash)).delete(keys.sessionByUser(userId, hash));
    return Promise.resolve({
      hints: [{ t: "user", u: userId, why: "logout", s: hash }],
      result: null,
    });
  });
}

/** Resolves a cookie secret or a bearer token to a user; null when unknown, expired or disabled. */
export async function authenticate(
  deps: Deps,
  creds: { cookie?: string; bearer?: string },
): Promise<Auth | null> {
  const { kv, clock } = deps;
  if (creds.bearer) {
    const hash = await sha256Hex(creds.bearer);
    const t = (await kv.get<ApiToken>(keys.apiToken(hash))).value;
    if (!t) return null;
    const user = await getUser(kv, t.userId);
    return user && !user.disabled ? { user, sessionHash: null, via: "token" } : null;
  }
  if (creds.cookie) {
    const hash = await sha256Hex(creds.cookie);
    const s = (await kv.get<Session>(keys.session(hash))).value;
    // expireIn deletes "soon after" expiry, not at it: check the time too.
    if (!s || s.expiresAt <= clock.now()) return null;
    const user = await getUser(kv, s.userId);
    return user && !user.disabled ? { user, sessionHash: hash, via: "session" } : null;
  }
  return null;
}

/** Creates a personal API token; the secret is returned once and stored hashed. */
export async function createApiToken(
  deps: Deps,
  user: User,
  name: string,
): Promise<{ token: string; apiToken: ApiToken }> {
  const { kv, clock } = deps;
  const token = randomToken(API_TOKEN_PREFIX);
  const hash = await sha256Hex(token);
  const apiToken: ApiToken = {
    id: ulid(clock.now()),
    userId: user.id,
    name,
    createdAt: clock.now(),
  };
  const res = await kv.atomic()
    .check({ key: keys.apiToken(hash), versionstamp: null })
    .set(keys.apiToken(hash), apiToken)
    .set(keys.apiTokenByUser(user.id, apiToken.id), { ...apiToken, hash })
    .commit();
  if (!res.ok) throw new ApiError("internal", "could not create a token");
  return { token, apiToken };
}

export async function listApiTokens(kv: Deno.Kv, userId: string): Promise<ApiToken[]> {
  return (await listAll<ApiToken & { hash: string }>(kv, keys.apiTokensByUser(userId))).map((e) => {
    const { hash: _hash, ...t } = e.value;
    return t;
  });
}

/** Revokes one of the caller's tokens. */
export async function deleteApiToken(kv: Deno.Kv, userId: string, tokenId: string): Promise<void> {
  const entry = await kv.get<ApiToken & { hash: string }>(keys.apiTokenByUser(userId, tokenId));
  if (!entry.value) throw notFound("token");
  await kv.atomic().check(entry).delete(entry.key).delete(keys.apiToken(entry.value.hash)).commit();
}
