import type { Key, Translate } from "../client/i18n.ts";
import type { SsoPublicView } from "../lib/protocol.ts";

const ERROR_KEYS = new Map<string, Key>([
  ["state", "sso_err_state"],
  ["provider", "sso_err_provider"],
  ["denied", "sso_err_denied"],
  ["account", "sso_err_account"],
  ["unavailable", "sso_err_unavailable"],
]);

/** The message for a failed single sign-on (`/login?sso_error=<code>`). */
export function ssoErrorKey(code: string): Key {
  return ERROR_KEYS.get(code) ?? "sso_err_unavailable";
}

/**
 * Below the login form: "Sign in with <label>" for OpenID Connect (a link that
 * starts the round trip) and a switch between the LDAP form and the Tocsin one.
 */
export function SsoButtons(props: {
  t: Translate;
  sso: SsoPublicView;
  next: string;
  ldapMode: boolean;
  onLdapMode: (on: boolean) => void;
}) {
  const { t, sso } = props;
  if (!sso.oidc && !sso.ldap) return null;
  return (
    <div class="sso-buttons stack">
      <p class="sso-or muted">{t("sso_or")}</p>
      {sso.oidc && (
        <a
          class="button sso-button"
          href={`/auth/oidc/start?next=${encodeURIComponent(props.next)}`}
        >
          {t("sso_sign_in_with", { label: sso.oidc.label })}
        </a>
      )}
      {sso.ldap && (
        <button
          type="button"
          class="sso-button"
          onClick={() => props.onLdapMode(!props.ldapMode)}
        >
          {props.ldapMode
            ? t("sso_use_password")
            : t("sso_sign_in_with", { label: sso.ldap.label })}
        </button>
      )}
    </div>
  );
}

/** Who is signing in: the e-mail of a Tocsin account, or a directory username for LDAP. */
export function IdentityField(props: { t: Translate; ldap: boolean }) {
  const { t } = props;
  return props.ldap
    ? (
      <label>
        {t("sso_username")}
        <input name="username" autocomplete="username" required maxLength={256} />
      </label>
    )
    : (
      <label>
        {t("email")}
        <input name="email" type="email" autocomplete="username" required />
      </label>
    );
}
