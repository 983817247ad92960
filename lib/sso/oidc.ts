/**
 * OpenID Connect sign-in: the authorization code flow with PKCE, state and
 * nonce, through `oauth4webapi` (a small, certified, dependency-free client).
 * Every request to the provider (discovery, token, userinfo) goes through the
 * one SSRF-checked client (lib/notify/outbound.ts), so an issuer on a
 * private network needs TOCSIN_OUTBOUND_ALLOW.
 *
 * A started login is a KV record keyed by the hash of its state, holding the
 * PKCE verifier and the nonce, expiring after TOCSIN_SSO_STATE_TTL_MS; the
 * callback takes it in one commit (single use) and also requires the state
 * in the browser's own cookie, so that nobody can finish a login they did
 * not start in that browser.
 */
import * as oauth from "oauth4webapi";
import type { Deps } from "../core/deps.ts";
import { ApiError } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import { sha256Hex, timingSafeEqual } from "../core/crypto.ts";
import { log } from "../core/log.ts";
import { outboundFetch } from "../notify/outbound.ts";
import { createSession } from "../accounts/sessions.ts";
import { recordAudit } from "../audit/chain.ts";
import type { User } from "../accounts/model.ts";
import type { OidcSettings } from "./model.ts";
import { accountForPerson } from "./provision.ts";
import { getSsoSettings, redirectUri } from "./settings.ts";

/** A login under way (`sso_state/<hash of state>`). */
interface OidcState {
  verifier: string;
  nonce: string;
  next: string;
  redirectUri: string;
}

/** What an SSO session keeps for logout (`sso_session/<session hash>`). */
export interface SsoSessionInfo {
  endSessionEndpoint: string | null;
  idToken: string;
  clientId: string;
}

/** Why a callback was refused, as the login page shows it (`/login?sso_error=<code>`). */
export type OidcFailure = "state" | "provider" | "denied" | "account" | "unavailable";

export class OidcError extends Error {
  constructor(readonly code: OidcFailure, message: string) {
    super(message);
  }
}

function enabledSettings(s: OidcSettings | null): OidcSettings {
  if (!s?.enabled) throw new ApiError("not_found", "OpenID Connect sign-in is not set up");
  return s;
}

function clientOptions(deps: Deps, issuer: URL) {
  return {
    [oauth.customFetch]: outboundFetch(deps.config, deps.config.ssoTimeoutMs),
    // The SSRF check decides which addresses may be reached; http is for an issuer the admin
    // allowed on a private network (and the tests' provider).
    [oauth.allowInsecureRequests]: issuer.protocol === "http:",
  };
}

async function discover(deps: Deps, s: OidcSettings) {
  const issuer = new URL(s.issuer);
  const opts = clientOptions(deps, issuer);
  try {
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, opts),
    );
    return { as, opts };
  } catch (e) {
    if (e instanceof ApiError) throw e;
    log.error(`sso: discovery at ${issuer.origin} failed: ${(e as Error).message}`);
    throw new ApiError("unavailable", "the identity provider cannot be reached", 30);
  }
}

/**
 * Starts a login: returns the provider's authorization URL and the state,
 * which the route also puts in a cookie.
 */
export async function startOidc(
  deps: Deps,
  origin: string,
  next: string,
): Promise<{ url: string; state: string }> {
  const s = enabledSettings((await getSsoSettings(deps.kv)).oidc);
  const { as } = await discover(deps, s);
  if (!as.authorization_endpoint) {
    throw new ApiError("unavailable", "the identity provider has no authorization endpoint");
  }
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const record: OidcState = { verifier, nonce, next, redirectUri: redirectUri(origin) };
  await deps.kv.set(keys.ssoState(await sha256Hex(state)), record, {
    expireIn: deps.config.ssoStateTtlMs,
  });
  const url = new URL(as.authorization_endpoint);
  const params: Record<string, string> = {
    client_id: s.clientId,
    redirect_uri: record.redirectUri,
    response_type: "code",
    scope: s.scopes,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return { url: url.href, state };
}

function claimString(claims: Record<string, unknown>, name: string): string {
  const v = Object.hasOwn(claims, name) ? claims[name] : undefined;
  return typeof v === "string" ? v : "";
}

function claimList(claims: Record<string, unknown>, name: string): string[] {
  const v = Object.hasOwn(claims, name) ? claims[name] : undefined;
  if (typeof v === "string") return [v];
  return Array.isArray(v) ? v.filter((g): g is string => typeof g === "string").slice(0, 500) : [];
}

/** Checks the callback's state against the browser's cookie and takes the stored login (once). */
async function takeState(
  kv: Deno.Kv,
  callbackUrl: URL,
  cookieState: string | undefined,
): Promise<{ state: string; st: OidcState }> {
  const state = callbackUrl.searchParams.get("state") ?? "";
  if (!state || !cookieState || !timingSafeEqual(state, cookieState)) {
    throw new OidcError("state", "the state does not match this browser's login");
  }
  const stateKey = keys.ssoState(await sha256Hex(state));
  const entry = await kv.get<OidcState>(stateKey);
  if (!entry.value) throw new OidcError("state", "unknown or expired login");
  // Single use: a replayed callback finds nothing.
  if (!(await kv.atomic().check(entry).delete(stateKey).commit()).ok) {
    throw new OidcError("state", "this login was already used");
  }
  if (callbackUrl.searchParams.get("error")) {
    throw new OidcError("denied", `the provider said ${callbackUrl.searchParams.get("error")}`);
  }
  return { state, st: entry.value };
}

/**
 * Exchanges the code with the PKCE verifier, validates the ID token (issuer,
 * audience, nonce, expiry) and reads the claims: the ID token's, completed by
 * the userinfo endpoint for the mapped ones it lacks.
 */
async function exchangeCode(
  deps: Deps,
  s: OidcSettings,
  callbackUrl: URL,
  state: string,
  st: OidcState,
) {
  let as: oauth.AuthorizationServer;
  let opts: ReturnType<typeof clientOptions>;
  try {
    ({ as, opts } = await discover(deps, s));
  } catch {
    throw new OidcError("unavailable", "the identity provider cannot be reached");
  }
  const client: oauth.Client = { client_id: s.clientId };
  const auth = s.clientSecret ? oauth.ClientSecretBasic(s.clientSecret) : oauth.None();
  try {
    const params = oauth.validateAuthResponse(as, client, callbackUrl, state);
    const res = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      auth,
      params,
      st.redirectUri,
      st.verifier,
      opts,
    );
    const result = await oauth.processAuthorizationCodeResponse(as, client, res, {
      expectedNonce: st.nonce,
      requireIdToken: true,
    });
    const idClaims = oauth.getValidatedIdTokenClaims(result)!;
    const claims: Record<string, unknown> = { ...idClaims };
    // Many providers put e-mail, name and groups only in userinfo.
    if (as.userinfo_endpoint) {
      const info = await oauth.processUserInfoResponse(
        as,
        client,
        idClaims.sub,
        await oauth.userInfoRequest(as, client, result.access_token, opts),
      );
      for (const k of [s.emailClaim, s.nameClaim, s.groupsClaim, "email_verified"]) {
        if (!Object.hasOwn(idClaims, k) && Object.hasOwn(info, k)) claims[k] = info[k];
      }
    }
    return { as, claims, idToken: result.id_token! };
  } catch (e) {
    log.error(`sso: OpenID Connect callback refused: ${(e as Error).message}`);
    throw new OidcError("provider", "the provider's answer did not check out");
  }
}

