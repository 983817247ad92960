import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../../client/api.ts";
import type { Lang, Translate } from "../../client/i18n.ts";
import type { PublicUser } from "../../client/store.ts";
import { instantToZoned, localDay, viewerZone, zonedToInstant } from "../../client/zoned.ts";
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

interface Override {
  id: string;
  userId: string;
  start: number;
  end: number;
  createdBy: string;
}
interface Schedule extends ScheduleDraft {
  id: string;
  teamId: string;
  overrides: Override[];
}

const DAY_MS = 86_400_000;
const today = () => new Date().toISOString().slice(0, 10);
let zones: string[] | null = null;
const allZones = () =>
  zones ??= (Intl as unknown as { supportedValuesOf?: (k: string) => string[] })
    .supportedValuesOf?.("timeZone") ?? [];

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
  run: (f: () => Promise<void>) => Promise<boolean>;
  onSaved: (id: string, message: string) => Promise<void> | void;
}) {
  const { t, lang } = props;
  const schedule = useSignal<Schedule | null>(null);
  const editing = useSignal<"new" | "edit" | null>(null);
  const confirming = useSignal(false);
  const busy = useSignal(false);
  const view = useSignal<"week" | "month">("week");
  const anchor = useSignal(Date.now());
  const shifts = useSignal<CalendarShift[]>([]);
  const now = useSignal(Date.now());

  const range = () => {
    if (view.value === "week") return { from: weekStart(anchor.value), days: 7, month: undefined };
    return monthGrid(anchor.value);
  };
  const load = () =>
    props.run(async () => {
      confirming.value = false;
      if (!props.scheduleId) {
        schedule.value = null;
        shifts.value = [];
        return;
      }
      schedule.value = (await api<{ schedule: Schedule }>(
        "GET",
        `/api/v1/schedules/${props.scheduleId}`,
      )).schedule;
      const r = range();
      shifts.value = (await api<{ items: CalendarShift[] }>(
        "GET",
        `/api/v1/schedules/${props.scheduleId}/shifts?from=${
          encodeURIComponent(new Date(r.from).toISOString())
        }&days=${r.days}`,
      )).items;
    });
  useEffect(() => {
    load();
  }, [props.scheduleId, props.version, view.value, anchor.value]);
  useEffect(() => {
    const timer = setInterval(() => now.value = Date.now(), 60_000);
    return () => clearInterval(timer);
  }, []);

  const s = schedule.value;
  const order = s ? [...new Set(s.layers.flatMap((l) => l.participants))] : [];
  const colorOf = (u: string) => {
    const i = order.indexOf(u);
    return i >= 0 ? i : [...u].reduce((n, c) => n + c.charCodeAt(0), 0);
  };
  const name = (u: string) => props.people.find((p) => p.id === u)?.name ?? u;
  const save = (d: ScheduleDraft) => {
    busy.value = true;
    const body = {
      ...d,
      layers: d.layers.map((l) => ({ ...l, hours: l.rotation === "hours" ? l.hours : undefined })),
    };
    props.run(async () => {
      const r = editing.value === "new"
        ? await api<{ schedule: Schedule }>("POST", "/api/v1/schedules", {
          ...body,
          teamId: props.teamId,
        })
        : await api<{ schedule: Schedule }>("PUT", `/api/v1/schedules/${s!.id}`, body);
      editing.value = null;
      await props.onSaved(r.schedule.id, t("oc_scheduleSaved"));
    }).finally(() => busy.value = false);
  };
  const r = range();
  const step = (dir: number) => {
    const d = new Date(anchor.value);
    anchor.value = view.value === "week"
      ? localDay(anchor.value, 7 * dir)
      : new Date(d.getFullYear(), d.getMonth() + dir, 1).getTime();
  };
  const upcoming = s ? s.overrides.filter((o) => o.end > now.value) : [];
  const fmt = (ms: number, tz: string) =>
    new Intl.DateTimeFormat(lang === "zh" ? "zh-CN" : "en", {
      timeZone: tz,
      month: "short",
      day: "numeric",
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
    }).format(ms);

  return (
    <section class="oc-section" aria-label={t("oc_schedules")}>
      <div class="oc-row">
        <h2 class="grow">{s ? s.name : t("oc_schedules")}</h2>
        {props.canManage && !editing.value && (
          <button
            type="button"
            class="primary"
            onClick={() => editing.value = "new"}
          >
            {t("oc_newSchedule")}
          </button>
        )}
        {props.canManage && s && !editing.value && (
          <button
            type="button"
            onClick={() => editing.value = "edit"}
          >
            {t("oc_editSchedule")}
          </button>
        )}
        {props.canManage && s && !editing.value && !confirming.value && (
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
          <p class="muted">
            {t("oc_scheduleSummary", {
              zone: s.timeZone,
              layers: s.layers.map((l) =>
                `${l.name} (${
                  l.rotation === "hours"
                    ? t("oc_everyNHours", { n: l.hours ?? 0 })
                    : t(l.rotation === "daily" ? "oc_daily" : "oc_weekly")
                }, ${l.handoff}): ${l.participants.map(name).join(" → ")}`
              ).join("; "),
            })}
          </p>
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
          <OnCallCalendar
            t={t}
            lang={lang}
            view={view.value}
            from={r.from}
            days={r.days}
            month={r.month}
            shifts={shifts.value}
            now={now.value}
            zone={viewerZone()}
            colorOf={colorOf}
          />
          <h3>{t("oc_overrides")}</h3>
          {upcoming.length === 0 && <p class="muted">{t("oc_noOverrides")}</p>}
          <ul class="oc-overrides">
            {upcoming.map((o) => (
              <li key={o.id} data-override={o.id}>
                <span class="grow">
                  <strong>{name(o.userId)}</strong> {fmt(o.start, s.timeZone)} –{" "}
                  {fmt(o.end, s.timeZone)}
                </span>
                {(props.canManage || o.userId === props.me.id || o.createdBy === props.me.id) && (
                  <button
                    type="button"
                    class="danger-link"
                    aria-label={t("oc_removeOverride", { name: name(o.userId) })}
                    onClick={() =>
                      props.run(async () => {
                        await api("DELETE", `/api/v1/schedules/${s.id}/overrides/${o.id}`);
                        await props.onSaved(s.id, t("oc_overrideRemoved"));
                      })}
                  >
                    {t("remove")}
                  </button>
                )}
              </li>
            ))}
          </ul>
          {props.canManage && (
            <form
              class="inline-form oc-override-form"
              aria-label={t("oc_addOverride")}
              onSubmit={(e) => {
                e.preventDefault();
                const form = e.target as HTMLFormElement;
                const f = new FormData(form);
                props.run(async () => {
                  const start = zonedToInstant(String(f.get("start")), s.timeZone);
                  const end = zonedToInstant(String(f.get("end")), s.timeZone);
                  await api("POST", `/api/v1/schedules/${s.id}/overrides`, {
                    userId: String(f.get("userId")),
                    start: new Date(start).toISOString(),
                    end: new Date(end).toISOString(),
                  });
                  form.reset();
                  await props.onSaved(s.id, t("oc_overrideAdded"));
                });
              }}
            >
              <select name="userId" required aria-label={t("oc_who")}>
                {props.people.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
              </select>
              <input
                type="datetime-local"
                name="start"
                required
                aria-label={t("from")}
                defaultValue={instantToZoned(
                  Math.ceil(now.value / 3_600_000) * 3_600_000,
                  s.timeZone,
                )}
              />
              <input
                type="datetime-local"
                name="end"
                required
                aria-label={t("to")}
                defaultValue={instantToZoned(
                  Math.ceil(now.value / 3_600_000) * 3_600_000 + DAY_MS / 3,
                  s.timeZone,
                )}
              />
              <span class="muted">{t("oc_timesIn", { zone: s.timeZone })}</span>
              <button type="submit" class="primary">{t("oc_addOverride")}</button>
            </form>
          )}
        </>
      )}
    </section>
  );
}
