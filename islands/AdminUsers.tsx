import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, HttpError } from "../client/api.ts";
import { type Lang, useLocale } from "../client/i18n.ts";
import type { PublicUser } from "../client/store.ts";
import { Dialog } from "../components/Dialog.tsx";
import { AdminNav } from "../components/AdminNav.tsx";

export interface AdminUsersProps {
  me: PublicUser;
  lang: Lang;
}

export default function AdminUsers(props: AdminUsersProps) {
  const { t } = useLocale(props.lang);
  const users = useSignal<PublicUser[]>([]);
  const error = useSignal("");
  const resetting = useSignal<PublicUser | null>(null);
  const load = async () => {
    users.value = (await api<{ items: PublicUser[] }>("GET", "/api/v1/users?limit=200")).items;
  };
  useEffect(() => {
    load();
  }, []);
  const run = async (f: () => Promise<unknown>) => {
    error.value = "";
    try {
      await f();
      await load();
      return true;
    } catch (e) {
      error.value = (e as HttpError).message;
      return false;
    }
  };
  const create = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const body = Object.fromEntries(new FormData(form));
    if (await run(() => api("POST", "/api/v1/users", body))) form.reset();
  };
  return (
    <div class="admin">
      <AdminNav t={t} me={props.me} current="users" />
      <main class="admin-main">
        <h1>{t("users")}</h1>
        {error.value && <p class="error" role="alert">{error.value}</p>}
        <form class="inline-form" onSubmit={create} aria-label={t("createUser")}>
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
            {users.value.map((u) => (
              <tr key={u.id} class={u.disabled ? "is-disabled" : ""}>
                <td>{u.name}{u.disabled ? ` (${t("disabled")})` : ""}</td>
                <td>{u.email}</td>
                <td>{u.role === "admin" ? t("roleAdmin") : t("roleMember")}</td>
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
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </main>
      {resetting.value && (
        <Dialog
          title={`${t("resetPassword")}: ${resetting.value.name}`}
          closeLabel={t("close")}
          onClose={() => resetting.value = null}
        >
          <form
            class="stack"
            onSubmit={async (e) => {
              e.preventDefault();
              const password = String(new FormData(e.target as HTMLFormElement).get("password"));
              if (
                await run(() => api("PATCH", `/api/v1/users/${resetting.value!.id}`, { password }))
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
      )}
    </div>
  );
}
