import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, HttpError } from "../client/api.ts";
import { type Lang, useLocale } from "../client/i18n.ts";
import type { PublicUser } from "../client/store.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import { UserPicker } from "../components/UserPicker.tsx";
import { searchUsers } from "../client/users.ts";
import { OnCallNow, type OnCallNowItem } from "../components/OnCallNow.tsx";

export interface AdminTeamsProps {
  me: PublicUser;
  lang: Lang;
}

interface Team {
  id: string;
  name: string;
  myRole: "admin" | "member" | null;
}
interface TeamMember {
  userId: string;
  role: "admin" | "member";
  user: PublicUser | null;
}

export default function AdminTeams(props: AdminTeamsProps) {
  const { t, lang } = useLocale(props.lang);
  const teams = useSignal<Team[]>([]);
  const selected = useSignal<string | null>(null);
  const teamMembers = useSignal<TeamMember[]>([]);
  const onCall = useSignal<OnCallNowItem[]>([]);
  const error = useSignal("");
  const isAdmin = props.me.role === "admin";
  const load = async () => {
    teams.value = (await api<{ items: Team[] }>("GET", "/api/v1/teams")).items;
  };
  const select = async (id: string) => {
    selected.value = id;
    teamMembers.value =
      (await api<{ members: TeamMember[] }>("GET", `/api/v1/teams/${id}`)).members;
    onCall.value = (await api<{ items: OnCallNowItem[] }>("GET", `/api/v1/teams/${id}/oncall`))
      .items;
  };
  useEffect(() => {
    load();
  }, []);
  const run = async (f: () => Promise<{ members?: TeamMember[] } | unknown>) => {
    error.value = "";
    try {
      const r = await f() as { members?: TeamMember[] };
      if (r?.members) teamMembers.value = r.members;
      await load();
      return true;
    } catch (e) {
      error.value = (e as HttpError).message;
      return false;
    }
  };
  const team = teams.value.find((x) => x.id === selected.value);
  const canManage = isAdmin || team?.myRole === "admin";
  return (
    <div class="admin">
      <AdminNav t={t} me={props.me} current="teams" />
      <main class="admin-main">
        <h1>{t("teams")}</h1>
        {error.value && <p class="error" role="alert">{error.value}</p>}
        {isAdmin && (
          <form
            class="inline-form"
            aria-label={t("createTeam")}
            onSubmit={async (e) => {
              e.preventDefault();
              const form = e.target as HTMLFormElement;
              const name = String(new FormData(form).get("name"));
              if (await run(() => api("POST", "/api/v1/teams", { name }))) form.reset();
            }}
          >
            <input name="name" placeholder={t("teamName")} aria-label={t("teamName")} required />
            <button type="submit" class="primary">{t("createTeam")}</button>
          </form>
        )}
        <div class="split">
          <ul class="team-list">
            {teams.value.map((x) => (
              <li key={x.id}>
                <button
                  type="button"
                  class={selected.value === x.id ? "active" : ""}
                  onClick={() => select(x.id)}
                >
                  {x.name}
                </button>
              </li>
            ))}
          </ul>
          {team && (
            <section class="team-detail" aria-label={team.name}>
              <h2>{team.name}</h2>
              <OnCallNow t={t} lang={lang} items={onCall.value} />
              <p>
                <a href={`/oncall?team=${team.id}`}>{t("oc_manageOnCall")}</a>
              </p>
              <ul class="member-list">
                {teamMembers.value.map((m) => (
                  <li key={m.userId}>
                    <span class="grow">{m.user?.name ?? m.userId}</span>
                    <span class="muted">
                      {m.role === "admin" ? t("teamAdmin") : t("roleMember")}
                    </span>
                    {canManage && (
                      <>
                        <button
                          type="button"
                          onClick={() =>
                            run(() =>
                              api("PATCH", `/api/v1/teams/${team.id}/members/${m.userId}`, {
                                role: m.role === "admin" ? "member" : "admin",
                              })
                            )}
                        >
                          {m.role === "admin" ? t("makeMember") : t("makeAdmin")}
                        </button>
                        <button
                          type="button"
                          class="danger-link"
                          onClick={() =>
                            run(() =>
                              api("DELETE", `/api/v1/teams/${team.id}/members/${m.userId}`)
                            )}
                        >
                          {t("remove")}
                        </button>
                      </>
                    )}
                  </li>
                ))}
              </ul>
              {canManage && (
                <>
                  <h3>{t("addMembers")}</h3>
                  <UserPicker
                    t={t}
                    search={searchUsers}
                    exclude={teamMembers.value.map((m) => m.userId)}
                    onPick={(u) =>
                      run(() =>
                        api("POST", `/api/v1/teams/${team.id}/members`, {
                          userIds: [u.id],
                          role: "member",
                        })
                      )}
                  />
                </>
              )}
            </section>
          )}
        </div>
      </main>
    </div>
  );
}
