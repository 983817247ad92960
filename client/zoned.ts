/**
 * Wall-clock time in a named time zone, for the on-call pages: turning a
 * `datetime-local` value typed "in the schedule's zone" into an instant and
 * back. Pure (Intl only), so components may use it too.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function parts(ms: number, tz: string): number[] {
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
    });
    formatters.set(tz, f);
  }
  const p: Record<string, number> = {};
  for (const x of f.formatToParts(ms)) p[x.type] = Number(x.value);
  return [p.year, p.month, p.day, p.hour, p.minute];
}

/** The instant of local wall time "YYYY-MM-DDTHH:MM" in `tz` (a time DST skips lands just after). */
export function zonedToInstant(local: string, tz: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local);
  if (!m) return NaN;
  const [y, mo, d, h, mi] = m.slice(1).map(Number);
  const want = Date.UTC(y, mo - 1, d, h, mi);
  let t = want;
  for (let i = 0; i < 3; i++) {
    const [py, pm, pd, ph, pmi] = parts(t, tz);
    const diff = Date.UTC(py, pm - 1, pd, ph, pmi) - want;
    if (diff === 0) break;
    t -= diff;
  }
  return t;
}

/** "YYYY-MM-DDTHH:MM" of instant `ms` in `tz` (for a datetime-local input). */
export function instantToZoned(ms: number, tz: string): string {
  const [y, mo, d, h, mi] = parts(ms, tz);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${y}-${p(mo)}-${p(d)}T${p(h)}:${p(mi)}`;
}

/** The browser's own time zone. */
export function viewerZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Local midnight (viewer's zone) of the day holding `ms`, plus `days`. */
export function localDay(ms: number, days = 0): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + days).getTime();
}
