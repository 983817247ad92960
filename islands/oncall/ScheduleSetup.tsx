import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../../client/api.ts";
import type { Lang, Translate } from "../../client/i18n.ts";
import type { PublicUser } from "../../client/store.ts";
import { localDay, viewerZone } from "../../client/zoned.ts";
import {
  type CalendarShift,
  monthGrid,
  OnCallCalendar,
  weekStart,
} from "../../components/OnCallCalendar.tsx";
import {
  newLayer,
  type Person,
  type ScheduleDraft,
  ScheduleEditor,
} from "../../components/ScheduleEditor.tsx";

import { type Override, Overrides } from "./Overrides.tsx";

interface Schedule extends ScheduleDraft {
  id: string;
  teamId: string;
  overrides: Override[];
}

const today = () => new Date().toISOString().slice(0, 10);
let zones: string[] | null = null;
const allZones = () =>
  zones ??= (Intl as unknown as { supportedValuesOf?: (k: string) => string[] })
    .supportedValuesOf?.("timeZone") ?? [];

type Run = (f: () => Promise<void>) => Promise<boolean>;
type OnSaved = (id: string, message: string) => Promise<void> | void;

/**
 * The selected schedule and the calendar range shown of it (a week or a month
 * from an anchor day), reloaded when the schedule, its version or the range
 * changes; and "now", a minute at a time.
 */
function useScheduleView(scheduleId: string, version: number, run: Run) {
  const schedule = useSignal<Schedule | null>(null);
  const confirming = useSignal(false);
  const view = useSignal<"week" | "month">("week");
  const anchor = useSignal(Date.now());
  const shifts = useSignal<CalendarShift[]>([]);
  const now = useSignal(Date.now());
  const range = () => {
    if (view.value === "week") return { from: weekStart(anchor.value), days: 7, month: undefined };
    return monthGrid(anchor.value);
  };
  const load = () =>
    run(async () => {
      confirming.value = false;
      if (!scheduleId) {
        schedule.value = null;
        shifts.value = [];
        return;
      }
      schedule.value =
        (await api<{ schedule: Schedule }>("GET", `/api/v1/schedules/${scheduleId}`)).schedule;
      const r = range();
      shifts.value = (await api<{ items: CalendarShift[] }>(
        "GET",
        `/api/v1/schedules/${scheduleId}/shifts?from=${
          encodeURIComponent(new Date(r.from).toISOString())
        }&days=${r.days}`,
      )).items;
    });
  useEffect(() => {
    load();
  }, [scheduleId, version, view.value, anchor.value]);
  useEffect(() => {
    const timer = setInterval(() => now.value = Date.now(), 60_000);
    return () => clearInterval(timer);
  }, []);
  const step = (dir: number) => {
    const d = new Date(anchor.value);
    anchor.value = view.value === "week"
      ? localDay(anchor.value, 7 * dir)
      : new Date(d.getFullYear(), d.getMonth() + dir, 1).getTime();
  };
  return { schedule, confirming, view, anchor, shifts, now, range, step };
}

type ScheduleView = ReturnType<typeof useScheduleView>;

/** The schedule's name and the manager's new / edit / delete (with a confirmation) buttons. */
function ScheduleHead(props: {
  t: Translate;
  canManage: boolean;
  sv: ScheduleView;
  editing: "new" | "edit" | null;
  onEdit: (mode: "new" | "edit") => void;
  run: Run;
  onSaved: OnSaved;
}) {
  const { t, canManage, editing, sv: { confirming } } = props;
  const s = props.sv.schedule.value;
  return (
    <div class="oc-row">
      <h2 class="grow">{s ? s.name : t("oc_schedules")}</h2>
      {canManage && !editing && (
        <button
          type="button"
          class="primary"
          onClick={() => props.onEdit("new")}
        >
          {t("oc_newSchedule")}
        </button>
      )}
      {canManage && s && !editing && (
        <button type="button" onClick={() => props.onEdit("edit")}>
          {t("oc_editSchedule")}
        </button>
      )}
      {canManage && s && !editing && !confirming.value && (
        <button
          type="button"
          class="danger-link"
          onClick={() => confirming.value = true}
        >
          {t("oc_deleteSchedule")}
        </button>
      )}
      {confirming.value && s && (
        <span class="oc-confirm" role="group" aria-label={t("oc_deleteSchedule")}>
          {t("oc_confirmDelete", { name: s.name })}{" "}
          <button
            type="button"
            class="danger"
            onClick={() =>
              props.run(async () => {
                await api("DELETE", `/api/v1/schedules/${s.id}`);
                confirming.value = false;
                await props.onSaved("", t("oc_deleted"));
              }).then(() =>
                confirming.value = false
              )}
          >
            {t("oc_yesDelete")}
          </button>{" "}
          <button
            type="button"
            onClick={() =>
              confirming.value = false}
          >
            {t("oc_cancel")}
          </button>
        </span>
      )}
    </div>
  );
}

