import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { errorText } from "../client/api_errors.ts";
import { type Lang, type Translate, useLocale } from "../client/i18n.ts";
import type { PublicUser } from "../client/store.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import { UserPicker } from "../components/UserPicker.tsx";
import { searchUsers } from "../client/users.ts";
import { OnCallNow, type OnCallNowItem } from "../components/OnCallNow.tsx";
import { QuickReplies } from "./teams/QuickReplies.tsx";

export interface AdminTeamsProps {
  me: PublicUser;
  lang: Lang;
}

interface Team {
  id: string;
  name: string;
  myRole: "admin" | "member" | null;
  archivedAt?: number;
}
interface TeamMember {
  userId: string;
  role: "admin" | "member";
  user: PublicUser | null;
}

/** The teams (archived ones on request), the one selected, its members and who is on call. */
function useAdminTeams(t: Translate) {
  const teams = useSignal<Team[] | null>(null);
  const showArchived = useSignal(false);
  const renaming = useSignal(false);
  const selected = useSignal<string | null>(null);
  const teamMembers = useSignal<TeamMember[]>([]);
  const onCall = useSignal<OnCallNowItem[]>([]);
  const error = useSignal("");
  const load = async () => {
    const q = showArchived.value ? "?archived=1" : "";
    teams.value = (await api<{ items: Team[] }>("GET", "/api/v1/teams" + q)).items;
  };
  const select = async (id: string) => {
    selected.value = id;
    renaming.value = false;
    teamMembers.value = [];
    try {
      teamMembers.value =
        (await api<{ members: TeamMember[] }>("GET", `/api/v1/teams/${id}`)).members;
    } catch (e) {
      error.value = errorText(t, e);
    }
    try {
      onCall.value = (await api<{ items: OnCallNowItem[] }>("GET", `/api/v1/teams/${id}/oncall`))
        .items;
    } catch {
      onCall.value = [];
    }
  };
  useEffect(() => {
    load().catch((e) => {
      teams.value = [];
      error.value = errorText(t, e);
    });
  }, []);
  /** A change; an answer carrying members replaces them, then the list reloads. */
  const run = async (f: () => Promise<{ members?: TeamMember[] } | unknown>) => {
    error.value = "";
    try {
      const r = await f() as { members?: TeamMember[] };
      if (r?.members) teamMembers.value = r.members;
      await load();
      return true;
    } catch (e) {
      error.value = errorText(t, e);
      return false;
    }
  };
  return { teams, showArchived, renaming, selected, teamMembers, onCall, error, select, run };
}

type TeamsState = ReturnType<typeof useAdminTeams>;
interface TeamProps {
  t: Translate;
  team: Team;
  isAdmin: boolean;
  canManage: boolean;
  st: TeamsState;
}

/** An admin's form for a new team. */
function CreateTeamForm(props: { t: Translate; run: TeamsState["run"] }) {
  const { t, run } = props;
  return (
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
  );
}

/** The teams to pick from, archived ones marked. */
function TeamList(props: { t: Translate; st: TeamsState }) {
  const { t, st: { teams, selected, select } } = props;
  return (
    <ul class="team-list">
      {teams.value?.map((x) => (
        <li key={x.id}>
          <button
            type="button"
            class={selected.value === x.id ? "active" : ""}
            onClick={() => select(x.id)}
          >
            {x.name}{" "}
            {x.archivedAt !== undefined && <span class="pp-archived">({t("pp_archived")})</span>}
          </button>
        </li>
      ))}
    </ul>
  );
}

