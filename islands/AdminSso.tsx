import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { errorText } from "../client/api_errors.ts";
import { type Lang, type Translate, useLocale } from "../client/i18n.ts";
import type { ComponentChildren } from "preact";
import type { PublicUser, SsoAdminView, SsoGroupMapping } from "../lib/protocol.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import { Checkbox, type FieldSpec, SettingsFields } from "../components/SsoForms.tsx";

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

const OIDC_FIELDS: FieldSpec[] = [
  { key: "label", label: "sso_label", required: true },
  {
    key: "issuer",
    label: "sso_issuer",
    kind: "url",
    required: true,
    placeholder: "https://login.example.com/realms/main",
  },
  { key: "clientId", label: "sso_client_id", required: true },
  { key: "clientSecret", label: "sso_client_secret", kind: "secret" },
  { key: "scopes", label: "sso_scopes", required: true },
  { key: "emailClaim", label: "sso_email_claim", required: true },
  { key: "nameClaim", label: "sso_name_claim", required: true },
  { key: "groupsClaim", label: "sso_groups_claim", required: true },
  { key: "jit", label: "sso_jit", kind: "check" },
];

const LDAP_FIELDS: FieldSpec[] = [
  { key: "label", label: "sso_label", required: true },
  { key: "url", label: "sso_url", required: true, placeholder: "ldaps://ldap.example.com:636" },
  { key: "startTls", label: "sso_starttls", kind: "check" },
  { key: "bindDn", label: "sso_bind_dn" },
  { key: "bindPassword", label: "sso_bind_password", kind: "secret" },
  { key: "baseDn", label: "sso_base_dn", required: true, placeholder: "dc=example,dc=com" },
  { key: "userFilter", label: "sso_user_filter", required: true },
  { key: "groupFilter", label: "sso_group_filter" },
  { key: "emailAttr", label: "sso_email_attr", required: true },
  { key: "nameAttr", label: "sso_name_attr", required: true },
  { key: "groupNameAttr", label: "sso_group_attr", required: true },
  { key: "jit", label: "sso_jit", kind: "check" },
];

/** One provider's section: on/off, then its fields (a hint while it is off). */
function ProviderSection(props: {
  t: Translate;
  title: string;
  prefix: string;
  specs: FieldSpec[];
  draft: OidcDraft | LdapDraft;
  secretSet: boolean;
  teams: { id: string; name: string }[];
  onChange: (patch: Record<string, unknown>) => void;
  children?: ComponentChildren;
  footer?: ComponentChildren;
}) {
  const { t, draft } = props;
  return (
    <section class="panel-form stack" aria-label={props.title}>
      <h2>{props.title}</h2>
      <Checkbox
        name={`${props.prefix}-enabled`}
        label={t("sso_enabled")}
        checked={draft.enabled}
        onChange={(v) => props.onChange({ enabled: v })}
      />
      {props.children}
      {!draft.enabled ? <p class="muted">{t("sso_off_hint")}</p> : (
        <SettingsFields
          t={t}
          prefix={props.prefix}
          specs={props.specs}
          draft={draft as unknown as Record<string, unknown>}
          secretSet={props.secretSet}
          teams={props.teams}
          mappings={draft.groupMappings}
          onChange={props.onChange}
        />
      )}
      {props.footer}
    </section>
  );
}

/** The last sync's outcome and "Sync now", once LDAP is saved on. */
function SyncRow(props: {
  t: Translate;
  lang: Lang;
  last: SsoAdminView["ldapLastSync"];
  busy: boolean;
  onSync: () => void;
}) {
  const { t, last } = props;
  const when = (at: number) => new Date(at).toLocaleString(props.lang === "zh" ? "zh-CN" : "en");
  return (
    <div class="row-actions sso-sync">
      <span class="muted grow">
        {!last ? t("sso_never_synced") : t(last.ok ? "sso_last_sync" : "sso_last_sync_failed", {
          when: when(last.at),
          detail: last.detail,
        })}
      </span>
      <button type="button" disabled={props.busy} onClick={props.onSync}>
        {t("sso_sync_now")}
      </button>
    </div>
  );
}

/** The page's state: the saved view, both drafts, and the save and sync actions. */
function useSsoAdmin(t: Translate) {
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
      show(await api<SsoAdminView>("GET", "/api/v1/sso/settings"));
      notice.value = t("sso_synced", { people: r.people, disabled: r.disabled });
    });
  return { view, teams, oidc, ldap, error, notice, busy, save, syncNow };
}

/** /admin/sso: OpenID Connect and LDAP sign-in, for admins. */
export default function AdminSso(props: AdminSsoProps) {
  const { t, lang } = useLocale(props.lang);
  const { view, teams, oidc, ldap, error, notice, busy, save, syncNow } = useSsoAdmin(t);
  const v = view.value;
  return (
    <div class="admin">
      <AdminNav t={t} me={props.me} current="sso" />
      <main class="admin-main sso-admin">
        <h1>{t("sso_title")}</h1>
        <p class="muted">{t("sso_intro")}</p>
        {error.value && <p class="error" role="alert">{error.value}</p>}
        {notice.value && <p class="notice" role="status">{notice.value}</p>}
        {v === null ? <p class="muted">{t("sso_loading")}</p> : (
          <form class="stack" onSubmit={save}>
            <ProviderSection
              t={t}
              title={t("sso_oidc")}
              prefix="oidc"
              specs={OIDC_FIELDS}
              draft={oidc.value}
              secretSet={!!v.oidc?.clientSecretSet}
              teams={teams.value}
              onChange={(p) => oidc.value = { ...oidc.value, ...p }}
            >
              <p class="muted">
                {t("sso_redirect")}: <code class="sso-uri">{v.redirectUri}</code>
              </p>
            </ProviderSection>
            <ProviderSection
              t={t}
              title={t("sso_ldap")}
              prefix="ldap"
              specs={LDAP_FIELDS}
              draft={ldap.value}
              secretSet={!!v.ldap?.bindPasswordSet}
              teams={teams.value}
              onChange={(p) => ldap.value = { ...ldap.value, ...p }}
              footer={v.ldap?.enabled && (
                <SyncRow
                  t={t}
                  lang={lang}
                  last={v.ldapLastSync}
                  busy={busy.value}
                  onSync={syncNow}
                />
              )}
            />
            <div class="actions">
              <button type="submit" class="primary" disabled={busy.value}>{t("sso_save")}</button>
            </div>
          </form>
        )}
      </main>
    </div>
  );
}
