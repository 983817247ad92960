/**
 * Report rollups: counters written with KV `sum` in the same atomic commit as the alert change
 * they count, so that a report reads a few counters per day instead of every alert, and a
 * counter moves exactly when its change is committed (a commit that fails, or an ack that loses
 * a race and throws, stages nothing that lands; a retried commit is built afresh).
 *
 * Everything is filed under the alert's team and the day the alert was created: a calendar day
 * in the reports' zone (TOCSIN_REPORT_TIME_ZONE, UTC by default; report_zone.ts re-files the
 * counters when it changes). A report for a range covers the alerts opened in it and everything that happened to them. Times to
 * acknowledge and resolve count an alert's first life (before any reopen); per-person figures
 * count every page, acknowledgement and resolution. The same rules recount an alert from its
 * timeline (`recountAlert`), for the migration of a store that predates rollups and for tests.
 */
import type { Alert, TimelineEntry } from "../alerts/model.ts";
import { keys } from "../core/keys.ts";
import { getManyChunked } from "../core/kv_util.ts";
import { dayNumber, localParts } from "../paging/zoned_time.ts";

/**
 * A day number: whole days since the epoch of the calendar date `ms` falls on in zone `tz` (the
 * reports' zone, TOCSIN_REPORT_TIME_ZONE), so that day N is the date `new Date(N * DAY_MS)` shows
 * in UTC whatever the zone.
 */
export const DAY_MS = 86_400_000;
export function dayOf(ms: number, tz = "UTC"): number {
  if (tz === "UTC") return Math.floor(ms / DAY_MS);
  const p = localParts(ms, tz);
  return dayNumber(p.y, p.m, p.d);
}

/**
 * Upper bounds (ms) of the time-to-acknowledge and time-to-resolve histogram buckets; one more
 * bucket holds everything longer. p90 is read as the upper bound of the bucket it falls in, so
 * the bounds are close where on-call times usually are (minutes) and coarse beyond a day.
 */
export const BUCKETS_MS: readonly number[] = [
  30_000,
  60_000,
  120_000,
  180_000,
  300_000,
  450_000,
  600_000,
  900_000,
  1_200_000,
  1_800_000,
  2_700_000,
  3_600_000,
  5_400_000,
  7_200_000,
  10_800_000,
  14_400_000,
  21_600_000,
  28_800_000,
  43_200_000,
  86_400_000,
  172_800_000,
  604_800_000,
];

/** The bucket of a duration: the first whose bound it does not pass (the last: longer). */
export function bucketOf(ms: number): number {
  const i = BUCKETS_MS.findIndex((b) => ms <= b);
  return i < 0 ? BUCKETS_MS.length : i;
}

/** Longest title, source and key part kept in a rollup key (KV keys hold at most 2 KiB). */
export const PART_MAX = 160;
const part = (s: string) => s.slice(0, PART_MAX);

/** People whose pages one paging step counts (as many as its timeline entry names). */
export const PAGED_COUNT_MAX = 100;

/** Night hours for "pages at night", in each person's time zone. */
export interface NightHours {
  reportNightFromHour: number;
  reportNightToHour: number;
}

/** How reports cut time: the night hours, and the zone whose days they count in (default UTC). */
export interface ReportTime extends NightHours {
  reportTimeZone?: string;
}

/** True when `ms` falls in the night in zone `tz` ([from, to), across midnight when from > to). */
export function isNight(ms: number, tz: string, night: NightHours): boolean {
  let h: number;
  try {
    h = localParts(ms, tz).h;
  } catch {
    h = new Date(ms).getUTCHours();
  }
  const { reportNightFromHour: from, reportNightToHour: to } = night;
  if (from === to) return false;
  return from < to ? h >= from && h < to : h >= from || h < to;
}

/** The time zone a person's night is measured in: their quiet hours' zone, else UTC. */
export function zoneOf(user: { quietHours?: { timeZone: string } | null } | null): string {
  return user?.quietHours?.timeZone ?? "UTC";
}

/** One counter's increment. */
export type Delta = [Deno.KvKey, bigint];

