import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { errorText } from "../client/api_errors.ts";
import { type Lang, type Translate, useLocale } from "../client/i18n.ts";
import type { ApiToken, PublicUser } from "../lib/protocol.ts";
import { Dialog } from "../components/Dialog.tsx";
import { AdminNav } from "../components/AdminNav.tsx";
import { TokenList } from "../components/TokenList.tsx";
import { Invitations } from "./users/Invitations.tsx";
import { SignupSettings } from "./users/SignupSettings.tsx";
import { ScimTokens } from "./users/ScimTokens.tsx";
import { CsvImport } from "./users/CsvImport.tsx";

export interface AdminUsersProps {
  me: PublicUser;
  lang: Lang;
}

/** The users, the one whose password is being reset, and the one whose tokens are shown. */
function useUsers(t: Translate) {
  const users = useSignal<PublicUser[] | null>(null);
  const error = useSignal("");
  const resetting = useSignal<PublicUser | null>(null);
  /** Whose API tokens the dialog shows, and the tokens once loaded. */
  const tokensOf = useSignal<PublicUser | null>(null);
  const tokens = useSignal<ApiToken[] | null>(null);
  const loadTokens = async (u: PublicUser) => {
    tokens.value = (await api<{ items: ApiToken[] }>("GET", `/api/v1/users/${u.id}/tokens`)).items;
  };
  const showTokens = (u: PublicUser) => {
    tokensOf.value = u;
    tokens.value = null;
    run(() => loadTokens(u));
  };
  const load = async () => {
    users.value = (await api<{ items: PublicUser[] }>("GET", "/api/v1/users?limit=200")).items;
  };
  useEffect(() => {
    load().catch((e) => {
      users.value = [];
      error.value = errorText(t, e);
    });
  }, []);
  const run = async (f: () => Promise<unknown>) => {
    error.value = "";
    try {
      await f();
      await load();
      return true;
    } catch (e) {
      error.value = errorText(t, e);
      return false;
    }
  };
  return { users, error, resetting, tokensOf, tokens, loadTokens, showTokens, run };
}

type Users = ReturnType<typeof useUsers>;

/** An admin's form for a new account: name, e-mail, first password, role. */
function CreateUserForm(props: { t: Translate; run: Users["run"] }) {
  const { t, run } = props;
  const create = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const body = Object.fromEntries(new FormData(form));
    if (await run(() => api("POST", "/api/v1/users", body))) form.reset();
  };
  return (
    <form class="inline-form" method="post" onSubmit={create} aria-label={t("createUser")}>
      <input
        name="name"
        placeholder={t("name")}
        aria-label={t("name")}
        required
        autocomplete="off"
      />
      <input
        name="email"
        type="email"
        placeholder={t("email")}
        aria-label={t("email")}
        required
        autocomplete="off"
      />
      <input
        name="password"
        type="password"
        placeholder={t("password")}
        aria-label={t("password")}
        required
        minLength={8}
        autocomplete="new-password"
      />
      <select name="role" aria-label={t("role")}>
        <option value="member">{t("roleMember")}</option>
        <option value="admin">{t("roleAdmin")}</option>
      </select>
      <button type="submit" class="primary">{t("createUser")}</button>
    </form>
  );
}

/** Every account with its role; disable or enable, reset the password, show the tokens. */
function UserTable(props: { t: Translate; me: PublicUser; us: Users }) {
  const { t, us: { users, resetting, showTokens, run } } = props;
  return (
    <table class="table">
      <thead>
        <tr>
          <th>{t("name")}</th>
          <th>{t("email")}</th>
          <th>{t("role")}</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {users.value?.map((u) => (
          <tr key={u.id} class={u.disabled ? "is-disabled" : ""}>
            <td>{u.name}{u.disabled ? ` (${t("disabled")})` : ""}</td>
            <td data-label={t("email")}>{u.email}</td>
            <td data-label={t("role")}>
              {u.role === "admin" ? t("roleAdmin") : t("roleMember")}
            </td>
            <td class="row-actions">
              {u.id !== props.me.id && (
                <button
                  type="button"
                  onClick={() =>
                    run(() => api("PATCH", `/api/v1/users/${u.id}`, { disabled: !u.disabled }))}
                >
                  {u.disabled ? t("enable") : t("disable")}
                </button>
              )}
              <button type="button" onClick={() => resetting.value = u}>
                {t("resetPassword")}
              </button>
              <button type="button" onClick={() => showTokens(u)}>{t("pp_show_tokens")}</button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** An account's API tokens, each revocable. */
function TokensDialog(props: { t: Translate; lang: Lang; us: Users; user: PublicUser }) {
  const { t, lang, us: { error, tokens, tokensOf, loadTokens, run } } = props;
  return (
    <Dialog
      title={t("pp_tokens_of", { name: props.user.name })}
      closeLabel={t("close")}
      onClose={() => tokensOf.value = null}
    >
      {error.value && <p class="error" role="alert">{error.value}</p>}
      <TokenList
        t={t}
        lang={lang}
        tokens={tokens.value}
        empty={t("pp_no_user_tokens", { name: props.user.name })}
        onRevoke={(tok) => {
          const u = props.user;
          if (!confirm(t("pp_revoke_confirm", { name: tok.name }))) return;
          run(async () => {
            await api("DELETE", `/api/v1/users/${u.id}/tokens/${tok.id}`);
            await loadTokens(u);
          });
        }}
      />
    </Dialog>
  );
}

/** A new password for an account. */
function ResetPasswordDialog(props: { t: Translate; us: Users; user: PublicUser }) {
  const { t, us: { resetting, run } } = props;
  return (
    <Dialog
      title={`${t("resetPassword")}: ${props.user.name}`}
      closeLabel={t("close")}
      onClose={() => resetting.value = null}
    >
      <form
        class="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          const password = String(new FormData(e.target as HTMLFormElement).get("password"));
          if (
            await run(() => api("PATCH", `/api/v1/users/${props.user.id}`, { password }))
          ) {
            resetting.value = null;
          }
        }}
      >
        <label>
          {t("newPassword")}
          <input
            name="password"
            type="password"
            autocomplete="new-password"
            minLength={8}
            required
          />
        </label>
        <div class="actions">
          <button type="button" onClick={() => resetting.value = null}>{t("cancel")}</button>
          <button type="submit" class="primary">{t("save")}</button>
        </div>
      </form>
    </Dialog>
  );
}

/** Accounts: create, disable, reset passwords, and see or revoke a user's API tokens. */
export default function AdminUsers(props: AdminUsersProps) {
  const { lang, t } = useLocale(props.lang);
  const us = useUsers(t);
  const { users, error } = us;
  return (
    <div class="admin">
      <AdminNav t={t} me={props.me} current="users" />
      <main class="admin-main">
        <h1>{t("users")}</h1>
        {error.value && <p class="error" role="alert">{error.value}</p>}
        <CreateUserForm t={t} run={us.run} />
        <UserTable t={t} me={props.me} us={us} />
        {users.value === null && <p class="muted" role="status">{t("pp_loading")}</p>}
        {users.value?.length === 0 && <p class="empty">{t("pp_no_users")}</p>}
        <Invitations t={t} lang={lang} />
        <CsvImport t={t} onApplied={() => us.run(() => Promise.resolve())} />
        <SignupSettings t={t} />
        <ScimTokens t={t} lang={lang} />
      </main>
      {us.tokensOf.value && <TokensDialog t={t} lang={lang} us={us} user={us.tokensOf.value} />}
      {us.resetting.value && <ResetPasswordDialog t={t} us={us} user={us.resetting.value} />}
    </div>
  );
}
