/**
 * Single sign-on settings as zod schemas: OpenID Connect and LDAP, each with
 * its claim or attribute mapping and its mapping from directory groups to
 * Tocsin teams. Secrets (the client secret, the bind password) are stored
 * and never sent back: the admin view says only whether one is set.
 */
import { z } from "zod";
import { IdSchema } from "../core/schemas.ts";
import { TeamRoleSchema } from "../accounts/model.ts";

/** Group-to-team rows per provider: each login reads them all. */
export const SSO_MAX_GROUP_MAPPINGS = 100;

const Text = (max: number) => z.string().trim().max(max);
const Attr = Text(100).min(1).regex(/^[A-Za-z0-9_.:;-]+$/, "letters, digits and _ . : ; - only");

/** A directory group (a claim value, an LDAP group's cn or DN) that puts its members in a team. */
export const GroupMappingSchema = z.strictObject({
  group: Text(256).min(1),
  teamId: IdSchema,
  role: TeamRoleSchema.default("member"),
});
export type GroupMapping = z.infer<typeof GroupMappingSchema>;

const HttpUrl = Text(500).refine((s) => {
  try {
    const u = new URL(s);
    return (u.protocol === "https:" || u.protocol === "http:") && !u.username && !u.password;
  } catch {
    return false;
  }
}, "must be an http(s) URL");

const LdapUrl = Text(500).regex(/^ldaps?:\/\/[^\s/]+\/?$/i, "must be ldap://host:port or ldaps://");

/** What both providers share. */
const Common = {
  enabled: z.boolean(),
  /** The button's text: "Sign in with <label>". */
  label: Text(60).min(1),
  /** Create a Tocsin account on a first sign-in (else only existing accounts may sign in). */
  jit: z.boolean(),
  groupMappings: z.array(GroupMappingSchema).max(SSO_MAX_GROUP_MAPPINGS),
};

export const OidcSettingsSchema = z.strictObject({
  ...Common,
  issuer: HttpUrl,
  clientId: Text(256).min(1),
  clientSecret: z.string().max(1024),
  scopes: Text(500).min(1).regex(/(^|\s)openid(\s|$)/, "must include openid"),
  emailClaim: Attr,
  nameClaim: Attr,
  groupsClaim: Attr,
});
export type OidcSettings = z.infer<typeof OidcSettingsSchema>;

export const LdapSettingsSchema = z.strictObject({
  ...Common,
  url: LdapUrl,
  /** Upgrade an ldap:// connection with StartTLS (ldaps:// is TLS from the start). */
  startTls: z.boolean(),
  bindDn: Text(500),
  bindPassword: z.string().max(1024),
  baseDn: Text(500).min(1),
  /** Finds one person; `{username}` is replaced (escaped). Sync replaces it with `*`. */
  userFilter: Text(1000).min(3).refine((s) => s.includes("{username}"), "must contain {username}"),
  /** Finds a person's groups under the base DN; `{dn}` is the person's DN (escaped). */
  groupFilter: Text(1000),
  emailAttr: Attr,
  nameAttr: Attr,
  groupNameAttr: Attr,
});
export type LdapSettings = z.infer<typeof LdapSettingsSchema>;

/** The stored record (`sso_settings`). */
export interface SsoSettings {
  oidc: OidcSettings | null;
  ldap: LdapSettings | null;
  /** The pending LDAP sync timer, if any. */
  ldapTimerId: string | null;
  /** When the directory was last synchronised, and what came of it. */
  ldapLastSync: { at: number; ok: boolean; detail: string } | null;
}

/** An admin's save: an empty secret keeps the stored one. */
export const SsoSettingsInputSchema = z.strictObject({
  oidc: OidcSettingsSchema.nullable(),
  ldap: LdapSettingsSchema.nullable(),
});
export type SsoSettingsInput = z.infer<typeof SsoSettingsInputSchema>;

/** What admins read back: secrets replaced by whether one is saved. */
export interface SsoAdminView {
  oidc: (Omit<OidcSettings, "clientSecret"> & { clientSecretSet: boolean }) | null;
  ldap: (Omit<LdapSettings, "bindPassword"> & { bindPasswordSet: boolean }) | null;
  ldapLastSync: SsoSettings["ldapLastSync"];
  /** The address to register at the provider. */
  redirectUri: string;
}

/** What the login page needs to know (anyone may read it). */
export interface SsoPublicView {
  oidc: { label: string } | null;
  ldap: { label: string } | null;
}

export const LdapLoginInputSchema = z.strictObject({
  username: Text(256).min(1),
  password: z.string().min(1).max(1024),
});
