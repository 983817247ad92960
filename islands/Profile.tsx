import { type Signal, useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { errorText } from "../client/api_errors.ts";
import { type Lang, setLang, type Translate, useLocale } from "../client/i18n.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import { TokenList } from "../components/TokenList.tsx";
import { PushSetup } from "./profile/PushSetup.tsx";
import { DirectoryCardSetup } from "./profile/DirectoryCardSetup.tsx";
import { Sessions } from "./profile/Sessions.tsx";
import type { ApiToken, PublicUser } from "../lib/protocol.ts";

export interface ProfileProps {
  me: PublicUser;
  lang: Lang;
}

/** Offered token lifetimes in days; 0: never expires. */
const EXPIRY_DAYS = [30, 90, 365, 0] as const;
const DAY_MS = 86_400_000;

/** My name and language; a new language applies to this page at once. */
function ProfileSection(props: { t: Translate; lang: Lang; me: Signal<PublicUser> }) {
  const { t, lang, me } = props;
  const error = useSignal("");
  const status = useSignal("");
  const save = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const next = { name: String(f.get("name")).trim(), lang: String(f.get("lang")) as Lang };
    error.value = "";
    status.value = "";
    try {
      me.value = (await api<{ user: PublicUser }>("PATCH", "/api/v1/me", next)).user;
      // Saved on the server already: switch this page without saving again.
      if (next.lang !== lang) setLang(next.lang, false);
      document.documentElement.dataset.langSource = "user";
      status.value = t("pp_saved");
    } catch (err) {
      error.value = errorText(t, err);
    }
  };
  return (
    <section class="pp-section" aria-labelledby="pp-profile">
      <h2 id="pp-profile">{me.value.email}</h2>
      <p class="muted">{t("pp_profile_help")}</p>
      {error.value && <p class="error" role="alert">{error.value}</p>}
      <form class="pp-form" method="post" aria-label={t("pp_profile")} onSubmit={save}>
        <label>
          {t("name")}
          <input name="name" required maxLength={100} defaultValue={me.value.name} />
        </label>
        <label>
          {t("pp_lang")}
          <select name="lang" defaultValue={me.value.lang ?? lang}>
            <option value="en">{t("pp_lang_en")}</option>
            <option value="zh">{t("pp_lang_zh")}</option>
          </select>
        </label>
        <button type="submit" class="primary">{t("pp_save")}</button>
      </form>
      {status.value && <p class="pp-status" role="status">{status.value}</p>}
    </section>
  );
}

/** Change my password: the current one, then the new one. */
function PasswordSection(props: { t: Translate }) {
  const { t } = props;
  const error = useSignal("");
  const status = useSignal("");
  const busy = useSignal(false);
  const change = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const f = new FormData(form);
    error.value = "";
    status.value = "";
    busy.value = true;
    try {
      await api("POST", "/api/v1/me/password", {
        current: String(f.get("current")),
        next: String(f.get("next")),
      });
      form.reset();
      status.value = t("pp_password_changed");
    } catch (err) {
      error.value = errorText(t, err);
    } finally {
      busy.value = false;
    }
  };
  return (
    <section class="pp-section" aria-labelledby="pp-password">
      <h2 id="pp-password">{t("pp_password")}</h2>
      <p class="muted">{t("pp_password_help")}</p>
      {error.value && <p class="error" role="alert">{error.value}</p>}
      <form class="pp-form" method="post" aria-label={t("pp_change_password")} onSubmit={change}>
        <label>
          {t("pp_current_password")}
          <input name="current" type="password" required autocomplete="current-password" />
        </label>
        <label>
          {t("pp_new_password")}
          <input name="next" type="password" required minLength={8} autocomplete="new-password" />
        </label>
        <button type="submit" class="primary" disabled={busy.value}>
          {t("pp_change_password")}
        </button>
      </form>
      {status.value && <p class="pp-status" role="status">{status.value}</p>}
    </section>
  );
}