/** A new alert: its priority, source, key and title counters. */
function createdDeltas(a: Alert, priority: string, d: number): Delta[] {
  const t = a.teamId;
  return [
    [keys.rollup(t, d, "created", priority), 1n],
    [keys.rollup(t, d, "source", part(a.source)), 1n],
    [keys.rollup(t, d, "key", part(a.source), part(a.key), "n"), 1n],
    [keys.rollup(t, d, "title", part(a.title), "n"), 1n],
  ];
}

/** The alert's first acknowledgement at `at`. */
function firstAckDeltas(a: Alert, at: number, d: number): Delta[] {
  const t = a.teamId;
  const took = BigInt(Math.max(0, at - a.createdAt));
  return [
    [keys.rollup(t, d, "ack", "n"), 1n],
    [keys.rollup(t, d, "ack", "sum"), took],
    [keys.rollup(t, d, "ackh", bucketOf(Number(took))), 1n],
    [keys.rollup(t, d, "key", part(a.source), part(a.key), "acked"), 1n],
    [keys.rollup(t, d, "title", part(a.title), "acked"), 1n],
  ];
}

/** The alert's first resolution at `at`. */
function firstResolveDeltas(a: Alert, at: number, d: number): Delta[] {
  const took = BigInt(Math.max(0, at - a.createdAt));
  return [
    [keys.rollup(a.teamId, d, "res", "n"), 1n],
    [keys.rollup(a.teamId, d, "res", "sum"), took],
    [keys.rollup(a.teamId, d, "resh", bucketOf(Number(took))), 1n],
  ];
}

function userDelta(a: Alert, userId: string, what: string, d: number): Delta {
  return [keys.rollup(a.teamId, d, "user", userId, what), 1n];
}

/**
 * The counters a change of an alert from `before` (null: created) to `after` moves, filed under
 * the day it was created in zone `tz`. Pure: the caller stages them in the change's own commit
 * (stageAlertRollups).
 */
export function alertDeltas(before: Alert | null, after: Alert, now: number, tz = "UTC"): Delta[] {
  const out: Delta[] = [];
  const d = dayOf(after.createdAt, tz);
  if (!before) out.push(...createdDeltas(after, after.priority, d));
  const firstLife = (after.epoch ?? 0) === 0;
  const was = before?.status ?? "triggered";
  if (was === "triggered" && after.status === "acknowledged") {
    if (firstLife) out.push(...firstAckDeltas(after, now, d));
    if (after.acknowledgedBy) out.push(userDelta(after, after.acknowledgedBy, "acks", d));
  }
  if (before && was !== "resolved" && after.status === "resolved") {
    if (firstLife) out.push(...firstResolveDeltas(after, now, d));
    if (after.resolvedBy) out.push(userDelta(after, after.resolvedBy, "resolves", d));
  }
  return out;
}

/** Stages `deltas` as sums (KvU64 sums never conflict with concurrent commits). */
export function stageDeltas(op: Deno.AtomicOperation, deltas: Delta[]): void {
  for (const [k, n] of deltas) op.sum(k, n);
}

/** Stages the rollups of an alert change in its commit (beside stageAlertIndexes). */
export function stageAlertRollups(
  op: Deno.AtomicOperation,
  before: Alert | null,
  after: Alert,
  now: number,
  tz: string,
): void {
  stageDeltas(op, alertDeltas(before, after, now, tz));
}

/** Page counters of one paging step: pages and night pages per person (the first named). */
export function pageDeltas(
  alert: Alert,
  userIds: string[],
  at: number,
  zones: Map<string, string>,
  night: ReportTime,
): Delta[] {
  const out: Delta[] = [];
  const d = dayOf(alert.createdAt, night.reportTimeZone);
  for (const u of userIds.slice(0, PAGED_COUNT_MAX)) {
    out.push(userDelta(alert, u, "pages", d));
    if (isNight(at, zones.get(u) ?? "UTC", night)) out.push(userDelta(alert, u, "night", d));
  }
  return out;
}