/**
 * Finishes a login at the callback: the state checked and taken, the code
 * exchanged and the ID token validated, then the account found or created,
 * the team mapping applied and a session opened. Throws OidcError with a code
 * the login page explains.
 */
export async function finishOidc(
  deps: Deps,
  callbackUrl: URL,
  cookieState: string | undefined,
  meta: { ip: string; userAgent: string },
): Promise<{ token: string; user: User; next: string; sessionHash: string }> {
  const { kv } = deps;
  const s = (await getSsoSettings(kv)).oidc;
  if (!s?.enabled) throw new OidcError("unavailable", "OpenID Connect sign-in is not set up");
  const { state, st } = await takeState(kv, callbackUrl, cookieState);
  const failed = (why: string, detail: Record<string, unknown> = {}) =>
    recordAudit(kv, deps.clock, {
      actor: null,
      action: "auth.login",
      ok: false,
      target: null,
      ip: meta.ip,
      userAgent: meta.userAgent,
      detail: { via: "oidc", why, ...detail },
    });
  let exchanged: Awaited<ReturnType<typeof exchangeCode>>;
  try {
    exchanged = await exchangeCode(deps, s, callbackUrl, state, st);
  } catch (e) {
    if (e instanceof OidcError && e.code === "provider") await failed("provider");
    throw e;
  }
  const { as, claims, idToken } = exchanged;
  // An address the provider says it did not verify would let anyone claim someone's account.
  const email = claims.email_verified === false ? "" : claimString(claims, s.emailClaim);
  let user: User;
  try {
    user = await accountForPerson(deps, {
      source: "oidc",
      subject: `${s.issuer} ${claimString(claims, "sub")}`,
      email,
      name: claimString(claims, s.nameClaim),
      groups: claimList(claims, s.groupsClaim),
    }, s);
  } catch (e) {
    await failed("account", { email, message: (e as Error).message });
    throw new OidcError("account", (e as Error).message);
  }
  const { token } = await createSession(deps, user, { ...meta, detail: { via: "oidc" } });
  const sessionHash = await sha256Hex(token);
  const info: SsoSessionInfo = {
    endSessionEndpoint: as.end_session_endpoint ?? null,
    idToken,
    clientId: s.clientId,
  };
  await kv.set(keys.ssoSession(sessionHash), info, { expireIn: deps.config.sessionTtlMs });
  return { token, user, next: st.next, sessionHash };
}

/**
 * Where the browser goes after logging out of a session opened through
 * OpenID Connect: the provider's end_session_endpoint (RP-initiated logout),
 * back to the login page; null for other sessions.
 */
export async function oidcLogoutUrl(
  kv: Deno.Kv,
  sessionToken: string,
  origin: string,
): Promise<string | null> {
  const key = keys.ssoSession(await sha256Hex(sessionToken));
  const info = (await kv.get<SsoSessionInfo>(key)).value;
  if (!info) return null;
  await kv.delete(key);
  if (!info.endSessionEndpoint) return null;
  const url = new URL(info.endSessionEndpoint);
  url.searchParams.set("client_id", info.clientId);
  url.searchParams.set("id_token_hint", info.idToken);
  url.searchParams.set("post_logout_redirect_uri", `${origin}/login`);
  return url.href;
}
