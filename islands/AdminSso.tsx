import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { errorText } from "../client/api_errors.ts";
import { type Lang, useLocale } from "../client/i18n.ts";
import type { PublicUser, SsoAdminView, SsoGroupMapping } from "../lib/protocol.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import { Checkbox, MappingEditor, SecretRow, TextField } from "../components/SsoForms.tsx";

export interface AdminSsoProps {
  me: PublicUser;
  lang: Lang;
}

interface OidcDraft {
  enabled: boolean;
  label: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  emailClaim: string;
  nameClaim: string;
  groupsClaim: string;
  jit: boolean;
  groupMappings: SsoGroupMapping[];
}

interface LdapDraft {
  enabled: boolean;
  label: string;
  url: string;
  startTls: boolean;
  bindDn: string;
  bindPassword: string;
  baseDn: string;
  userFilter: string;
  groupFilter: string;
  emailAttr: string;
  nameAttr: string;
  groupNameAttr: string;
  jit: boolean;
  groupMappings: SsoGroupMapping[];
}

function oidcDraft(v: SsoAdminView["oidc"]): OidcDraft {
  if (!v) {
    return {
      enabled: false,
      label: "SSO",
      issuer: "",
      clientId: "",
      clientSecret: "",
      scopes: "openid email profile",
      emailClaim: "email",
      nameClaim: "name",
      groupsClaim: "groups",
      jit: true,
      groupMappings: [],
    };
  }
  const { clientSecretSet: _, ...rest } = v;
  return { ...rest, clientSecret: "" };
}

function ldapDraft(v: SsoAdminView["ldap"]): LdapDraft {
  if (!v) {
    return {
      enabled: false,
      label: "LDAP",
      url: "ldaps://",
      startTls: false,
      bindDn: "",
      bindPassword: "",
      baseDn: "",
      userFilter: "(&(objectClass=inetOrgPerson)(uid={username}))",
      groupFilter: "(&(objectClass=groupOfNames)(member={dn}))",
      emailAttr: "mail",
      nameAttr: "cn",
      groupNameAttr: "cn",
      jit: true,
      groupMappings: [],
    };
  }
  const { bindPasswordSet: _, ...rest } = v;
  return { ...rest, bindPassword: "" };
}