/** A team's rename, archive and unarchive buttons, and the rename form once asked for. */
function TeamActions(props: TeamProps) {
  const { t, team, isAdmin, canManage, st } = props;
  const { renaming, run } = st;
  return (
    <>
      {(canManage || isAdmin) && (
        <div class="team-actions">
          {canManage && !renaming.value && (
            <button
              type="button"
              onClick={() => renaming.value = true}
            >
              {t("pp_rename")}
            </button>
          )}
          {isAdmin && team.archivedAt === undefined && (
            <button
              type="button"
              class="danger"
              onClick={() => {
                if (!confirm(t("pp_archive_confirm", { name: team.name }))) return;
                run(async () => {
                  await api("POST", `/api/v1/teams/${team.id}/archive`);
                  // It leaves the list unless archived teams are shown.
                  if (!st.showArchived.value) st.selected.value = null;
                });
              }}
            >
              {t("pp_archive")}
            </button>
          )}
          {isAdmin && team.archivedAt !== undefined && (
            <button
              type="button"
              onClick={() => run(() => api("POST", `/api/v1/teams/${team.id}/unarchive`))}
            >
              {t("pp_unarchive")}
            </button>
          )}
        </div>
      )}
      {renaming.value && (
        <form
          class="inline-form"
          aria-label={t("pp_rename")}
          onSubmit={async (e) => {
            e.preventDefault();
            const name = String(new FormData(e.target as HTMLFormElement).get("name"));
            if (await run(() => api("PATCH", `/api/v1/teams/${team.id}`, { name }))) {
              renaming.value = false;
            }
          }}
        >
          <input
            name="name"
            required
            maxLength={100}
            defaultValue={team.name}
            aria-label={t("pp_new_name")}
          />
          <button type="submit" class="primary">{t("save")}</button>
          <button type="button" onClick={() => renaming.value = false}>
            {t("cancel")}
          </button>
        </form>
      )}
    </>
  );
}

/** A team's members with their roles; managers change roles, remove and add members. */
function TeamMembers(props: TeamProps) {
  const { t, team, canManage, st } = props;
  const { teamMembers, run } = st;
  return (
    <>
      <h3>{t("pp_members")}</h3>
      {teamMembers.value.length === 0 && <p class="muted">{t("pp_no_members")}</p>}
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
                    run(() => api("DELETE", `/api/v1/teams/${team.id}/members/${m.userId}`))}
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
    </>
  );
}

/** Teams: create (admins), pick one, see who is on call, rename, archive, manage members. */
export default function AdminTeams(props: AdminTeamsProps) {
  const { t, lang } = useLocale(props.lang);
  const st = useAdminTeams(t);
  const { teams, showArchived, error, run } = st;
  const isAdmin = props.me.role === "admin";
  const team = teams.value?.find((x) => x.id === st.selected.value);
  const canManage = isAdmin || team?.myRole === "admin";
  const teamProps = team && { t, team, isAdmin, canManage, st };
  return (
    <div class="admin">
      <AdminNav t={t} me={props.me} current="teams" />
      <main class="admin-main">
        <h1>{t("teams")}</h1>
        {error.value && <p class="error" role="alert">{error.value}</p>}
        {isAdmin && <CreateTeamForm t={t} run={run} />}
        {isAdmin && (
          <label class="show-archived">
            <input
              type="checkbox"
              checked={showArchived.value}
              onChange={(e) => {
                showArchived.value = (e.target as HTMLInputElement).checked;
                run(() => Promise.resolve());
              }}
            />{" "}
            {t("pp_show_archived")}
          </label>
        )}
        {teams.value === null && <p class="muted" role="status">{t("pp_loading")}</p>}
        {teams.value?.length === 0 && (
          <p class="empty">{isAdmin ? t("pp_no_teams_admin") : t("pp_no_teams_member")}</p>
        )}
        {teams.value && teams.value.length > 0 && !team && <p class="muted">{t("pp_pick_team")}</p>}
        <div class="split">
          <TeamList t={t} st={st} />
          {team && teamProps && (
            <section class="team-detail" aria-label={team.name}>
              <h2>{team.name}</h2>
              <OnCallNow t={t} lang={lang} items={st.onCall.value} />
              <p>
                <a href={`/oncall?team=${team.id}`}>{t("oc_manageOnCall")}</a>
              </p>
              {team.archivedAt !== undefined && (
                <p class="pp-archived" role="note">{t("pp_archived_note")}</p>
              )}
              <TeamActions {...teamProps} />
              <TeamMembers {...teamProps} />
              <QuickReplies t={t} teamId={team.id} canManage={canManage} />
            </section>
          )}
        </div>
      </main>
    </div>
  );
}
