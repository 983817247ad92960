/**
 * A report over a range of UTC days for one team or several: it lists the teams' rollup
 * counters of those days (rollups.ts; one KV range per team) and folds them into totals and
 * tables. Each table is plain rows with column definitions, so that other views (an export)
 * can use them as they are.
 */
import type { Priority } from "../alerts/model.ts";
import { keys } from "../core/keys.ts";
import { getManyChunked } from "../core/kv_util.ts";
import { BUCKETS_MS, DAY_MS } from "./rollups.ts";
import { fromDayNumber, zonedInstant } from "../paging/zoned_time.ts";

const PRIORITIES: Priority[] = ["urgent", "high", "medium", "low"];
/** Rows of the noisiest-alert tables (by key, by title) and of the source table. */
export const NOISY_ROWS = 20;

export type ColumnType = "text" | "count" | "duration_ms" | "ratio";
export interface ReportColumn {
  key: string;
  /** English heading (the page shows its own translation by `key`). */
  label: string;
  type: ColumnType;
}
export type ReportCell = string | number | null;
export interface ReportTable {
  id: "days" | "priorities" | "sources" | "keys" | "titles" | "people" | "teams";
  columns: ReportColumn[];
  rows: Record<string, ReportCell>[];
}

export interface ReportTotals {
  alerts: number;
  acknowledged: number;
  neverAcknowledged: number;
  resolved: number;
  /** Resolved / alerts; null without alerts. */
  resolutionRate: number | null;
  ackMeanMs: number | null;
  /** The upper bound of the histogram bucket holding the 90th percentile. */
  ackP90Ms: number | null;
  resolveMeanMs: number | null;
  resolveP90Ms: number | null;
  escalatedToLast: number;
}

export interface Report {
  /**
   * First day covered (its 00:00 in `timeZone`, ms) and the end (exclusive: 00:00 after the last
   * day), and the zone whose calendar days the report counts (TOCSIN_REPORT_TIME_ZONE).
   */
  from: number;
  to: number;
  timeZone: string;
  teamIds: string[];
  totals: ReportTotals;
  tables: ReportTable[];
}

/** The 90th percentile of bucketed durations: the bound of the bucket it falls in. */
export function p90FromBuckets(counts: number[]): number | null {
  const n = counts.reduce((a, b) => a + b, 0);
  if (!n) return null;
  const want = Math.ceil(n * 0.9);
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i] ?? 0;
    if (seen >= want) return BUCKETS_MS[Math.min(i, BUCKETS_MS.length - 1)];
  }
  return BUCKETS_MS[BUCKETS_MS.length - 1];
}

/** Counters folded over every team and day of a report. */
class Folded {
  created = new Map<string, number>();
  days = new Map<number, Map<string, number>>();
  sources = new Map<string, number>();
  keys = new Map<string, { source: string; key: string; n: number; acked: number }>();
  titles = new Map<string, { n: number; acked: number }>();
  users = new Map<string, { pages: number; night: number; acks: number; resolves: number }>();
  teams = new Map<string, number>();
  ack = { n: 0, sum: 0 };
  res = { n: 0, sum: 0 };
  ackh: number[] = [];
  resh: number[] = [];
  escLast = 0;

  add(team: string, key: Deno.KvKey, n: number): void {
    const day = Number(key[2]);
    const [metric, a, b, c] = key.slice(3).map(String);
    switch (metric) {
      case "created": {
        this.created.set(a, (this.created.get(a) ?? 0) + n);
        const d = this.days.get(day) ?? new Map<string, number>();
        d.set(a, (d.get(a) ?? 0) + n);
        this.days.set(day, d);
        this.teams.set(team, (this.teams.get(team) ?? 0) + n);
        break;
      }
      case "source":
        this.sources.set(a, (this.sources.get(a) ?? 0) + n);
        break;
      case "key": {
        const id = `${a}\u0000${b}`;
        const r = this.keys.get(id) ?? { source: a, key: b, n: 0, acked: 0 };
        if (c === "n") r.n += n;
        else r.acked += n;
        this.keys.set(id, r);
        break;
      }
      case "title": {
        const r = this.titles.get(a) ?? { n: 0, acked: 0 };
        if (b === "n") r.n += n;
        else r.acked += n;
        this.titles.set(a, r);
        break;
      }
      case "ack":
      case "res":
        this[metric][a === "n" ? "n" : "sum"] += n;
        break;
      case "ackh":
      case "resh":
        this[metric][Number(a)] = (this[metric][Number(a)] ?? 0) + n;
        break;
      case "esc_last":
        this.escLast += n;
        break;
      case "user": {
        const r = this.users.get(a) ?? { pages: 0, night: 0, acks: 0, resolves: 0 };
        if (b === "pages" || b === "night" || b === "acks" || b === "resolves") r[b] += n;
        this.users.set(a, r);
        break;
      }
    }
  }
}

/** Reads the counters of `teamIds` for the days [fromDay, toDay] into one fold. */
async function fold(kv: Deno.Kv, teamIds: string[], fromDay: number, toDay: number) {
  const f = new Folded();
  for (const t of teamIds) {
    const it = kv.list<Deno.KvU64>({
      start: keys.rollupDay(t, fromDay),
      end: keys.rollupDay(t, toDay + 1),
    }, { batchSize: 1000 });
    for await (const e of it) {
      if (e.value instanceof Deno.KvU64) f.add(t, e.key, Number(e.value.value));
    }
  }
  return f;
}