/** My API tokens, the secret of a new one (shown once), and the calls that change them. */
function useTokens(t: Translate) {
  const tokens = useSignal<ApiToken[] | null>(null);
  const secret = useSignal<{ name: string; token: string } | null>(null);
  const copied = useSignal(false);
  const error = useSignal("");
  const load = async () => {
    try {
      tokens.value = (await api<{ items: ApiToken[] }>("GET", "/api/v1/tokens")).items;
    } catch (e) {
      tokens.value = [];
      error.value = errorText(t, e);
    }
  };
  useEffect(() => {
    load();
  }, []);
  const create = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const f = new FormData(form);
    const days = Number(f.get("expiry"));
    const body: { name: string; expiresAt?: number } = { name: String(f.get("name")).trim() };
    if (days > 0) body.expiresAt = Date.now() + days * DAY_MS;
    error.value = "";
    copied.value = false;
    try {
      const r = await api<{ token: string; apiToken: ApiToken }>("POST", "/api/v1/tokens", body);
      secret.value = { name: r.apiToken.name, token: r.token };
      form.reset();
      await load();
    } catch (err) {
      error.value = errorText(t, err);
    }
  };
  const revoke = async (tok: ApiToken) => {
    if (!confirm(t("pp_revoke_confirm", { name: tok.name }))) return;
    error.value = "";
    try {
      await api("DELETE", `/api/v1/tokens/${tok.id}`);
      await load();
    } catch (err) {
      error.value = errorText(t, err);
    }
  };
  const copy = async () => {
    if (!secret.value) return;
    try {
      await navigator.clipboard.writeText(secret.value.token);
      copied.value = true;
    } catch {
      // No clipboard permission: select the text so that the user can copy it.
      const el = document.querySelector(".pp-secret code");
      if (el) getSelection()?.selectAllChildren(el);
    }
  };
  return { tokens, secret, copied, error, create, revoke, copy };
}

/** My API tokens: create one (its secret shown once, with a copy button), list, revoke. */
function TokensSection(props: { t: Translate; lang: Lang }) {
  const { t } = props;
  const { tokens, secret, copied, error, create, revoke, copy } = useTokens(t);
  return (
    <section class="pp-section" aria-labelledby="pp-tokens">
      <h2 id="pp-tokens">{t("pp_tokens")}</h2>
      <p class="muted">
        {t("pp_tokens_help")} <a href="/api-docs">{t("apid_nav")}</a>
      </p>
      {error.value && <p class="error" role="alert">{error.value}</p>}
      <form class="pp-form" method="post" aria-label={t("pp_create_token")} onSubmit={create}>
        <label>
          {t("pp_token_name")}
          <input name="name" required maxLength={100} autocomplete="off" />
        </label>
        <label>
          {t("pp_token_expiry")}
          <select name="expiry" defaultValue="90">
            {EXPIRY_DAYS.map((d) => (
              <option key={d} value={String(d)}>
                {d === 0 ? t("pp_expiry_never") : t("pp_expiry_days", { n: d })}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="primary">{t("pp_create_token")}</button>
      </form>
      {secret.value && (
        <div class="pp-secret" role="status">
          <strong>{secret.value.name}</strong>
          <span>{t("pp_token_once")}</span>
          <code data-testid="new-token">{secret.value.token}</code>
          <button type="button" onClick={copy}>
            {copied.value ? t("pp_copied") : t("pp_copy")}
          </button>
        </div>
      )}
      <TokenList
        t={t}
        lang={props.lang}
        tokens={tokens.value}
        empty={t("pp_no_tokens")}
        onRevoke={revoke}
      />
    </section>
  );
}

/** The caller's own account: name and language, password, API tokens, and where notifications are set. */
export default function Profile(props: ProfileProps) {
  const { lang, t } = useLocale(props.lang);
  const me = useSignal(props.me);
  const logout = async () => {
    let to = "/login";
    try {
      // A session from single sign-on ends at the identity provider too, which comes back here.
      to = (await api<{ redirect?: string }>("DELETE", "/api/v1/session")).redirect ?? to;
    } finally {
      location.href = to;
    }
  };
  return (
    <div class="admin">
      <AdminNav t={t} me={me.value} current="profile" />
      <main class="admin-main">
        <h1>{t("pp_profile")}</h1>
        <ProfileSection t={t} lang={lang} me={me} />
        <DirectoryCardSetup t={t} me={me} />
        <PasswordSection t={t} />
        <TokensSection t={t} lang={lang} />
        <Sessions t={t} lang={lang} />
        <PushSetup t={t} />
        <section class="pp-section" aria-labelledby="pp-notify">
          <h2 id="pp-notify">{t("pp_notify_title")}</h2>
          <p class="muted">{t("pp_notify_help")}</p>
          <a href="/oncall#my-notifications">{t("pp_notify_link")}</a>
        </section>
        <p>
          <button type="button" onClick={logout}>{t("logout")}</button>
        </p>
      </main>
    </div>
  );
}
