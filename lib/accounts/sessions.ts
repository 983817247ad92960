/**
 * Authentication: login sessions (cookie) and personal API tokens (bearer,
 * lib/accounts/tokens.ts). Both secrets are 256-bit random values stored only
 * as SHA-256 hashes. Sessions expire through KV `expireIn` and can be
 * revoked; both are refused once the user's authGen has moved on.
 */
import { base64url, sha256Hex } from "../core/crypto.ts";
import type { Deps } from "../core/deps.ts";
import { keys } from "../core/keys.ts";
import type { User } from "./model.ts";
import { commitAudited, stageAudit } from "../audit/chain.ts";
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
  /** Last request made with it, to TOCSIN_SESSION_LAST_USED_GRANULARITY_MS (absent: createdAt). */
  lastUsedAt?: number;
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
  meta: { ip: string; userAgent: string; action?: string; detail?: Record<string, unknown> },
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
  // The login's audit entry commits with the session (a new random hash never conflicts).
  await commitAudited(kv, async (op) => {
    op.check({ key: keys.session(hash), versionstamp: null })
      .set(keys.session(hash), session, { expireIn: config.sessionTtlMs })
      .set(keys.sessionByUser(user.id, hash), now, { expireIn: config.sessionTtlMs });
    await stageAudit(kv, op, clock, {
      actor: user,
      action: meta.action ?? "auth.login",
      target: { type: "session", id: sessionId(hash) },
      ip: session.ip,
      userAgent: session.userAgent,
      ...(meta.detail ? { detail: meta.detail } : {}),
    });
  });
  return { token, session };
}

/** A session's public id: a prefix of its hash (enough to name it, never the secret). */
export function sessionId(hash: string): string {
  return hash.slice(0, 16);
}

/** Ends a session and closes the sockets opened with it. */
export async function logout(
  deps: Deps,
  token: string,
  meta: { ip?: string; userAgent?: string } = {},
): Promise<void> {
  const hash = await sha256Hex(token);
  await endSession(deps, hash, null, "auth.logout", meta);
}

/**
 * Ends the session with hash `hash` (of `owner` when given: 404 for another user's) and closes
 * its sockets, with its audit entry in the same commit. `by` acts; null: the owner logging out.
 */
export async function endSession(
  deps: Deps,
  hash: string,
  by: User | null,
  action: string,
  meta: { ip?: string; userAgent?: string } = {},
): Promise<boolean> {
  const { kv, fanout, clock } = deps;
  const entry = await kv.get<Session>(keys.session(hash));
  if (!entry.value) return false;
  const userId = entry.value.userId;
  if (by && by.id !== userId) return false;
  const actor = by ?? await getUser(kv, userId);
  await fanout.commit(fanout.shard(userId), async (op) => {
    op.delete(keys.session(hash)).delete(keys.sessionByUser(userId, hash));
    await stageAudit(kv, op, clock, {
      actor: actor ?? { id: userId },
      action,
      target: { type: "session", id: sessionId(hash) },
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
    return { hints: [{ t: "user", u: userId, why: "logout", s: hash }], result: null };
  });
  return true;
}

/** A session as its owner sees it on the profile page. */
export interface SessionView {
  id: string;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
  ip: string;
  userAgent: string;
  current: boolean;
}

/** The user's live sessions, newest first; `current` marks the caller's own. */
export async function listSessions(
  deps: Deps,
  userId: string,
  currentHash: string | null,
): Promise<SessionView[]> {
  const { kv, clock } = deps;
  const hashes: string[] = [];
  for await (const e of kv.list({ prefix: keys.sessionsByUser(userId) })) {
    hashes.push(e.key[2] as string);
  }
  const out: SessionView[] = [];
  for (let i = 0; i < hashes.length; i += 10) {
    const batch = hashes.slice(i, i + 10);
    const got = await kv.getMany<Session[]>(batch.map((h) => keys.session(h)));
    got.forEach((g, j) => {
      const s = g.value;
      if (!s || s.userId !== userId || s.expiresAt <= clock.now()) return;
      out.push({
        id: sessionId(batch[j]),
        createdAt: s.createdAt,
        lastUsedAt: s.lastUsedAt ?? s.createdAt,
        expiresAt: s.expiresAt,
        ip: s.ip,
        userAgent: s.userAgent,
        current: batch[j] === currentHash,
      });
    });
  }
  return out.sort((a, b) => b.lastUsedAt - a.lastUsedAt);
}

/** The hash of the user's session with public id `id`; null when there is none. */
export async function findSessionHash(
  kv: Deno.Kv,
  userId: string,
  id: string,
): Promise<string | null> {
  if (!/^[0-9a-f]{16}$/.test(id)) return null;
  for await (const e of kv.list({ prefix: keys.sessionsByUser(userId) })) {
    const h = e.key[2] as string;
    if (sessionId(h) === id) return h;
  }
  return null;
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
    await touchSession(deps, hash, s);
    return { user, sessionHash: hash, via: "session" };
  }
  return null;
}

/** Notes a session's last use, at most once per granularity; a lost race is harmless. */
async function touchSession(deps: Deps, hash: string, s: Session): Promise<void> {
  const now = deps.clock.now();
  if (now - (s.lastUsedAt ?? s.createdAt) < deps.config.sessionLastUsedGranularityMs) return;
  const expireIn = s.expiresAt - now;
  if (expireIn <= 0) return;
  const entry = await deps.kv.get<Session>(keys.session(hash));
  if (!entry.value) return;
  await deps.kv.atomic().check(entry)
    .set(keys.session(hash), { ...entry.value, lastUsedAt: now }, { expireIn })
    .commit();
}