/** Week or month, and back, today, forward. */
function CalendarNav(props: { t: Translate; sv: ScheduleView }) {
  const { t, sv: { view, anchor, step } } = props;
  return (
    <div class="oc-row oc-calnav">
      <div class="tabs" role="tablist" aria-label={t("oc_calendar")}>
        {(["week", "month"] as const).map((v) => (
          <button
            key={v}
            type="button"
            role="tab"
            aria-selected={view.value === v}
            onClick={() => view.value = v}
          >
            {t(v === "week" ? "oc_week" : "oc_month")}
          </button>
        ))}
      </div>
      <button type="button" aria-label={t("oc_previous")} onClick={() => step(-1)}>‹</button>
      <button type="button" onClick={() => anchor.value = Date.now()}>{t("today")}</button>
      <button type="button" aria-label={t("oc_next")} onClick={() => step(1)}>›</button>
    </div>
  );
}

/** "Europe/Berlin · Primary (weekly, 09:00): Ann → Bob; …" */
function summary(t: Translate, s: Schedule, name: (u: string) => string): string {
  return t("oc_scheduleSummary", {
    zone: s.timeZone,
    layers: s.layers.map((l) =>
      `${l.name} (${
        l.rotation === "hours"
          ? t("oc_everyNHours", { n: l.hours ?? 0 })
          : t(l.rotation === "daily" ? "oc_daily" : "oc_weekly")
      }, ${l.handoff}): ${l.participants.map(name).join(" → ")}`
    ).join("; "),
  });
}

/** A colour index per person: their place in the schedule's layers, else one from their id. */
function colorsOf(s: Schedule | null): (u: string) => number {
  const order = s ? [...new Set(s.layers.flatMap((l) => l.participants))] : [];
  return (u) => {
    const i = order.indexOf(u);
    return i >= 0 ? i : [...u].reduce((n, c) => n + c.charCodeAt(0), 0);
  };
}

/** Creates (`id` null) or replaces a schedule; a layer keeps `hours` only for an hourly rotation. */
async function saveSchedule(d: ScheduleDraft, teamId: string, id: string | null) {
  const body = {
    ...d,
    layers: d.layers.map((l) => ({ ...l, hours: l.rotation === "hours" ? l.hours : undefined })),
  };
  const r = id === null
    ? await api<{ schedule: Schedule }>("POST", "/api/v1/schedules", { ...body, teamId })
    : await api<{ schedule: Schedule }>("PUT", `/api/v1/schedules/${id}`, body);
  return r.schedule;
}

/**
 * The selected schedule: create, edit and delete it (team managers), its
 * week/month calendar in the viewer's zone with the "now" line, and its
 * overrides (add in the schedule's zone, remove).
 */
export function ScheduleSetup(props: {
  t: Translate;
  lang: Lang;
  me: PublicUser;
  canManage: boolean;
  teamId: string;
  people: Person[];
  scheduleId: string;
  /** Changes whenever the schedule or its shifts may have changed. */
  version: number;
  run: Run;
  onSaved: OnSaved;
}) {
  const { t, lang } = props;
  const sv = useScheduleView(props.scheduleId, props.version, props.run);
  const editing = useSignal<"new" | "edit" | null>(null);
  const busy = useSignal(false);
  const s = sv.schedule.value;
  const colorOf = colorsOf(s);
  const name = (u: string) => props.people.find((p) => p.id === u)?.name ?? u;
  const save = (d: ScheduleDraft) => {
    busy.value = true;
    props.run(async () => {
      const saved = await saveSchedule(d, props.teamId, editing.value === "new" ? null : s!.id);
      editing.value = null;
      await props.onSaved(saved.id, t("oc_scheduleSaved"));
    }).finally(() => busy.value = false);
  };
  const r = sv.range();

  return (
    <section class="oc-section" aria-label={t("oc_schedules")}>
      <ScheduleHead
        t={t}
        canManage={props.canManage}
        run={props.run}
        onSaved={props.onSaved}
        sv={sv}
        editing={editing.value}
        onEdit={(mode) => editing.value = mode}
      />
      {editing.value && (
        <ScheduleEditor
          key={editing.value + (s?.id ?? "")}
          t={t}
          people={props.people}
          zones={allZones()}
          busy={busy.value}
          initial={editing.value === "edit" && s
            ? { name: s.name, timeZone: s.timeZone, layers: s.layers }
            : { name: "", timeZone: viewerZone(), layers: [newLayer(1, today())] }}
          onSave={save}
          onCancel={() => editing.value = null}
        />
      )}
      {s && (
        <>
          <p class="muted">{summary(t, s, name)}</p>
          <CalendarNav t={t} sv={sv} />
          <OnCallCalendar
            t={t}
            lang={lang}
            view={sv.view.value}
            from={r.from}
            days={r.days}
            month={r.month}
            shifts={sv.shifts.value}
            now={sv.now.value}
            zone={viewerZone()}
            colorOf={colorOf}
          />
          <Overrides {...props} schedule={s} now={sv.now.value} />
        </>
      )}
    </section>
  );
}
