import type { Lang, Translate } from "../client/i18n.ts";
import { timeOfDay } from "../client/format.ts";
import { localDay } from "../client/zoned.ts";

export interface CalendarShift {
  userId: string;
  name: string;
  source: string;
  start: number;
  end: number;
}

const DAY_MS = 86_400_000;
const COLORS = 6;

/** Percent of the local day [dayStart, nextDay) at `ms`, clamped. */
function pct(ms: number, dayStart: number, dayEnd: number): number {
  return Math.max(0, Math.min(100, ((ms - dayStart) / (dayEnd - dayStart)) * 100));
}

interface CalendarProps {
  t: Translate;
  lang: Lang;
  view: "week" | "month";
  /** Local midnight of the first day shown. */
  from: number;
  days: number;
  /** The month shown (0-11), for dimming days outside it. */
  month?: number;
  shifts: CalendarShift[];
  now: number;
  zone: string;
  /** Stable colour per person (their index in the rotation). */
  colorOf: (userId: string) => number;
}

/** One local day's track from `start`: a bar per shift crossing it, and the "now" line today. */
function DayTrack(props: CalendarProps & { start: number; compact: boolean }) {
  const { t, lang, start, compact } = props;
  const end = localDay(start, 1);
  const here = props.shifts.filter((s) => s.end > start && s.start < end);
  const isToday = props.now >= start && props.now < end;
  return (
    <div class={`oc-track${compact ? " compact" : ""}`}>
      {here.map((s) => {
        const left = pct(s.start, start, end);
        const width = pct(s.end, start, end) - left;
        return (
          <span
            key={s.start + s.userId}
            class={`oc-bar c${props.colorOf(s.userId) % COLORS}${
              s.source === "override" ? " override" : ""
            }`}
            style={{ left: `${left}%`, width: `${width}%` }}
            data-user={s.userId}
            title={`${s.name} ${timeOfDay(Math.max(s.start, start), lang)}–${
              timeOfDay(Math.min(s.end, end), lang)
            }${s.source === "override" ? ` (${t("override")})` : ""}`}
          >
            {compact ? "" : s.name}
          </span>
        );
      })}
      {isToday && (
        <span
          class="oc-now"
          data-testid="now-line"
          style={{ left: `${pct(props.now, start, end)}%` }}
          aria-label={t("oc_now")}
        />
      )}
    </div>
  );
}

const localeOf = (lang: Lang) => lang === "zh" ? "zh-CN" : "en";

/** A week: an hour scale, then a row per day with a full-width track. */
function WeekView(props: CalendarProps & { dayStarts: number[] }) {
  const dayName = new Intl.DateTimeFormat(localeOf(props.lang), {
    weekday: "short",
    month: "numeric",
    day: "numeric",
  });
  return (
    <div class="oc-week">
      <div class="oc-week-row oc-hours" aria-hidden="true">
        <span />
        <div class="oc-ticks">
          <span>0</span>
          <span>6</span>
          <span>12</span>
          <span>18</span>
        </div>
      </div>
      {props.dayStarts.map((d) => (
        <div
          key={d}
          class={`oc-week-row${props.now >= d && props.now < localDay(d, 1) ? " today" : ""}`}
        >
          <span class="oc-day">{dayName.format(d)}</span>
          <DayTrack {...props} start={d} compact={false} />
        </div>
      ))}
    </div>
  );
}

/** A month: weekday names, then a cell per day with who is on call and a small track. */
function MonthView(props: CalendarProps & { dayStarts: number[] }) {
  const weekday = new Intl.DateTimeFormat(localeOf(props.lang), { weekday: "short" });
  return (
    <div class="oc-month">
      {props.dayStarts.slice(0, 7).map((d) => <span key={d} class="oc-wd">{weekday.format(d)}
      </span>)}
      {props.dayStarts.map((d) => {
        const names = [
          ...new Set(
            props.shifts.filter((s) => s.end > d && s.start < localDay(d, 1)).map((s) => s.name),
          ),
        ];
        const out = props.month !== undefined && new Date(d).getMonth() !== props.month;
        const today = props.now >= d && props.now < localDay(d, 1);
        return (
          <div key={d} class={`oc-cell${out ? " out" : ""}${today ? " today" : ""}`}>
            <span class="oc-date">{new Date(d).getDate()}</span>
            <span class="oc-names">{names.join(", ")}</span>
            <DayTrack {...props} start={d} compact />
          </div>
        );
      })}
    </div>
  );
}

/**
 * Who is on call, day by day, in the viewer's time zone: a week as seven
 * 24-hour tracks, or a month as a grid of days with a small track each. The
 * "now" line crosses today's track. Bars are placed through the style object
 * (set as DOM properties, which the page's CSP allows); the calendar only
 * renders in the browser, once the shifts are loaded.
 */
export function OnCallCalendar(props: CalendarProps) {
  const { t } = props;
  const days = Array.from({ length: props.days }, (_, i) => localDay(props.from, i));
  return (
    <figure class={`oc-cal ${props.view}`} aria-label={t("oc_calendar")}>
      <figcaption class="muted" data-testid="calendar-zone">
        {t("oc_shownIn", { zone: props.zone })}
      </figcaption>
      {props.view === "week"
        ? <WeekView {...props} dayStarts={days} />
        : <MonthView {...props} dayStarts={days} />}
      {props.shifts.length === 0 && <p class="muted">{t("oc_nobodyInRange")}</p>}
    </figure>
  );
}

/** Local midnight of the Monday on or before `ms`. */
export function weekStart(ms: number): number {
  const d = new Date(localDay(ms));
  return localDay(d.getTime(), -((d.getDay() + 6) % 7));
}

/** First and count of days of the month grid (whole weeks, Monday first) holding `ms`. */
export function monthGrid(ms: number): { from: number; days: number; month: number } {
  const d = new Date(ms);
  const first = new Date(d.getFullYear(), d.getMonth(), 1).getTime();
  const last = new Date(d.getFullYear(), d.getMonth() + 1, 0).getTime();
  const from = weekStart(first);
  const days = Math.round((weekStart(last) - from) / DAY_MS) + 7;
  return { from, days, month: d.getMonth() };
}
