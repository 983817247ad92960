/**
 * Login and the limits on password guessing. Every attempt is counted before
 * its password is verified, atomically over three windows:
 *
 * - per client address: every attempt (TOCSIN_LOGIN_MAX_ATTEMPTS_PER_IP),
 * - per account and address: failures (TOCSIN_LOGIN_MAX_FAILURES_PER_ACCOUNT),
 *   so that an attacker's failures lock out the attacker's address only,
 * - per account from everywhere: failures; past TOCSIN_LOGIN_SLOW_AFTER_FAILURES
 *   attempts on the account are spaced TOCSIN_LOGIN_SLOW_SPACING_MS apart, a
 *   slow-down for a guesser spread over many addresses, never a lock-out.
 *
 * A failure stays counted; a success clears its address's failures and takes
 * its own count back from the account's. First-run setup, the other
 * unauthenticated route that hashes a password, shares the address window.
 */
import type { Deps } from "../core/deps.ts";
import { ApiError } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import { refund, reset, take, type Window } from "../core/ratelimit.ts";
import type { User } from "./model.ts";
import { dummyPasswordHash, verifyPassword } from "./passwords.ts";
import { createSession, type Session } from "./sessions.ts";
import { getUserByEmail } from "./users.ts";
import { recordAudit } from "../audit/chain.ts";

/** Addresses in counter keys are cut to this length (X-Forwarded-For is outside input). */
const MAX_IP_CHARS = 64;

/** The window of attempts from one client address (login and setup). */
export function addressWindow(deps: Deps, ip: string): Window {
  return {
    scope: "login_ip",
    id: ip.slice(0, MAX_IP_CHARS),
    windowMs: deps.config.loginWindowMs,
    max: deps.config.loginMaxAttemptsPerIp,
  };
}

export function loginWindows(deps: Deps, email: string, ip: string) {
  const { config } = deps;
  return {
    ip: addressWindow(deps, ip),
    accountIp: {
      scope: "login_account_ip",
      id: `${email} ${ip.slice(0, MAX_IP_CHARS)}`,
      windowMs: config.loginWindowMs,
      max: config.loginMaxFailuresPerAccount,
    },
    account: {
      scope: "login_account",
      id: email,
      windowMs: config.loginWindowMs,
      // Without spacing the ceiling would be a lock-out, which it must never be.
      max: config.loginSlowSpacingMs > 0 ? config.loginSlowAfterFailures : 0,
      spacingMs: config.loginSlowSpacingMs,
    },
  } satisfies Record<string, Window>;
}

/** Counts an attempt from `ip` before any hashing; 429 with Retry-After when over a limit. */
export async function countAttempt(deps: Deps, windows: Window[]): Promise<void> {
  const wait = await take(deps.kv, deps.clock, windows);
  if (wait > 0) {
    throw new ApiError("rate_limited", "too many login attempts; try again later", wait);
  }
}

/** Checks credentials (rate limited as above) and opens a session. */
export async function login(
  deps: Deps,
  email: string,
  password: string,
  meta: { ip: string; userAgent: string },
): Promise<{ token: string; user: User; session: Session }> {
  const { kv, clock } = deps;
  const w = loginWindows(deps, email, meta.ip);
  await countAttempt(deps, [w.ip, w.accountIp, w.account]);
  let ok: boolean;
  let user: User | null;
  try {
    user = await getUserByEmail(kv, email);
    const hash = user ? (await kv.get<string>(keys.password(user.id))).value : null;
    // Verify against a dummy hash when there is no such user, so timing does not tell.
    ok = await verifyPassword(deps, hash ?? await dummyPasswordHash(deps), password) &&
      hash !== null;
  } catch (e) {
    // Not verified (no hashing slot, a store error): the attempt was not a failure.
    await refund(kv, clock, [w.accountIp, w.account]);
    throw e;
  }
  const failed = (why: string) =>
    recordAudit(kv, clock, {
      actor: user ? { id: user.id, name: user.name, email: user.email } : null,
      action: "auth.login",
      ok: false,
      target: null,
      ip: meta.ip,
      userAgent: meta.userAgent,
      detail: { email, why },
    });
  if (!user || !ok) {
    await failed(user ? "wrong_password" : "unknown_user");
    throw new ApiError("unauthorized", "wrong e-mail or password");
  }
  await reset(kv, clock, w.accountIp);
  await refund(kv, clock, [w.account]);
  if (user.disabled) {
    await failed("disabled");
    throw new ApiError("forbidden", "this account is disabled");
  }
  const { token, session } = await createSession(deps, user, meta);
  return { token, user, session };
}
