/**
 * Authentication: login sessions (cookie) and personal API tokens (bearer,
 * lib/accounts/tokens.ts). Both secrets are 256-bit random values stored only
 * as SHA-256 hashes. Sessions expire through KV `expireIn` and can be
 * revoked; both are refused once the user's authGen has moved on.
 */
import { base64url, sha256Hex } from "../core/crypto.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import type { User } from "./model.ts";
import { type ApiToken, readToken, touchApiToken } from "./tokens.ts";
import { getUser } from "./users.ts";

export interface Session {
  userId: string;
  createdAt: number;
  expiresAt: number;
  ip: string;
  userAgent: string;
  /** The user's authGen at login (absent on sessions from before generations: 0). */
  gen?: number;
  /** The user's sessionGen at login or at their own password change (absent: 0). */
  sgen?: number;
}

export interface Auth {
  user: User;
  /** Hash of the session secret when authenticated by cookie, else null. */
  sessionHash: string | null;
  via: "session" | "token";
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
    gen: user.authGen ?? 0,
    sgen: user.sessionGen ?? 0,
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
    const entry = await kv.get<ApiToken>(keys.apiToken(hash));
    if (!entry.value) return null;
    const t = readToken(entry.value);
    const now = clock.now();
    // expireIn deletes "soon after" expiry, not at it: check the time too.
    if (t.expiresAt !== null && t.expiresAt <= now) return null;
    const user = await getUser(kv, t.userId);
    if (!user || user.disabled || t.gen !== (user.authGen ?? 0)) return null;
    await touchApiToken(kv, entry as Deno.KvEntry<ApiToken>, hash, now);
    return { user, sessionHash: null, via: "token" };
  }
  if (creds.cookie) {
    const hash = await sha256Hex(creds.cookie);
    const s = (await kv.get<Session>(keys.session(hash))).value;
    // expireIn deletes "soon after" expiry, not at it: check the time too.
    if (!s || s.expiresAt <= clock.now()) return null;
    const user = await getUser(kv, s.userId);
    if (!user || user.disabled || (s.gen ?? 0) !== (user.authGen ?? 0)) return null;
    // The user changed their password from another session since this one logged in.
    if ((s.sgen ?? 0) !== (user.sessionGen ?? 0)) return null;
    return { user, sessionHash: hash, via: "session" };
  }
  return null;
}
