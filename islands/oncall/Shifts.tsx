import { useSignal } from "@preact/signals";
import { api } from "../../client/api.ts";
import { dayLabel, timeOfDay } from "../../client/format.ts";
import type { Lang, Translate } from "../../client/i18n.ts";
import type { PublicUser } from "../../lib/protocol.ts";
import type { OnCallNowItem } from "../../components/OnCallNow.tsx";

export type Run = (f: () => Promise<void>) => Promise<boolean>;

export interface Schedule {
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
export interface Integration {
  id: string;
  name: string;
  type: string;
}

/** A datetime-local field's value as an ISO instant. */
export const local = (v: FormDataEntryValue | null) => new Date(String(v)).toISOString();

/** A team's schedules, the selected one's shifts, who is on call now, members and integrations. */
export function useTeamOnCall(run: Run) {
  const schedules = useSignal<Schedule[]>([]);
  const schedule = useSignal<string>("");
  const shifts = useSignal<Shift[]>([]);
  const integrations = useSignal<Integration[]>([]);
  const members = useSignal<Member[]>([]);
  const defaultPolicy = useSignal<string | null>(null);
  const now = useSignal<OnCallNowItem[]>([]);
  /** Bumped after a schedule changes, so that the calendar and "on call now" reload. */
  const version = useSignal(0);
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
  const loadSchedules = async (teamId: string, keep?: string) => {
    schedules.value =
      (await api<{ items: Schedule[] }>("GET", `/api/v1/schedules?teamId=${teamId}`)).items;
    const pick = schedules.value.find((x) => x.id === keep)?.id ?? schedules.value[0]?.id ?? "";
    await loadShifts(pick);
    await loadNow(teamId);
  };
  const loadTeam = async (id: string) => {
    const info = await api<{ team: { escalationPolicyId?: string }; members: Member[] }>(
      "GET",
      `/api/v1/teams/${id}`,
    );
    members.value = info.members;
    defaultPolicy.value = info.team.escalationPolicyId ?? null;
    integrations.value =
      (await api<{ items: Integration[] }>("GET", `/api/v1/integrations?teamId=${id}`)).items;
    await loadSchedules(id);
  };
  /** An override of the selected schedule for `userId`, then its shifts reload. */
  const takeShift = async (userId: string, start: string, end: string) => {
    await api("POST", `/api/v1/schedules/${schedule.value}/overrides`, { userId, start, end });
    await loadShifts(schedule.value);
  };
  return {
    takeShift,
    schedules,
    schedule,
    shifts,
    integrations,
    members,
    defaultPolicy,
    now,
    version,
    loadShifts,
    loadSchedules,
    loadTeam,
  };
}

/** The schedule picker beside the team picker. */
export function SchedulePicker(props: {
  t: Translate;
  schedules: Schedule[];
  value: string;
  onPick: (id: string) => void;
}) {
  return (
    <label>
      {props.t("schedule")}{" "}
      <select
        name="schedule"
        value={props.value}
        onChange={(e) => props.onPick((e.target as HTMLSelectElement).value)}
      >
        {props.schedules.map((x) => <option key={x.id} value={x.id}>{x.name} ({x.timeZone})
        </option>)}
      </select>
    </label>
  );
}

/** The next two weeks of the selected schedule, a row a day, overrides marked. */
export function ShiftTable(props: { t: Translate; lang: Lang; shifts: Shift[] }) {
  const { t, lang } = props;
  const days = new Map<string, Shift[]>();
  for (const s of props.shifts) {
    const k = new Date(s.start).toDateString();
    days.set(k, [...(days.get(k) ?? []), s]);
  }
  return (
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
  );
}

/** "Take a shift": an override of the selected schedule for me, from and to a local time. */
export function TakeShiftForm(
  props: { t: Translate; onTake: (start: string, end: string) => void },
) {
  const { t } = props;
  return (
    <form
      class="inline-form"
      aria-label={t("takeShift")}
      onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.target as HTMLFormElement);
        props.onTake(local(f.get("start")), local(f.get("end")));
      }}
    >
      <strong>{t("takeShift")}</strong>
      <input type="datetime-local" name="start" required aria-label={t("from")} />
      <input type="datetime-local" name="end" required aria-label={t("to")} />
      <button type="submit" class="primary">{t("takeShift")}</button>
    </form>
  );
}
