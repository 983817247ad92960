import { api } from "../../client/api.ts";
import type { Lang, Translate } from "../../client/i18n.ts";
import type { PublicUser } from "../../client/store.ts";
import { instantToZoned, zonedToInstant } from "../../client/zoned.ts";
import type { Person } from "../../components/ScheduleEditor.tsx";

export interface Override {
  id: string;
  userId: string;
  start: number;
  end: number;
  createdBy: string;
}

const DAY_MS = 86_400_000;

interface OverrideProps {
  t: Translate;
  lang: Lang;
  me: PublicUser;
  canManage: boolean;
  people: Person[];
  schedule: { id: string; timeZone: string; overrides: Override[] };
  now: number;
  run: (f: () => Promise<void>) => Promise<boolean>;
  onSaved: (id: string, message: string) => Promise<void> | void;
}

/** The schedule's upcoming overrides; mine, ones I made, or any for a manager can be removed. */
function OverrideList(props: OverrideProps) {
  const { t, lang, schedule: s } = props;
  const name = (u: string) => props.people.find((p) => p.id === u)?.name ?? u;
  const upcoming = s.overrides.filter((o) => o.end > props.now);
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
    <>
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
    </>
  );
}

/** A manager's form for an override: who, from, to, in the schedule's time zone. */
function OverrideForm(props: OverrideProps) {
  const { t, schedule: s } = props;
  const hour = Math.ceil(props.now / 3_600_000) * 3_600_000;
  return (
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
        defaultValue={instantToZoned(hour, s.timeZone)}
      />
      <input
        type="datetime-local"
        name="end"
        required
        aria-label={t("to")}
        defaultValue={instantToZoned(hour + DAY_MS / 3, s.timeZone)}
      />
      <span class="muted">{t("oc_timesIn", { zone: s.timeZone })}</span>
      <button type="submit" class="primary">{t("oc_addOverride")}</button>
    </form>
  );
}

/** A schedule's overrides: the upcoming ones, and the form to add one (managers). */
export function Overrides(props: OverrideProps) {
  return (
    <>
      <h3>{props.t("oc_overrides")}</h3>
      <OverrideList {...props} />
      {props.canManage && <OverrideForm {...props} />}
    </>
  );
}
