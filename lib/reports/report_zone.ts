/**
 * The reports' zone of a store. Rollups are filed under calendar days of TOCSIN_REPORT_TIME_ZONE
 * (rollups.ts), so counters filed in another zone would split every day at the wrong hour. At
 * start-up, the counters of a store filed in another zone (every store from before the option:
 * UTC) are moved: each stored alert's counters, recounted from its timeline (recountAlert), are
 * taken off the old zone's day and put on the new zone's, in batches that commit the counters'
 * new values together with a cursor (the last alert moved). Counters of alerts that retention
 * already deleted cannot be recounted: they stay on the day the old zone gave them.
 *
 * It runs as a migration named after the zone (lib/ops/migrations.ts), under the migrations' lock,
 * before this process serves, so no commit moves the counters meanwhile. A process killed mid-way
 * leaves the cursor: the next start finishes that move first (and then moves on to another zone if
 * the option changed again), so no alert is moved twice. Processes that share a store must share
 * the option: one still running with the old zone files its changes under the old zone's days.
 */
import { keys } from "../core/keys.ts";
import { getManyChunked } from "../core/kv_util.ts";
import { keyId } from "../core/staged_op.ts";
import type { Alert } from "../alerts/model.ts";
import { getTimeline } from "../alerts/timeline.ts";
import { dayOf, type Delta, pagedIn, recountAlert, type ReportTime, zonesOf } from "./rollups.ts";

/** Alerts moved per commit at most. */
const BATCH_ALERTS = 25;

/** Batch sizes; tests stop a move after some batches, as a kill would. */
export interface RefileLimits {
  batchAlerts: number;
  /** Batches to run before returning with the move unfinished (default: all of them). */
  maxBatches: number;
}
const ALL: RefileLimits = { batchAlerts: BATCH_ALERTS, maxBatches: Infinity };
/** Distinct counters per commit at most (KV takes 1000 mutations; the cursor is one). */
const BATCH_COUNTERS = 800;
/** The prefix of this migration's names: `report_zone:<zone>`. */
export const REPORT_ZONE_MIGRATION = "report_zone:";

/** A move under way: from which zone's days to which, and the last alert (by id) moved. */
interface RefileCursor {
  from: string;
  to: string;
  last: string | null;
}

/** The zone the stored rollups are filed in. */
export async function storedReportZone(kv: Deno.Kv): Promise<string> {
  return (await kv.get<string>(keys.rollupZone())).value ?? "UTC";
}

/** One counter's change: what leaves it and what comes to it. */
type Move = { key: Deno.KvKey; minus: bigint; plus: bigint };

function add(moves: Map<string, Move>, deltas: Delta[], sign: 1 | -1): void {
  for (const [key, n] of deltas) {
    const id = keyId(key);
    const m = moves.get(id) ?? { key, minus: 0n, plus: 0n };
    if (sign > 0) m.plus += n;
    else m.minus += n;
    moves.set(id, m);
  }
}

/** The alerts after `last`, a batch. */
async function alertsAfter(kv: Deno.Kv, last: string | null, limit: number): Promise<Alert[]> {
  const out: Alert[] = [];
  const sel = last
    ? { start: [...keys.alerts(), last + "0"], end: [...keys.alerts(), "~"] }
    : { prefix: keys.alerts() };
  for await (const e of kv.list<Alert>(sel, { limit })) out.push(e.value);
  return out;
}

/**
 * One batch of a move: the counters of the alerts after the cursor leave `from`'s day for `to`'s.
 * A counter never goes below zero (a person's zone changed since a page was classified as night
 * can make a recount differ from what was counted). Returns how many alerts it took; 0: done.
 */
async function moveBatch(
  kv: Deno.Kv,
  cursor: Deno.KvEntry<RefileCursor>,
  time: ReportTime,
  limit: number,
): Promise<number> {
  const { from, to } = cursor.value;
  const alerts = await alertsAfter(kv, cursor.value.last, limit);
  if (!alerts.length) return 0;
  const moves = new Map<string, Move>();
  let last = cursor.value.last;
  let taken = 0;
  for (const a of alerts) {
    if (dayOf(a.createdAt, from) !== dayOf(a.createdAt, to)) {
      const timeline = await getTimeline(kv, a.id);
      const zones = await zonesOf(kv, pagedIn(timeline), true);
      const off = recountAlert(a, timeline, zones, { ...time, reportTimeZone: from });
      if (moves.size && moves.size + 2 * off.length > BATCH_COUNTERS) break;
      add(moves, off, -1);
      add(moves, recountAlert(a, timeline, zones, { ...time, reportTimeZone: to }), 1);
    }
    last = a.id;
    taken++;
  }
  const list = [...moves.values()];
  const now = await getManyChunked<Deno.KvU64>(kv, list.map((m) => m.key));
  const op = kv.atomic().check(cursor).set(keys.rollupRefileCursor(), { from, to, last });
  list.forEach((m, i) => {
    const had = now[i].value?.value ?? 0n;
    const left = had > m.minus ? had - m.minus : 0n;
    op.set(m.key, new Deno.KvU64(left + m.plus));
  });
  if (!(await op.commit()).ok) throw new Error("report zone: another process moved the cursor");
  return taken;
}

/**
 * Finishes the move under way (if any), then records its zone; returns how many alerts it took.
 * Returns early, the move unfinished, after `limits.maxBatches` batches.
 */
async function finish(kv: Deno.Kv, time: ReportTime, limits: RefileLimits): Promise<number> {
  let moved = 0;
  for (let batches = 0; batches < limits.maxBatches; batches++) {
    const cursor = await kv.get<RefileCursor>(keys.rollupRefileCursor());
    if (!cursor.value) return moved;
    const c = cursor as Deno.KvEntry<RefileCursor>;
    const n = await moveBatch(kv, c, time, limits.batchAlerts);
    moved += n;
    if (!n) {
      const done = await kv.atomic().check(cursor).set(keys.rollupZone(), cursor.value.to)
        .delete(keys.rollupRefileCursor()).commit();
      if (!done.ok) throw new Error("report zone: another process moved the cursor");
    }
  }
  return moved;
}

/**
 * Files the rollups in `time.reportTimeZone`: finishes a move a killed process left, then moves
 * them from the zone they are in if it is another; returns how many alerts it moved. Forgets the
 * records of earlier zones' runs, so that going back to one of them moves them again.
 */
export async function refileRollups(
  kv: Deno.Kv,
  time: ReportTime,
  limits: RefileLimits = ALL,
): Promise<number> {
  const zone = time.reportTimeZone ?? "UTC";
  let moved = await finish(kv, time, limits);
  const stored = await storedReportZone(kv);
  if (stored !== zone) {
    const start: RefileCursor = { from: stored, to: zone, last: null };
    await kv.atomic().check({ key: keys.rollupRefileCursor(), versionstamp: null })
      .set(keys.rollupRefileCursor(), start).commit();
    moved += await finish(kv, time, limits);
  }
  for await (const e of kv.list({ prefix: keys.migrations() })) {
    const name = String(e.key[1]);
    if (name.startsWith(REPORT_ZONE_MIGRATION) && name !== REPORT_ZONE_MIGRATION + zone) {
      await kv.delete(e.key);
    }
  }
  return moved;
}
