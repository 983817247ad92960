import { priorityLabel, stepLabel } from "../client/labels.ts";
import { errorText } from "../client/api_errors.ts";
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { dayLabel, timeOfDay } from "../client/format.ts";
import { type Lang, useLocale } from "../client/i18n.ts";
import type { PublicUser } from "../client/store.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import { type Contact, MyNotifications, type Rules } from "../components/MyNotifications.tsx";
import { OnCallNow, type OnCallNowItem } from "../components/OnCallNow.tsx";
import { ScheduleSetup } from "./oncall/ScheduleSetup.tsx";
import { PolicySetup } from "./oncall/PolicySetup.tsx";

export interface OnCallProps {
  me: PublicUser;
  lang: Lang;
}

interface Team {
  id: string;
  name: string;
  myRole: "admin" | "member" | null;
}
interface Schedule {
  id: string;
  name: string;
  timeZone: string;
}
export interface Member {
  userId: string;
  role: "admin" | "member";
  user: PublicUser | null;
}
interface Shift {
  userId: string;
  name: string;
  source: string;
  start: number;
  end: number;
}
interface Integration {
  id: string;
  name: string;
  type: string;
}
interface Step {
  at: string;
  kind: string;
  level: number;
  names: string[];
}

/** Schedules (next two weeks, overrides marked, take a shift), my quiet hours, and the routing dry run. */
export default function OnCall(props: OnCallProps) {
  const { t, lang } = useLocale(props.lang);
  const teams = useSignal<Team[]>([]);
  const team = useSignal<string>("");
  const schedules = useSignal<Schedule[]>([]);
  const schedule = useSignal<string>("");
  const shifts = useSignal<Shift[]>([]);
  const integrations = useSignal<Integration[]>([]);
  const error = useSignal("");
  const saved = useSignal("");
  const dry = useSignal<{ route: string; priority: string; plan: Step[] }[] | null>(null);
  const contacts = useSignal<Contact[]>([]);
  const rules = useSignal<Rules | null>(null);
  const members = useSignal<Member[]>([]);
  const defaultPolicy = useSignal<string | null>(null);
  const now = useSignal<OnCallNowItem[]>([]);
  /** Bumped after a schedule changes, so that the calendar and "on call now" reload. */
  const version = useSignal(0);

  const run = async (f: () => Promise<void>) => {
    error.value = "";
    saved.value = "";
    try {
      await f();
      return true;
    } catch (e) {
      error.value = errorText(t, e);
      return false;
    }
  };
  const loadNow = async (teamId: string) => {
    now.value = teamId
      ? (await api<{ items: OnCallNowItem[] }>("GET", `/api/v1/teams/${teamId}/oncall`)).items
      : [];
  };
  const loadShifts = (id: string) =>
    run(async () => {
      schedule.value = id;
      shifts.value = id
        ? (await api<{ items: Shift[] }>("GET", `/api/v1/schedules/${id}/shifts?days=14`)).items
        : [];
      version.value++;
    });
  const loadSchedules = async (keep?: string) => {
    schedules.value =
      (await api<{ items: Schedule[] }>("GET", `/api/v1/schedules?teamId=${team.value}`)).items;
    const pick = schedules.value.find((x) => x.id === keep)?.id ?? schedules.value[0]?.id ?? "";
    await loadShifts(pick);
    await loadNow(team.value);
  };
  const pickTeam = (id: string) =>
    run(async () => {
      team.value = id;
      const info = await api<{ team: { escalationPolicyId?: string }; members: Member[] }>(
        "GET",
        `/api/v1/teams/${id}`,
      );
      members.value = info.members;
      defaultPolicy.value = info.team.escalationPolicyId ?? null;
      integrations.value =
        (await api<{ items: Integration[] }>("GET", `/api/v1/integrations?teamId=${id}`))
          .items;
      await loadSchedules();
    });
  const loadNotify = async () => {
    contacts.value = (await api<{ items: Contact[] }>("GET", "/api/v1/me/contacts")).items;
    rules.value = (await api<{ rules: Rules }>("GET", "/api/v1/me/notification-rules")).rules;
  };
  /** A change to my contacts or rules, then what is shown is reloaded. */
  const changeNotify = async (method: string, path: string, body?: unknown) => {
    await api(method, path, body);
    await loadNotify();
  };
  useEffect(() => {
    loadNotify();
    run(async () => {
      teams.value = (await api<{ items: Team[] }>("GET", "/api/v1/teams")).items;
      const asked = new URLSearchParams(location.search).get("team");
      const first = teams.value.find((x) => x.id === asked) ?? teams.value[0];
      if (first) await pickTeam(first.id);
    });
  }, []);

  const local = (v: FormDataEntryValue | null) => new Date(String(v)).toISOString();
  const current = teams.value.find((x) => x.id === team.value);
  const canManage = props.me.role === "admin" || current?.myRole === "admin";
  const people = members.value.map((m) => ({ id: m.userId, name: m.user?.name ?? m.userId }));
  const q = props.me.quietHours;
  const days = new Map<string, Shift[]>();
  for (const s of shifts.value) {
    const k = new Date(s.start).toDateString();
    days.set(k, [...(days.get(k) ?? []), s]);
  }

  return (
    <div class="admin">
      <AdminNav t={t} me={props.me} current="oncall" />
      <main class="admin-main">
        <h1>{t("oncall")}</h1>
        {error.value && <p class="error" role="alert">{error.value}</p>}
        {saved.value && <p class="ok" role="status">{saved.value}</p>}
        <p class="inline-form">
          <label>
            {t("teams")}{" "}
            <select
              name="team"
              value={team.value}
              onChange={(e) => pickTeam((e.target as HTMLSelectElement).value)}
            >
              {teams.value.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
            </select>
          </label>
          <label>
            {t("schedule")}{" "}
            <select
              name="schedule"
              value={schedule.value}
              onChange={(e) => loadShifts((e.target as HTMLSelectElement).value)}
            >
              {schedules.value.map((x) => (
                <option key={x.id} value={x.id}>{x.name} ({x.timeZone})</option>
              ))}
            </select>
          </label>
        </p>
        {current && <OnCallNow t={t} lang={lang} items={now.value} />}
        {current && (
          <ScheduleSetup
            t={t}
            lang={lang}
            me={props.me}
            canManage={canManage}
            teamId={current.id}
            people={people}
            scheduleId={schedule.value}
            version={version.value}
            run={run}
            onSaved={async (id, msg) => {
              await loadSchedules(id);
              saved.value = msg;
            }}
          />
        )}
        {schedules.value.length === 0 && (
          <p class="muted">{canManage ? t("oc_noSchedulesManager") : t("oc_noSchedulesYet")}</p>
        )}
        {shifts.value.length > 0 && (
          <table class="table calendar" aria-label={t("nextWeeks")}>
            <tbody>
              {[...days].map(([day, list]) => (
                <tr key={day}>
                  <th scope="row">{dayLabel(list[0].start, lang, t("today"), t("yesterday"))}</th>
                  <td>
                    {list.map((s) => (
                      <span
                        key={s.start}
                        class={`shift ${s.source === "override" ? "override" : ""}`}
                        data-user={s.userId}
                      >
                        {timeOfDay(s.start, lang)}–{timeOfDay(s.end, lang)} {s.name}
                        {s.source === "override" ? ` (${t("override")})` : ""}
                      </span>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {schedule.value && (
          <form
            class="inline-form"
            aria-label={t("takeShift")}
            onSubmit={(e) => {
              e.preventDefault();
              const f = new FormData(e.target as HTMLFormElement);
              run(async () => {
                await api("POST", `/api/v1/schedules/${schedule.value}/overrides`, {
                  userId: props.me.id,
                  start: local(f.get("start")),
                  end: local(f.get("end")),
                });
                await loadShifts(schedule.value);
                saved.value = t("shiftTaken");
              });
            }}
          >
            <strong>{t("takeShift")}</strong>
            <input type="datetime-local" name="start" required aria-label={t("from")} />
            <input type="datetime-local" name="end" required aria-label={t("to")} />
            <button type="submit" class="primary">{t("takeShift")}</button>
          </form>
        )}

        {current && (
          <PolicySetup
            t={t}
            canManage={canManage}
            team={{ id: current.id, name: current.name }}
            people={people}
            schedules={schedules.value}
            defaultPolicy={defaultPolicy.value}
            run={run}
            onDefault={(id) => defaultPolicy.value = id}
            onSaved={(msg) => saved.value = msg}
          />
        )}

        <MyNotifications
          t={t}
          contacts={contacts.value}
          rules={rules.value}
          onAdd={(kind, address) => changeNotify("POST", "/api/v1/me/contacts", { kind, address })}
          onVerify={(id, code) =>
            changeNotify("POST", `/api/v1/me/contacts/${id}/verify`, { code })}
          onRemove={(id) => changeNotify("DELETE", `/api/v1/me/contacts/${id}`)}
          onSaveRules={(next) => changeNotify("PUT", "/api/v1/me/notification-rules", next)}
        />

        <h2>{t("quietHours")}</h2>
        <p class="muted">{t("quietHoursHelp")}</p>
        <form
          class="inline-form"
          aria-label={t("quietHours")}
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.target as HTMLFormElement);
            const on = f.get("on") === "on";
            run(async () => {
              await api("PATCH", "/api/v1/me", {
                quietHours: on
                  ? {
                    from: String(f.get("from")),
                    to: String(f.get("to")),
                    timeZone: String(f.get("tz")),
                  }
                  : null,
              });
              saved.value = t("saved");
            });
          }}
        >
          <label>
            <input type="checkbox" name="on" defaultChecked={!!q} /> {t("quietOn")}
          </label>
          <input type="time" name="from" defaultValue={q?.from ?? "22:00"} aria-label={t("from")} />
          <input type="time" name="to" defaultValue={q?.to ?? "07:00"} aria-label={t("to")} />
          <input
            name="tz"
            defaultValue={q?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone}
            aria-label={t("timeZone")}
          />
          <button type="submit">{t("save")}</button>
        </form>

        <h2>{t("dryRun")}</h2>
        <p class="muted">{t("dryRunHelp")}</p>
        <form
          class="stack"
          aria-label={t("dryRun")}
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.target as HTMLFormElement);
            run(async () => {
              const r = await api<
                { results: { decision: { route: string; priority: string }; plan: Step[] }[] }
              >(
                "POST",
                `/api/v1/teams/${team.value}/routing/dry-run`,
                {
                  integrationId: String(f.get("integration")),
                  body: String(f.get("body")),
                  ...(f.get("at") ? { at: local(f.get("at")) } : {}),
                },
              );
              dry.value = r.results.map((x) => ({
                route: x.decision.route,
                priority: x.decision.priority,
                plan: x.plan,
              }));
            });
          }}
        >
          <select name="integration" aria-label={t("integration")}>
            {integrations.value.map((i) => (
              <option key={i.id} value={i.id}>{i.name} ({i.type})</option>
            ))}
          </select>
          <textarea
            name="body"
            rows={6}
            required
            aria-label={t("samplePayload")}
            placeholder={t("samplePayload")}
          />
          <label>
            {t("at")} <input type="datetime-local" name="at" />
          </label>
          <button type="submit" class="primary">{t("dryRun")}</button>
        </form>
        {dry.value &&
          dry.value.map((r, i) => (
            <section key={i} class="dry-result" aria-label={t("dryRun")}>
              <p>
                {t("route")}: <strong data-testid="route">{r.route}</strong> · {t("priority")}:{" "}
                {priorityLabel(t, r.priority)}
              </p>
              <ol>
                {r.plan.map((s) => (
                  <li key={s.at + s.kind}>
                    {new Date(s.at).toLocaleString()} — {stepLabel(t, s.kind)}
                    {s.kind === "reminder"
                      ? ""
                      : ` (${t("level")} ${s.level + 1}): ${s.names.join(", ")}`}
                  </li>
                ))}
              </ol>
            </section>
          ))}
      </main>
    </div>
  );
}