/** /admin/sso: OpenID Connect and LDAP sign-in, for admins. */
export default function AdminSso(props: AdminSsoProps) {
  const { t, lang } = useLocale(props.lang);
  const view = useSignal<SsoAdminView | null>(null);
  const teams = useSignal<{ id: string; name: string }[]>([]);
  const oidc = useSignal<OidcDraft>(oidcDraft(null));
  const ldap = useSignal<LdapDraft>(ldapDraft(null));
  const error = useSignal("");
  const notice = useSignal("");
  const busy = useSignal(false);
  const show = (v: SsoAdminView) => {
    view.value = v;
    oidc.value = oidcDraft(v.oidc);
    ldap.value = ldapDraft(v.ldap);
  };
  useEffect(() => {
    Promise.all([
      api<SsoAdminView>("GET", "/api/v1/sso/settings"),
      api<{ items: { id: string; name: string }[] }>("GET", "/api/v1/teams"),
    ]).then(([v, tm]) => {
      teams.value = tm.items;
      show(v);
    }, (e) => error.value = errorText(t, e));
  }, []);
  const run = async (f: () => Promise<void>) => {
    busy.value = true;
    error.value = "";
    notice.value = "";
    try {
      await f();
    } catch (e) {
      error.value = errorText(t, e);
    } finally {
      busy.value = false;
    }
  };
  const save = (e: Event) => {
    e.preventDefault();
    const o = oidc.value;
    const l = ldap.value;
    return run(async () => {
      // Never set up and left off: nothing to store.
      const body = {
        oidc: !o.enabled && !view.value?.oidc ? null : o,
        ldap: !l.enabled && !view.value?.ldap ? null : l,
      };
      show(await api<SsoAdminView>("PUT", "/api/v1/sso/settings", body));
      notice.value = t("sso_saved");
    });
  };
  const syncNow = () =>
    run(async () => {
      const r = await api<{ people: number; disabled: number }>("POST", "/api/v1/sso/ldap/sync");
      notice.value = t("sso_synced", { people: r.people, disabled: r.disabled });
      show(await api<SsoAdminView>("GET", "/api/v1/sso/settings"));
    });
  const o = oidc.value;
  const l = ldap.value;
  const setO = (p: Partial<OidcDraft>) => oidc.value = { ...oidc.value, ...p };
  const setL = (p: Partial<LdapDraft>) => ldap.value = { ...ldap.value, ...p };
  const last = view.value?.ldapLastSync;
  const when = (at: number) => new Date(at).toLocaleString(lang === "zh" ? "zh-CN" : "en");
  return (
    <div class="admin">
      <AdminNav t={t} me={props.me} current="sso" />
      <main class="admin-main sso-admin">
        <h1>{t("sso_title")}</h1>
        <p class="muted">{t("sso_intro")}</p>
        {error.value && <p class="error" role="alert">{error.value}</p>}
        {notice.value && <p class="notice" role="status">{notice.value}</p>}
        {view.value === null
          ? <p class="muted">{t("sso_loading")}</p>
          : (
            <form class="stack" onSubmit={save}>
              <section class="panel-form stack" aria-label={t("sso_oidc")}>
                <h2>{t("sso_oidc")}</h2>
                <Checkbox
                  name="oidc-enabled"
                  label={t("sso_enabled")}
                  checked={o.enabled}
                  onChange={(v) => setO({ enabled: v })}
                />
                <p class="muted">
                  {t("sso_redirect")}: <code class="sso-uri">{view.value.redirectUri}</code>
                </p>
                {!o.enabled ? <p class="muted">{t("sso_off_hint")}</p> : (
                  <div class="sso-grid">
                    <TextField
                      name="oidc-label"
                      label={t("sso_label")}
                      required
                      value={o.label}
                      onInput={(v) => setO({ label: v })}
                    />
                    <TextField
                      name="oidc-issuer"
                      type="url"
                      label={t("sso_issuer")}
                      required
                      placeholder={t("sso_issuer_hint")}
                      value={o.issuer}
                      onInput={(v) => setO({ issuer: v })}
                    />
                    <TextField
                      name="oidc-client-id"
                      label={t("sso_client_id")}
                      required
                      value={o.clientId}
                      onInput={(v) => setO({ clientId: v })}
                    />
                    <SecretRow
                      t={t}
                      name="oidc-client-secret"
                      label={t("sso_client_secret")}
                      isSet={!!view.value.oidc?.clientSecretSet}
                      value={o.clientSecret}
                      onInput={(v) => setO({ clientSecret: v })}
                    />
                    <TextField
                      name="oidc-scopes"
                      label={t("sso_scopes")}
                      required
                      value={o.scopes}
                      onInput={(v) => setO({ scopes: v })}
                    />
                    <TextField
                      name="oidc-email-claim"
                      label={t("sso_email_claim")}
                      required
                      value={o.emailClaim}
                      onInput={(v) => setO({ emailClaim: v })}
                    />
                    <TextField
                      name="oidc-name-claim"
                      label={t("sso_name_claim")}
                      required
                      value={o.nameClaim}
                      onInput={(v) => setO({ nameClaim: v })}
                    />
                    <TextField
                      name="oidc-groups-claim"
                      label={t("sso_groups_claim")}
                      required
                      value={o.groupsClaim}
                      onInput={(v) => setO({ groupsClaim: v })}
                    />
                    <Checkbox
                      name="oidc-jit"
                      label={t("sso_jit")}
                      checked={o.jit}
                      onChange={(v) => setO({ jit: v })}
                    />
                    <MappingEditor
                      t={t}
                      idPrefix="oidc"
                      teams={teams.value}
                      rows={o.groupMappings}
                      onChange={(rows) => setO({ groupMappings: rows })}
                    />
                  </div>
                )}
              </section>
              <section class="panel-form stack" aria-label={t("sso_ldap")}>
                <h2>{t("sso_ldap")}</h2>
                <Checkbox
                  name="ldap-enabled"
                  label={t("sso_enabled")}
                  checked={l.enabled}
                  onChange={(v) => setL({ enabled: v })}
                />
                {!l.enabled ? <p class="muted">{t("sso_off_hint")}</p> : (
                  <div class="sso-grid">
                    <TextField
                      name="ldap-label"
                      label={t("sso_label")}
                      required
                      value={l.label}
                      onInput={(v) => setL({ label: v })}
                    />
                    <TextField
                      name="ldap-url"
                      label={t("sso_url")}
                      required
                      placeholder="ldaps://ldap.example.com:636"
                      value={l.url}
                      onInput={(v) => setL({ url: v })}
                    />
                    <Checkbox
                      name="ldap-starttls"
                      label={t("sso_starttls")}
                      checked={l.startTls}
                      onChange={(v) => setL({ startTls: v })}
                    />
                    <TextField
                      name="ldap-bind-dn"
                      label={t("sso_bind_dn")}
                      value={l.bindDn}
                      onInput={(v) => setL({ bindDn: v })}
                    />
                    <SecretRow
                      t={t}
                      name="ldap-bind-password"
                      label={t("sso_bind_password")}
                      isSet={!!view.value.ldap?.bindPasswordSet}
                      value={l.bindPassword}
                      onInput={(v) => setL({ bindPassword: v })}
                    />
                    <TextField
                      name="ldap-base-dn"
                      label={t("sso_base_dn")}
                      required
                      placeholder="dc=example,dc=com"
                      value={l.baseDn}
                      onInput={(v) => setL({ baseDn: v })}
                    />
                    <TextField
                      name="ldap-user-filter"
                      label={t("sso_user_filter", { username: "{username}" })}
                      required
                      value={l.userFilter}
                      onInput={(v) => setL({ userFilter: v })}
                    />
                    <TextField
                      name="ldap-group-filter"
                      label={t("sso_group_filter", { dn: "{dn}" })}
                      value={l.groupFilter}
                      onInput={(v) => setL({ groupFilter: v })}
                    />
                    <TextField
                      name="ldap-email-attr"
                      label={t("sso_email_attr")}
                      required
                      value={l.emailAttr}
                      onInput={(v) => setL({ emailAttr: v })}
                    />
                    <TextField
                      name="ldap-name-attr"
                      label={t("sso_name_attr")}
                      required
                      value={l.nameAttr}
                      onInput={(v) => setL({ nameAttr: v })}
                    />
                    <TextField
                      name="ldap-group-attr"
                      label={t("sso_group_attr")}
                      required
                      value={l.groupNameAttr}
                      onInput={(v) => setL({ groupNameAttr: v })}
                    />
                    <Checkbox
                      name="ldap-jit"
                      label={t("sso_jit")}
                      checked={l.jit}
                      onChange={(v) => setL({ jit: v })}
                    />
                    <MappingEditor
                      t={t}
                      idPrefix="ldap"
                      teams={teams.value}
                      rows={l.groupMappings}
                      onChange={(rows) => setL({ groupMappings: rows })}
                    />
                  </div>
                )}
                {view.value.ldap?.enabled && (
                  <div class="row-actions sso-sync">
                    <span class="muted grow">
                      {!last
                        ? t("sso_never_synced")
                        : t(last.ok ? "sso_last_sync" : "sso_last_sync_failed", {
                          when: when(last.at),
                          detail: last.detail,
                        })}
                    </span>
                    <button type="button" disabled={busy.value} onClick={syncNow}>
                      {t("sso_sync_now")}
                    </button>
                  </div>
                )}
              </section>
              <div class="actions">
                <button type="submit" class="primary" disabled={busy.value}>{t("sso_save")}</button>
              </div>
            </form>
          )}
      </main>
    </div>
  );
}