/**
 * People's time zones as this process last read them: a storm of alerts paging a large team reads
 * each person once a minute instead of once per alert. A zone changed meanwhile classifies that
 * minute's pages by the old one.
 */
const ZONE_CACHE_MS = 60_000;
/** Entries kept at most (cleared when full): far above any team's size. */
const ZONE_CACHE_MAX = 50_000;
const zoneCache = new Map<string, { tz: string; until: number }>();

/** The time zones of people, read from their records (`fresh`: not from this process's copy). */
export async function zonesOf(
  kv: Deno.Kv,
  userIds: string[],
  fresh = false,
): Promise<Map<string, string>> {
  const ids = [...new Set(userIds.slice(0, PAGED_COUNT_MAX))];
  const now = Date.now();
  const out = new Map<string, string>();
  const want = fresh ? ids : ids.filter((u) => {
    const c = zoneCache.get(u);
    if (c && c.until > now) out.set(u, c.tz);
    return !out.has(u);
  });
  const users = await getManyChunked<{ quietHours?: { timeZone: string } | null }>(
    kv,
    want.map((u) => keys.user(u)),
  );
  if (zoneCache.size > ZONE_CACHE_MAX) zoneCache.clear();
  want.forEach((u, i) => {
    const tz = zoneOf(users[i].value);
    out.set(u, tz);
    zoneCache.set(u, { tz, until: now + ZONE_CACHE_MS });
  });
  return out;
}

/** Stages a paging step's counters (who was notified now) in the step's commit. */
export async function stagePageRollups(
  kv: Deno.Kv,
  op: Deno.AtomicOperation,
  alert: Alert,
  userIds: string[],
  now: number,
  night: ReportTime,
): Promise<void> {
  if (!userIds.length) return;
  stageDeltas(op, pageDeltas(alert, userIds, now, await zonesOf(kv, userIds), night));
}

/** Counter of escalations that reached the last level of their policy. */
export function escalatedToLastDelta(alert: Alert, tz: string): Delta {
  return [keys.rollup(alert.teamId, dayOf(alert.createdAt, tz), "esc_last"), 1n];
}

/**
 * Every counter an alert contributes, recounted from the alert and its timeline (oldest first)
 * by the rules the commits follow. `zones` gives each paged person's time zone.
 */
export function recountAlert(
  a: Alert,
  timeline: TimelineEntry[],
  zones: Map<string, string>,
  night: ReportTime,
): Delta[] {
  const d = dayOf(a.createdAt, night.reportTimeZone);
  const triggered = timeline.find((e) => e.kind === "triggered");
  const p = triggered?.detail?.priority;
  const out = createdDeltas(a, typeof p === "string" ? p : a.priority, d);
  let firstLife = true;
  for (const e of timeline) {
    if (e.kind === "reopened") firstLife = false;
    if (e.kind === "acknowledged") {
      if (firstLife) out.push(...firstAckDeltas(a, e.at, d));
      if (e.by) out.push(userDelta(a, e.by, "acks", d));
    } else if (e.kind === "resolved") {
      if (firstLife) out.push(...firstResolveDeltas(a, e.at, d));
      if (e.by) out.push(userDelta(a, e.by, "resolves", d));
    } else if (e.kind === "notified" || e.kind === "escalated") {
      const ids = e.detail?.userIds;
      if (Array.isArray(ids)) out.push(...pageDeltas(a, ids.map(String), e.at, zones, night));
      if (e.kind === "escalated" && e.detail?.lastLevel === true) {
        out.push(escalatedToLastDelta(a, night.reportTimeZone ?? "UTC"));
      }
    }
  }
  return out;
}

/** Paged people named in a timeline (for zonesOf before recountAlert). */
export function pagedIn(timeline: TimelineEntry[]): string[] {
  const out = new Set<string>();
  for (const e of timeline) {
    const ids = e.detail?.userIds;
    if ((e.kind === "notified" || e.kind === "escalated") && Array.isArray(ids)) {
      for (const u of ids) out.add(String(u));
    }
  }
  return [...out];
}
