/**
 * Single-use, expiring e-mail links for accounts: password reset and
 * self-registration (invitations, which admins list, live in invitations.ts
 * and use the same token form).
 *
 * A link's token is `<id>.<secret>`: the id finds the record, the secret is
 * 256 random bits of which only the SHA-256 is stored, compared in constant
 * time. Using a link deletes its record in the same commit as its effect, so
 * it works once; records expire by themselves (expireIn) and are refused past
 * their time anyway.
 */
import { randomToken, sha256Hex, timingSafeEqual } from "../core/crypto.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { isUlid, ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { take, type Window } from "../core/ratelimit.ts";

export type LinkKind = "reset" | "signup";

export interface AccountLink {
  id: string;
  kind: LinkKind;
  email: string;
  /** The account a reset link is for; null for self-registration. */
  userId: string | null;
  /** The user's authGen when the reset link was made: a reset since then refuses it. */
  gen: number;
  secretHash: string;
  createdAt: number;
  expiresAt: number;
}

/** A new `<id>.<secret>` pair and the hash to store. */
export async function newLinkSecret(now: number): Promise<
  { id: string; token: string; secretHash: string }
> {
  const id = ulid(now);
  const secret = randomToken();
  return { id, token: `${id}.${secret}`, secretHash: await sha256Hex(secret) };
}

/** Splits a token and checks its form; null when it cannot be one of ours. */
export function parseLinkToken(token: string): { id: string; secret: string } | null {
  if (typeof token !== "string" || token.length > 200) return null;
  const dot = token.indexOf(".");
  if (dot < 0) return null;
  const id = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  if (!isUlid(id) || !/^[A-Za-z0-9_-]{43}$/.test(secret)) return null;
  return { id, secret };
}

/** True when `secret` hashes to `secretHash` (constant time). */
export async function secretMatches(secret: string, secretHash: string): Promise<boolean> {
  return timingSafeEqual(await sha256Hex(secret), secretHash);
}

/** The 404 for an unknown, used, expired or tampered link: one answer for all of them. */
export const badLink = () => notFound("link");

/** Creates a link record; returns the token to put in the e-mail. */
export async function createLink(
  deps: Deps,
  input: { kind: LinkKind; email: string; userId: string | null; gen: number },
  /** How long it works; the kind's default (TOCSIN_RESET_TTL_MS, TOCSIN_SIGNUP_TTL_MS) when absent. */
  ttlMs?: number,
): Promise<string> {
  const { kv, clock, config } = deps;
  const now = clock.now();
  const ttl = ttlMs ?? (input.kind === "reset" ? config.resetTtlMs : config.signupTtlMs);
  const { id, token, secretHash } = await newLinkSecret(now);
  const link: AccountLink = { ...input, id, secretHash, createdAt: now, expiresAt: now + ttl };
  const res = await kv.atomic().check({ key: keys.accountLink(id), versionstamp: null })
    .set(keys.accountLink(id), link, { expireIn: ttl }).commit();
  if (!res.ok) throw new ApiError("conflict", "could not create the link; retry");
  return token;
}

/** The link a token names, of this kind, unexpired and with the right secret; else 404. */
export async function readLink(
  deps: Deps,
  token: string,
  kind: LinkKind,
): Promise<Deno.KvEntry<AccountLink>> {
  const parts = parseLinkToken(token);
  if (!parts) throw badLink();
  const entry = await deps.kv.get<AccountLink>(keys.accountLink(parts.id));
  const link = entry.value;
  if (!link || link.kind !== kind || link.expiresAt <= deps.clock.now()) throw badLink();
  if (!(await secretMatches(parts.secret, link.secretHash))) throw badLink();
  return entry as Deno.KvEntry<AccountLink>;
}

/** Addresses in counter keys are cut to this length (X-Forwarded-For is outside input). */
const MAX_IP_CHARS = 64;

/**
 * Counts a reset or registration request per client address and per e-mail
 * address before anything else happens; 429 with Retry-After past either.
 * The same for existing and unknown addresses, so that it tells nothing.
 */
export async function countMailRequest(deps: Deps, email: string, ip: string): Promise<void> {
  const { config } = deps;
  const windows: Window[] = [
    {
      scope: "account_mail_ip",
      id: ip.slice(0, MAX_IP_CHARS),
      windowMs: config.accountMailWindowMs,
      max: config.accountMailMaxPerIp,
    },
    {
      scope: "account_mail_email",
      id: email,
      windowMs: config.accountMailWindowMs,
      max: config.accountMailMaxPerEmail,
    },
  ];
  const wait = await take(deps.kv, deps.clock, windows);
  if (wait > 0) throw new ApiError("rate_limited", "too many requests; try again later", wait);
}
