/**
 * Rollups for a store that predates them: every stored alert is recounted from its timeline
 * (rollups.ts recountAlert) and its counters are summed in batches. Each batch commits its sums
 * together with a cursor (the last alert id it counted), checking the cursor it read, so a
 * process killed mid-way resumes after the last committed batch and counts no alert twice.
 *
 * It runs at start-up before this process serves (lib/ops/migrations.ts), so no commit of this
 * version moves the counters meanwhile; processes of the previous version write no rollups.
 */
import type { Alert } from "../alerts/model.ts";
import { getTimeline } from "../alerts/timeline.ts";
import { keyId } from "../core/staged_op.ts";
import { keys } from "../core/keys.ts";
import { type Delta, pagedIn, recountAlert, type ReportTime, zonesOf } from "./rollups.ts";

/** Alerts counted per commit at most. */
const BATCH_ALERTS = 25;
/** Distinct counters per commit at most (KV takes 1000 mutations; the cursor is one). */
const BATCH_COUNTERS = 800;

/** Sums identical keys, so that a batch writes each counter once. */
function merge(into: Map<string, Delta>, deltas: Delta[]): void {
  for (const [k, n] of deltas) {
    const id = keyId(k);
    const had = into.get(id);
    into.set(id, [k, (had?.[1] ?? 0n) + n]);
  }
}

/** Builds the rollups of every stored alert; returns how many alerts it counted. */
export async function migrateRollups(kv: Deno.Kv, night: ReportTime): Promise<number> {
  let cursor = await kv.get<string>(keys.rollupMigrationCursor());
  let counted = 0;
  while (true) {
    const start = cursor.value ? [...keys.alerts(), cursor.value + "0"] : undefined;
    const alerts: Alert[] = [];
    const iter = start
      ? kv.list<Alert>({ start, end: [...keys.alerts(), "~"] }, { limit: BATCH_ALERTS })
      : kv.list<Alert>({ prefix: keys.alerts() }, { limit: BATCH_ALERTS });
    for await (const e of iter) alerts.push(e.value);
    if (!alerts.length) return counted;
    const sums = new Map<string, Delta>();
    let last = cursor.value;
    for (const a of alerts) {
      const timeline = await getTimeline(kv, a.id);
      const deltas = recountAlert(a, timeline, await zonesOf(kv, pagedIn(timeline), true), night);
      if (sums.size && sums.size + deltas.length > BATCH_COUNTERS) break;
      merge(sums, deltas);
      last = a.id;
      counted++;
    }
    const op = kv.atomic().check(cursor).set(keys.rollupMigrationCursor(), last);
    for (const [k, n] of sums.values()) op.sum(k, n);
    const res = await op.commit();
    if (!res.ok) throw new Error("rollup migration: another process moved the cursor");
    cursor = await kv.get<string>(keys.rollupMigrationCursor());
  }
}
