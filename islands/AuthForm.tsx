import { errorText } from "../client/api_errors.ts";
import { useSignal } from "@preact/signals";
import { api } from "../client/api.ts";
import { type Lang, toggleLang, useLocale } from "../client/i18n.ts";
import { safeNext } from "../client/safe_next.ts";

export interface AuthFormProps {
  mode: "login" | "setup";
  lang: Lang;
  /** Where to go after logging in (a local path). */
  next: string;
  /** Self-registration is on: the login form links to it. */
  signup?: boolean;
}

/** The login and first-run setup forms, with the attributes password managers rely on. */
export default function AuthForm(props: AuthFormProps) {
  const { t } = useLocale(props.lang);
  const error = useSignal("");
  const busy = useSignal(false);
  const setup = props.mode === "setup";
  const onSubmit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    busy.value = true;
    error.value = "";
    try {
      await api("POST", setup ? "/api/v1/setup" : "/api/v1/session", Object.fromEntries(form));
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
        {error.value && <p class="error" role="alert">{error.value}</p>}
        {setup && (
          <label>
            {t("name")}
            <input name="name" autocomplete="name" required maxLength={100} />
          </label>
        )}
        <label>
          {t("email")}
          <input name="email" type="email" autocomplete="username" required />
        </label>
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
          {setup ? t("createAdmin") : t("logIn")}
        </button>
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
