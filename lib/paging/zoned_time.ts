/**
 * Wall-clock time in a time zone: the local fields of an instant, the instant of a local time,
 * calendar day numbers, and do-not-disturb windows (quiet hours) measured in them.
 */
/** Wall-clock fields in a zone: year, month, day, hour, minute, weekday (0: Sunday). */
export interface Local {
  y: number;
  m: number;
  d: number;
  h: number;
  mi: number;
  wd: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Wall-clock fields of instant `ms` in zone `tz`. */
export function localParts(ms: number, tz: string): Local {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      weekday: "short",
    });
    formatters.set(tz, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(ms)) p[part.type] = part.value;
  return {
    y: Number(p.year),
    m: Number(p.month),
    d: Number(p.day),
    h: Number(p.hour),
    mi: Number(p.minute),
    wd: WEEKDAYS[p.weekday],
  };
}

/** The instant at local wall time y-m-d h:mi in `tz` (a time skipped by DST lands just after the gap). */
export function zonedInstant(
  y: number,
  m: number,
  d: number,
  h: number,
  mi: number,
  tz: string,
): number {
  const want = Date.UTC(y, m - 1, d, h, mi);
  let t = want;
  for (let i = 0; i < 3; i++) {
    const p = localParts(t, tz);
    const diff = Date.UTC(p.y, p.m - 1, p.d, p.h, p.mi) - want;
    if (diff === 0) break;
    t -= diff;
  }
  return t;
}

/** Days since the epoch of a calendar date. */
export const dayNumber = (y: number, m: number, d: number) =>
  Math.floor(Date.UTC(y, m - 1, d) / 86_400_000);
/** Minutes after midnight of "HH:MM". */
export const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
/** The calendar date of a day number. */
export function fromDayNumber(n: number): [number, number, number] {
  const dt = new Date(n * 86_400_000);
  return [dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate()];
}

/** When `now` falls in a do-not-disturb window, the instant it ends; else null. */
export function quietUntil(
  q: { from: string; to: string; timeZone: string; days?: number[] } | null | undefined,
  now: number,
): number | null {
  if (!q) return null;
  const l = localParts(now, q.timeZone);
  const m = l.h * 60 + l.mi;
  const from = minutes(q.from), to = minutes(q.to);
  if (from === to) return null;
  // The window belongs to the day it starts on: after midnight, an overnight window began yesterday.
  const overnight = from > to;
  const startedYesterday = overnight && m < to;
  const startDay = (l.wd + (startedYesterday ? 6 : 0)) % 7;
  const inside = overnight ? m >= from || m < to : m >= from && m < to;
  if (!inside || (q.days && !q.days.includes(startDay))) return null;
  const endDay = dayNumber(l.y, l.m, l.d) + (overnight && m >= from ? 1 : 0);
  const [y, mo, d] = fromDayNumber(endDay);
  return zonedInstant(y, mo, d, Math.floor(to / 60), to % 60, q.timeZone);
}
