/**
 * The reports' zone of a store. Rollups are filed under calendar days of TOCSIN_REPORT_TIME_ZONE
 * (rollups.ts), so counters filed in another zone would split every day at the wrong hour. At
 * start-up, a store whose counters were filed in another zone (every store from before the
 * option: UTC) is re-filed: every rollup is deleted, then every alert is recounted from its
 * timeline into the new zone's days (migrate.ts), then the zone is recorded.
 *
 * It runs as a migration named after the zone (lib/ops/migrations.ts), under the migrations' lock,
 * before this process serves. A process killed mid-way leaves the old zone recorded, so the next
 * start clears and recounts again from the beginning: nothing is counted twice. Processes that
 * share a store must share the option (a process still running with the old zone keeps filing its
 * changes under the old zone's days until it restarts).
 */
import { keys } from "../core/keys.ts";
import { migrateRollups } from "./migrate.ts";
import type { ReportTime } from "./rollups.ts";

/** Keys deleted per commit while clearing (KV takes at most 1,000 mutations per commit). */
const CLEAR_BATCH = 500;
/** The prefix of this migration's names: `report_zone:<zone>`. */
export const REPORT_ZONE_MIGRATION = "report_zone:";

/** The zone the stored rollups are filed in. */
export async function storedReportZone(kv: Deno.Kv): Promise<string> {
  return (await kv.get<string>(keys.rollupZone())).value ?? "UTC";
}

/** Deletes every key under `prefix`, a batch per commit. */
async function clear(kv: Deno.Kv, prefix: Deno.KvKey): Promise<void> {
  while (true) {
    const op = kv.atomic();
    let n = 0;
    for await (const e of kv.list({ prefix }, { limit: CLEAR_BATCH })) {
      op.delete(e.key);
      n++;
    }
    if (!n) return;
    await op.commit();
  }
}

/**
 * Files the rollups in `time.reportTimeZone` if they are filed in another zone; returns how many
 * alerts it recounted (0 when they already were). Forgets the records of earlier zones' runs, so
 * that going back to one of them re-files again.
 */
export async function refileRollups(kv: Deno.Kv, time: ReportTime): Promise<number> {
  const zone = time.reportTimeZone ?? "UTC";
  let counted = 0;
  if ((await storedReportZone(kv)) !== zone) {
    await clear(kv, keys.rollups());
    await kv.delete(keys.rollupMigrationCursor());
    counted = await migrateRollups(kv, time);
    await kv.set(keys.rollupZone(), zone);
  }
  for await (const e of kv.list({ prefix: keys.migrations() })) {
    const name = String(e.key[1]);
    if (name.startsWith(REPORT_ZONE_MIGRATION) && name !== REPORT_ZONE_MIGRATION + zone) {
      await kv.delete(e.key);
    }
  }
  return counted;
}