const col = (key: string, label: string, type: ColumnType): ReportColumn => ({ key, label, type });
/** The instant day number `day` starts at in zone `tz`. */
const midnight = (day: number, tz: string) => zonedInstant(...fromDayNumber(day), 0, 0, tz);
const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const byCount = <T extends { n: number }>(a: T, b: T) => b.n - a.n;

/** Names of people and teams, for the tables. */
export interface Names {
  users: Map<string, string>;
  teams: Map<string, string>;
}

function totalsOf(f: Folded): ReportTotals {
  const alerts = [...f.created.values()].reduce((a, b) => a + b, 0);
  return {
    alerts,
    acknowledged: f.ack.n,
    neverAcknowledged: Math.max(0, alerts - f.ack.n),
    resolved: f.res.n,
    resolutionRate: alerts ? f.res.n / alerts : null,
    ackMeanMs: f.ack.n ? Math.round(f.ack.sum / f.ack.n) : null,
    ackP90Ms: p90FromBuckets(f.ackh),
    resolveMeanMs: f.res.n ? Math.round(f.res.sum / f.res.n) : null,
    resolveP90Ms: p90FromBuckets(f.resh),
    escalatedToLast: f.escLast,
  };
}

function tablesOf(f: Folded, fromDay: number, toDay: number, names: Names): ReportTable[] {
  const days: Record<string, ReportCell>[] = [];
  for (let d = fromDay; d <= toDay; d++) {
    const m = f.days.get(d);
    const row: Record<string, ReportCell> = { day: isoDay(d) };
    let total = 0;
    for (const p of PRIORITIES) total += (row[p] = m?.get(p) ?? 0) as number;
    row.total = total;
    days.push(row);
  }
  const counts = PRIORITIES.map((p) => col(p, p[0].toUpperCase() + p.slice(1), "count"));
  const never = col("neverAcknowledged", "Never acknowledged", "count");
  return [
    {
      id: "days",
      columns: [col("day", "Day", "text"), ...counts, col("total", "Total", "count")],
      rows: days,
    },
    {
      id: "priorities",
      columns: [col("priority", "Priority", "text"), col("count", "Alerts", "count")],
      rows: PRIORITIES.map((p) => ({ priority: p, count: f.created.get(p) ?? 0 })),
    },
    {
      id: "sources",
      columns: [col("source", "Source", "text"), col("count", "Alerts", "count")],
      rows: [...f.sources].map(([source, n]) => ({ source, n })).sort(byCount)
        .slice(0, NOISY_ROWS).map(({ source, n }) => ({ source, count: n })),
    },
    {
      id: "keys",
      columns: [
        col("source", "Source", "text"),
        col("key", "Key", "text"),
        col("count", "Alerts", "count"),
        never,
      ],
      rows: [...f.keys.values()].sort(byCount).slice(0, NOISY_ROWS).map((r) => ({
        source: r.source,
        key: r.key,
        count: r.n,
        neverAcknowledged: Math.max(0, r.n - r.acked),
      })),
    },
    {
      id: "titles",
      columns: [col("title", "Title", "text"), col("count", "Alerts", "count"), never],
      rows: [...f.titles].map(([title, r]) => ({ title, ...r })).sort(byCount)
        .slice(0, NOISY_ROWS).map((r) => ({
          title: r.title,
          count: r.n,
          neverAcknowledged: Math.max(0, r.n - r.acked),
        })),
    },
    ...peopleTables(f, names),
  ];
}

/** The per-person and per-team tables. */
function peopleTables(f: Folded, names: Names): ReportTable[] {
  return [
    {
      id: "people",
      columns: [
        col("name", "Person", "text"),
        col("pages", "Pages", "count"),
        col("nightPages", "Pages at night", "count"),
        col("acks", "Acknowledged", "count"),
        col("resolves", "Resolved", "count"),
      ],
      rows: [...f.users].map(([id, r]) => ({
        userId: id,
        name: names.users.get(id) ?? id,
        pages: r.pages,
        nightPages: r.night,
        acks: r.acks,
        resolves: r.resolves,
      })).sort((a, b) => b.pages - a.pages || b.acks - a.acks),
    },
    {
      id: "teams",
      columns: [col("team", "Team", "text"), col("count", "Alerts", "count")],
      rows: [...f.teams].sort((a, b) => b[1] - a[1]).map(([id, n]) => ({
        teamId: id,
        team: names.teams.get(id) ?? id,
        count: n,
      })),
    },
  ];
}

/** The report of `teamIds` (already authorised) over the days [fromDay, toDay] of zone `tz`. */
export async function buildReport(
  kv: Deno.Kv,
  teamIds: string[],
  fromDay: number,
  toDay: number,
  teamNames: Map<string, string>,
  tz = "UTC",
): Promise<Report> {
  const f = await fold(kv, teamIds, fromDay, toDay);
  const ids = [...f.users.keys()];
  const users = await getManyChunked<{ name: string; email: string }>(
    kv,
    ids.map((u) => keys.user(u)),
  );
  const names: Names = {
    users: new Map(ids.map((id, i) => [id, users[i].value?.name || users[i].value?.email || id])),
    teams: teamNames,
  };
  return {
    from: midnight(fromDay, tz),
    to: midnight(toDay + 1, tz),
    timeZone: tz,
    teamIds,
    totals: totalsOf(f),
    tables: tablesOf(f, fromDay, toDay, names),
  };
}
