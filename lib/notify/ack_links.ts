/**
 * Acknowledge links for e-mails and SMS: signed (HMAC-SHA256 with a key the
 * server keeps in KV), expiring, and single-use (a nonce record that the
 * first use deletes).
 */
import type { Alert } from "../alerts/model.ts";
import type { User } from "../accounts/model.ts";
import { base64url, hmacSha256Hex, timingSafeEqual } from "../core/crypto.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError } from "../core/errors.ts";
import { keys } from "../core/keys.ts";

async function signingKey(kv: Deno.Kv): Promise<string> {
  const e = await kv.get<string>(keys.signingKey());
  if (e.value) return e.value;
  const key = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const res = await kv.atomic().check(e).set(e.key, key).commit();
  return res.ok ? key : (await kv.get<string>(keys.signingKey())).value!;
}

/**
 * A signed, expiring, single-use link `<origin>/<path>/<token>` for one user and one subject (an
 * alert to acknowledge, a DING to confirm). The nonce record under `nonceKey` makes it work once.
 */
async function makeLink(
  deps: Deps,
  path: "ack" | "ding",
  nonceKey: (nonce: string) => Deno.KvKey,
  subjectId: string,
  userId: string,
): Promise<string> {
  const { kv, clock, config } = deps;
  const nonce = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const exp = clock.now() + config.ackLinkTtlMs;
  const payload = base64url(
    new TextEncoder().encode(
      JSON.stringify({ a: subjectId, u: userId, e: exp, n: nonce, k: path }),
    ),
  );
  const sig = await hmacSha256Hex(await signingKey(kv), payload);
  await kv.set(nonceKey(nonce), { subjectId, userId }, { expireIn: config.ackLinkTtlMs });
  const origin = config.publicOrigin ?? `http://localhost:${config.port}`;
  return `${origin}/${path}/${payload}.${sig}`;
}

/** A signed, expiring acknowledge link for one user and alert; works once. */
export function makeAckLink(deps: Deps, alertId: string, userId: string): Promise<string> {
  return makeLink(deps, "ack", keys.ackLink, alertId, userId);
}

/** A signed, expiring link that confirms one user's DING; works once. */
export function makeDingLink(deps: Deps, dingId: string, userId: string): Promise<string> {
  return makeLink(deps, "ding", keys.dingLink, dingId, userId);
}

/** Parses and checks a link token (signature, expiry, purpose); null when it is not valid. */
async function readToken(
  deps: Deps,
  token: string,
  path: "ack" | "ding",
): Promise<{ subjectId: string; userId: string; nonce: string } | null> {
  const [payload, sig] = token.split(".");
  if (!payload || !sig) return null;
  const want = await hmacSha256Hex(await signingKey(deps.kv), payload);
  if (!timingSafeEqual(sig, want)) return null;
  try {
    const b = atob(payload.replaceAll("-", "+").replaceAll("_", "/"));
    const p = JSON.parse(new TextDecoder().decode(Uint8Array.from(b, (ch) => ch.charCodeAt(0))));
    if (typeof p.e !== "number" || p.e < deps.clock.now()) return null;
    // Links made before DING links existed carry no purpose: they acknowledge.
    if ((p.k ?? "ack") !== path) return null;
    return { subjectId: String(p.a), userId: String(p.u), nonce: String(p.n) };
  } catch {
    return null;
  }
}

/** Parses and checks an acknowledge link token; null when it is not valid. */
export async function readAckToken(
  deps: Deps,
  token: string,
): Promise<{ alertId: string; userId: string; nonce: string } | null> {
  const t = await readToken(deps, token, "ack");
  return t ? { alertId: t.subjectId, userId: t.userId, nonce: t.nonce } : null;
}

/** Uses a link once: deletes its nonce and returns its user (checked active) and subject. */
async function redeem(
  deps: Deps,
  token: string,
  path: "ack" | "ding",
  nonceKey: (nonce: string) => Deno.KvKey,
): Promise<{ subjectId: string; user: User }> {
  const t = await readToken(deps, token, path);
  if (!t) throw new ApiError("not_found", "this link is not valid or has expired");
  const entry = await deps.kv.get(nonceKey(t.nonce));
  if (!entry.value) throw new ApiError("conflict", "this link was already used");
  const res = await deps.kv.atomic().check(entry).delete(entry.key).commit();
  if (!res.ok) throw new ApiError("conflict", "this link was already used");
  const user = (await deps.kv.get<User>(keys.user(t.userId))).value;
  if (!user || user.disabled) throw new ApiError("forbidden", "this account is disabled");
  return { subjectId: t.subjectId, user };
}

/** The DING a confirm link is for (null when the link is not valid), to show before acting. */
export async function readDingLink(
  deps: Deps,
  token: string,
): Promise<{ dingId: string; userId: string } | null> {
  const t = await readToken(deps, token, "ding");
  return t ? { dingId: t.subjectId, userId: t.userId } : null;
}

/** Uses a DING confirm link (once); the caller confirms `dingId` as `user`. */
export async function redeemDingLink(
  deps: Deps,
  token: string,
): Promise<{ dingId: string; user: User }> {
  const r = await redeem(deps, token, "ding", keys.dingLink);
  return { dingId: r.subjectId, user: r.user };
}

/** The alert a link is for, to show before acting; null when the link or the alert is gone. */
export async function getAckLinkAlert(deps: Deps, token: string): Promise<Alert | null> {
  const t = await readAckToken(deps, token);
  return t ? (await deps.kv.get<Alert>(keys.alert(t.alertId))).value : null;
}

/**
 * Uses a link: its nonce is deleted (so it works once) and the link's user
 * is returned for the caller to acknowledge `alertId` as. 404 for a link
 * that is not valid, 409 once used, 403 when the account is disabled.
 */
export async function redeemAckLink(
  deps: Deps,
  token: string,
): Promise<{ alertId: string; user: User }> {
  const r = await redeem(deps, token, "ack", keys.ackLink);
  return { alertId: r.subjectId, user: r.user };
}
