import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { errorText } from "../client/api_errors.ts";
import { type Lang, toggleLang, type Translate, useLocale } from "../client/i18n.ts";

export type AccountLinkMode = "invite" | "reset" | "forgot" | "register";

export interface AccountLinkProps {
  mode: AccountLinkMode;
  lang: Lang;
}

/** The link's token: after `#` in the e-mailed link, so that it never reaches a server log. */
function tokenFromHash(): string {
  return typeof location === "undefined" ? "" : decodeURIComponent(location.hash.slice(1));
}

const LINK_ERRORS = { not_found: "acc_err_link" } as const;

/** Asks for a link by e-mail (forgot password, or the first step of registration). */
function EmailRequest(props: { t: Translate; lang: Lang; register: boolean }) {
  const { t } = props;
  const sent = useSignal(false);
  const error = useSignal("");
  const busy = useSignal(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const email = String(new FormData(e.target as HTMLFormElement).get("email"));
    busy.value = true;
    error.value = "";
    try {
      await api("POST", props.register ? "/api/v1/signup" : "/api/v1/password-reset", {
        email,
        lang: props.lang,
      });
      sent.value = true;
    } catch (err) {
      error.value = errorText(t, err, {
        forbidden: "acc_err_signup_off",
        invalid_input: props.register ? "acc_err_domain" : undefined,
      });
    } finally {
      busy.value = false;
    }
  };
  if (sent.value) {
    return (
      <p class="notice" role="status">{props.register ? t("acc_register_sent") : t("acc_sent")}</p>
    );
  }
  return (
    <form class="stack" method="post" onSubmit={submit}>
      <p class="muted">{props.register ? t("acc_register_intro") : t("acc_forgot_intro")}</p>
      {error.value && <p class="error" role="alert">{error.value}</p>}
      <label>
        {t("email")}
        <input name="email" type="email" autocomplete="email" required />
      </label>
      <button type="submit" class="primary" disabled={busy.value}>{t("acc_send_link")}</button>
    </form>
  );
}

/** Uses a link: name (for new accounts) and password, then logs in. */
function CompleteForm(props: { t: Translate; mode: AccountLinkMode; token: string }) {
  const { t, mode, token } = props;
  const error = useSignal("");
  const busy = useSignal(false);
  const invite = useSignal<{ email: string; role: string } | null>(null);
  const needsName = mode !== "reset";
  useEffect(() => {
    if (mode !== "invite") return;
    api<{ email: string; role: string }>("POST", "/api/v1/invitations/peek", { token })
      .then((r) => invite.value = r)
      .catch((err) => error.value = errorText(t, err, LINK_ERRORS));
  }, []);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = Object.fromEntries(new FormData(e.target as HTMLFormElement));
    busy.value = true;
    error.value = "";
    const path = mode === "invite"
      ? "/api/v1/invitations/accept"
      : mode === "reset"
      ? "/api/v1/password-reset/confirm"
      : "/api/v1/signup/complete";
    try {
      await api("POST", path, { ...form, token });
      location.href = "/";
    } catch (err) {
      error.value = errorText(t, err, LINK_ERRORS);
    } finally {
      busy.value = false;
    }
  };
  return (
    <form class="stack" method="post" onSubmit={submit}>
      {mode === "invite" && invite.value && (
        <p class="muted">
          {t("acc_invite_intro", { email: invite.value.email })}
          {invite.value.role === "admin" ? ` ${t("acc_invite_role_admin")}` : ""}
        </p>
      )}
      {mode === "reset" && <p class="muted">{t("acc_reset_intro")}</p>}
      {mode === "register" && <p class="muted">{t("acc_register_finish")}</p>}
      {error.value && <p class="error" role="alert">{error.value}</p>}
      {needsName && (
        <label>
          {t("name")}
          <input name="name" autocomplete="name" required maxLength={100} />
        </label>
      )}
      <label>
        {t("password")}
        <input name="password" type="password" autocomplete="new-password" minLength={8} required />
      </label>
      <button type="submit" class="primary" disabled={busy.value}>
        {mode === "invite"
          ? t("acc_join")
          : mode === "register"
          ? t("acc_create_account")
          : t("acc_set_password")}
      </button>
    </form>
  );
}

const TITLES = {
  invite: "acc_title_invite",
  reset: "acc_title_reset",
  forgot: "acc_title_forgot",
  register: "acc_title_register",
} as const;

/** The pages behind e-mailed account links, and the forms that ask for them. */
export default function AccountLink(props: AccountLinkProps) {
  const { t, lang } = useLocale(props.lang);
  const token = useSignal<string | null>(null);
  useEffect(() => {
    token.value = tokenFromHash();
  }, []);
  const { mode } = props;
  const asks = mode === "forgot" || (mode === "register" && token.value === "");
  return (
    <main class="auth">
      <div class="card stack acc-card">
        <h1>{t(TITLES[mode])}</h1>
        {token.value === null && mode !== "forgot"
          ? <p class="muted" role="status">{t("acc_checking")}</p>
          : asks
          ? <EmailRequest t={t} lang={lang} register={mode === "register"} />
          : token.value
          ? <CompleteForm t={t} mode={mode} token={token.value} />
          : <p class="error" role="alert">{t("acc_no_token")}</p>}
        <p class="acc-links">
          <a href="/login">{t("acc_back_to_login")}</a>
          <button type="button" class="linkish" onClick={toggleLang}>{t("language")}</button>
        </p>
      </div>
    </main>
  );
}
