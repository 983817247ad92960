/**
 * The single sign-on settings record: read, shown to admins without its
 * secrets, shown to the login page as labels only, and saved (an empty
 * secret keeps the stored one). Saving LDAP on schedules its periodic sync
 * (a durable timer of kind "ldap_sync"); saving it off cancels the timer.
 */
import type { Deps } from "../core/deps.ts";
import { ApiError } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { stageDeleteTimer, stageTimer, type Timer } from "../jobs/timers.ts";
import { checkOutboundUrl } from "../notify/outbound.ts";
import type { SsoAdminView, SsoPublicView, SsoSettings, SsoSettingsInput } from "./model.ts";

/** The `alertId` the LDAP sync timer is listed under. */
export const LDAP_TIMER_GROUP = "sso:ldap";

const EMPTY: SsoSettings = { oidc: null, ldap: null, ldapTimerId: null, ldapLastSync: null };

export async function getSsoSettingsEntry(kv: Deno.Kv): Promise<Deno.KvEntryMaybe<SsoSettings>> {
  return await kv.get<SsoSettings>(keys.ssoSettings());
}

export async function getSsoSettings(kv: Deno.Kv): Promise<SsoSettings> {
  return (await getSsoSettingsEntry(kv)).value ?? EMPTY;
}

/** Where the provider sends the browser back: TOCSIN_PUBLIC_URL, else the request's origin. */
export function redirectUri(origin: string): string {
  return `${origin}/auth/oidc/callback`;
}

export function ssoAdminView(s: SsoSettings, origin: string): SsoAdminView {
  const oidc = s.oidc
    ? (({ clientSecret, ...rest }) => ({ ...rest, clientSecretSet: clientSecret !== "" }))(s.oidc)
    : null;
  const ldap = s.ldap
    ? (({ bindPassword, ...rest }) => ({ ...rest, bindPasswordSet: bindPassword !== "" }))(s.ldap)
    : null;
  return { oidc, ldap, ldapLastSync: s.ldapLastSync, redirectUri: redirectUri(origin) };
}

export function ssoPublicView(s: SsoSettings): SsoPublicView {
  return {
    oidc: s.oidc?.enabled ? { label: s.oidc.label } : null,
    ldap: s.ldap?.enabled ? { label: s.ldap.label } : null,
  };
}

/**
 * Saves the settings (admins only; checked by the route). The issuer must be
 * an address the outbound policy allows (TOCSIN_OUTBOUND_ALLOW for one on a
 * private network). One commit checks the record it read.
 */
export async function saveSsoSettings(deps: Deps, input: SsoSettingsInput): Promise<SsoSettings> {
  const { kv, clock, config } = deps;
  if (input.oidc) await checkOutboundUrl(input.oidc.issuer, config);
  const entry = await getSsoSettingsEntry(kv);
  const old = entry.value ?? EMPTY;
  const next: SsoSettings = {
    ...old,
    oidc: input.oidc
      ? { ...input.oidc, clientSecret: input.oidc.clientSecret || old.oidc?.clientSecret || "" }
      : null,
    ldap: input.ldap
      ? { ...input.ldap, bindPassword: input.ldap.bindPassword || old.ldap?.bindPassword || "" }
      : null,
  };
  const op = kv.atomic().check(entry);
  const oldTimer = old.ldapTimerId
    ? (await kv.get<Timer>(keys.timer(old.ldapTimerId))).value
    : null;
  const now = clock.now();
  if (next.ldap?.enabled && config.ldapSyncMs > 0) {
    if (!oldTimer) {
      const t: Timer = {
        id: ulid(now),
        alertId: LDAP_TIMER_GROUP,
        kind: "ldap_sync",
        dueAt: now + config.ldapSyncMs,
        n: 0,
        round: 0,
      };
      stageTimer(op, now, t);
      next.ldapTimerId = t.id;
    }
  } else {
    if (oldTimer) stageDeleteTimer(op, oldTimer);
    next.ldapTimerId = null;
  }
  op.set(keys.ssoSettings(), next);
  const res = await deps.fanout.commitUnlogged(op);
  if (!res.ok) throw new ApiError("conflict", "the settings changed meanwhile; reload and retry");
  return next;
}
