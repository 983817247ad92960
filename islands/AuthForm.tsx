import { errorText } from "../client/api_errors.ts";
import { useSignal } from "@preact/signals";
import { api } from "../client/api.ts";
import { type Lang, toggleLang, useLocale } from "../client/i18n.ts";
import { safeNext } from "../client/safe_next.ts";
import type { SsoPublicView } from "../lib/protocol.ts";
import { IdentityField, SsoButtons, ssoErrorKey } from "../components/SsoLogin.tsx";

const LDAP_LOGIN = "/api/v1/sso/ldap/session";

export interface AuthFormProps {
  mode: "login" | "setup";
  lang: Lang;
  /** Where to go after logging in (a local path). */
  next: string;
  /** Single sign-on the login page offers (none on the setup page). */
  sso?: SsoPublicView;
  /** Why the last single sign-on came back to this page, if it failed. */
  ssoError?: string | null;
  /** Self-registration is on: the login form links to it. */
  signup?: boolean;
}

/**
 * The login and first-run setup forms, with the attributes password managers rely on. The error
 * line is always in place (hidden while empty): a live region that exists before its message is
 * announced reliably, and the fields below keep their DOM nodes (and what was typed) when a
 * message appears.
 */
export default function AuthForm(props: AuthFormProps) {
  const { t } = useLocale(props.lang);
  const error = useSignal(props.ssoError ? t(ssoErrorKey(props.ssoError)) : "");
  const busy = useSignal(false);
  const setup = props.mode === "setup";
  // The LDAP form (directory username and password) instead of the Tocsin account's.
  const ldap = useSignal(false);
  const ldapLabel = props.sso?.ldap?.label;
  const onSubmit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    busy.value = true;
    error.value = "";
    try {
      const path = setup ? "/api/v1/setup" : ldap.value ? LDAP_LOGIN : "/api/v1/session";
      await api("POST", path, Object.fromEntries(form));
      location.href = safeNext(props.next);
    } catch (err) {
      error.value = errorText(t, err, {
        unauthorized: "pp_err_login",
        forbidden: "pp_err_account_disabled",
      });
    } finally {
      busy.value = false;
    }
  };
  return (
    <main class="auth">
      <form class="card stack" method="post" onSubmit={onSubmit}>
        <h1>{setup ? t("setupTitle") : t("loginTitle")}</h1>
        {setup && <p class="muted">{t("setupIntro")}</p>}
        <p class="error" role="alert" hidden={!error.value}>{error.value}</p>
        {setup && (
          <label>
            {t("name")}
            <input name="name" autocomplete="name" required maxLength={100} />
          </label>
        )}
        <IdentityField t={t} ldap={ldap.value} />
        <label>
          {t("password")}
          <input
            name="password"
            type="password"
            autocomplete={setup ? "new-password" : "current-password"}
            minLength={setup ? 8 : undefined}
            required
          />
        </label>
        <button type="submit" class="primary" disabled={busy.value}>
          {setup
            ? t("createAdmin")
            : ldap.value && ldapLabel
            ? t("sso_sign_in_with", { label: ldapLabel })
            : t("logIn")}
        </button>
        {!setup && props.sso && (
          <SsoButtons
            t={t}
            sso={props.sso}
            next={props.next}
            ldapMode={ldap.value}
            onLdapMode={(on) => {
              ldap.value = on;
              error.value = "";
            }}
          />
        )}
        {!setup && (
          <p class="acc-links">
            <a href="/forgot">{t("acc_forgot_link")}</a>
            {props.signup && <a href="/register">{t("acc_register_link")}</a>}
          </p>
        )}
        <button type="button" class="linkish" onClick={toggleLang}>{t("language")}</button>
      </form>
    </main>
  );
}
