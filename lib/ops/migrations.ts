/**
 * Migrations of stored shapes, run at start-up in their order, each once per database.
 *
 * A migration's record (`migrations/<name>`) says it ran. Several processes may start together on
 * one store (a KV URL): each migration is taken under a lock (`migration_locks/<name>`, created with
 * a check that none exists, renewed while it runs), so exactly one process runs it while the others
 * wait for its record. A process that dies mid-migration leaves a lock that goes stale after
 * MIGRATION_LOCK_TTL_MS; the next starter takes it over (with a check on the stale lock) and runs
 * the migration again, so every migration must be safe to run again after a partial run.
 *
 * A change of a stored shape adds a migration at the END of MIGRATIONS; never rename, reorder or
 * remove one (its name is its record).
 */
import type { Clock } from "../core/clock.ts";
import { keys } from "../core/keys.ts";
import { log } from "../core/log.ts";
import { migrateAlertIndexes } from "../alerts/alert_index.ts";
import { migrateTeamNameIndex } from "../accounts/teams.ts";
import { migrateContactChannels } from "../notify/contacts.ts";
import { migrateIntegrationTokenIndex } from "../alerts/integrations.ts";
import { backfillSearchIndex } from "../search/backfill.ts";
import { migrateRollups } from "../reports/migrate.ts";
import { refileRollups, REPORT_ZONE_MIGRATION } from "../reports/report_zone.ts";
import type { ReportTime } from "../reports/rollups.ts";
import {
  type Config,
  DEFAULT_REPORT_NIGHT_FROM_HOUR,
  DEFAULT_REPORT_NIGHT_TO_HOUR,
  DEFAULT_REPORT_TIME_ZONE,
} from "../core/config.ts";

/** What a migration may use. */
export interface MigrationDeps {
  kv: Deno.Kv;
  clock: Clock;
  /** The running config (start-up passes it); its defaults apply without one. */
  config?: Pick<Config, "reportNightFromHour" | "reportNightToHour" | "reportTimeZone">;
}

export interface Migration {
  /** Stable name, also its record's key. */
  name: string;
  run(deps: MigrationDeps): Promise<unknown>;
}

/** The record of a migration that ran (earlier versions stored only the time, as a number). */
export interface MigrationRecord {
  ranAt: number;
  by: string;
}

/**
 * A lock older than this is taken over: the process holding it renews it every third of this,
 * so only a process that died (or hung) for this long loses it.
 */
export const MIGRATION_LOCK_TTL_MS = 30_000;
/** A migration that took this long is logged when done (it held up the start). */
const MIGRATION_LOG_AFTER_MS = 1_000;
/** How often a process waiting for another's migration looks for its record. */
const WAIT_POLL_MS = 100;

/** Every migration, in the order they run. Append only. */
export const MIGRATIONS: readonly Migration[] = [
  { name: "alert_list_indexes", run: ({ kv, clock }) => migrateAlertIndexes(kv, clock) },
  { name: "team_name_key", run: ({ kv }) => migrateTeamNameIndex(kv) },
  { name: "contact_channels", run: ({ kv, clock }) => migrateContactChannels(kv, clock) },
  { name: "integration_token_index", run: ({ kv }) => migrateIntegrationTokenIndex(kv) },
  { name: "search_index", run: ({ kv }) => backfillSearchIndex(kv) },
  {
    name: "report_rollups",
    run: async ({ kv, config }) => {
      const time = reportTime(config);
      await migrateRollups(kv, time);
      // Counted in the configured zone: report_zone has nothing to re-file.
      await kv.set(keys.rollupZone(), time.reportTimeZone);
    },
  },
  // The site-wide posting lists came after the per-scope ones: postings are keys, so staging
  // every document again adds the new ones and rewrites the old ones harmlessly.
  { name: "search_all_index", run: ({ kv }) => backfillSearchIndex(kv) },
];

/** The reports' options of a config (their defaults without one). */
function reportTime(config: MigrationDeps["config"]): Required<ReportTime> {
  return {
    reportNightFromHour: config?.reportNightFromHour ?? DEFAULT_REPORT_NIGHT_FROM_HOUR,
    reportNightToHour: config?.reportNightToHour ?? DEFAULT_REPORT_NIGHT_TO_HOUR,
    reportTimeZone: config?.reportTimeZone ?? DEFAULT_REPORT_TIME_ZONE,
  };
}

/**
 * The re-filing of the report rollups in the configured zone (lib/reports/report_zone.ts): named
 * after the zone, so that it runs once per change of TOCSIN_REPORT_TIME_ZONE, after MIGRATIONS.
 */
export function reportZoneMigration(deps: MigrationDeps): Migration {
  const time = reportTime(deps.config);
  return {
    name: REPORT_ZONE_MIGRATION + time.reportTimeZone,
    run: ({ kv }) => refileRollups(kv, time),
  };
}

interface Lock {
  owner: string;
  until: number;
}

/** Runs every migration not yet recorded, in order; returns the names this process ran. */
export async function runMigrations(
  deps: MigrationDeps,
  migrations: readonly Migration[] = [...MIGRATIONS, reportZoneMigration(deps)],
): Promise<string[]> {
  const owner = crypto.randomUUID();
  const ran: string[] = [];
  for (const m of migrations) {
    if (await runOne(deps, m, owner)) ran.push(m.name);
  }
  return ran;
}

async function done(kv: Deno.Kv, name: string): Promise<boolean> {
  return (await kv.get(keys.migration(name))).value != null;
}

/** Runs `m` unless it ran; when another process holds its lock, waits for its record. */
async function runOne(deps: MigrationDeps, m: Migration, owner: string): Promise<boolean> {
  const { kv, clock } = deps;
  while (!(await done(kv, m.name))) {
    const lock = await kv.get<Lock>(keys.migrationLock(m.name));
    if (lock.value && lock.value.until > clock.now()) {
      await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
      continue;
    }
    // Free or stale: take it, unless someone else did since it was read (or the record appeared).
    const mine: Lock = { owner, until: clock.now() + MIGRATION_LOCK_TTL_MS };
    const took = await retryBusy(() =>
      kv.atomic()
        .check(lock)
        .check({ key: keys.migration(m.name), versionstamp: null })
        .set(keys.migrationLock(m.name), mine)
        .commit()
    );
    if (!took.ok) continue;
    await runLocked(deps, m, owner);
    return true;
  }
  return false;
}

async function runLocked(deps: MigrationDeps, m: Migration, owner: string): Promise<void> {
  const { kv, clock } = deps;
  let renewing: Promise<unknown> = Promise.resolve();
  const renew = setInterval(() => {
    renewing = kv.set(keys.migrationLock(m.name), {
      owner,
      until: clock.now() + MIGRATION_LOCK_TTL_MS,
    }).catch(() => {});
  }, MIGRATION_LOCK_TTL_MS / 3);
  const started = clock.now();
  try {
    // Migrations are written to be re-run: one that met another process's write lock runs again.
    await retryBusy(() => m.run(deps));
  } catch (err) {
    log.error(`migrations: ${m.name} failed`, err);
    // Failed, not died: free the lock so that the next start retries at once.
    clearInterval(renew);
    await renewing;
    await kv.delete(keys.migrationLock(m.name));
    throw err;
  } finally {
    clearInterval(renew);
    // A renewal landing after the record would leave a lock behind: let it land first.
    await renewing;
  }
  const record: MigrationRecord = { ranAt: clock.now(), by: owner };
  await kv.atomic().set(keys.migration(m.name), record).delete(keys.migrationLock(m.name))
    .commit();
  // Quick ones (all of them on a new store) stay quiet: the first line is where to open Tocsin.
  const ms = clock.now() - started;
  if (ms >= MIGRATION_LOG_AFTER_MS) log.info(`migrations: ${m.name} done in ${ms} ms`);
}

/** The migrations recorded in a store, by name (for tests and the upgrade docs' check). */
export async function listMigrationRecords(kv: Deno.Kv): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for await (const e of kv.list({ prefix: keys.migrations() })) {
    out.set(String(e.key[1]), e.value);
  }
  return out;
}

/** Runs `f` again while SQLite answers "database is locked" (another process writing), a while. */
async function retryBusy<T>(f: () => Promise<T>, attempts = 50): Promise<T> {
  for (let i = 1;; i++) {
    try {
      return await f();
    } catch (err) {
      if (i >= attempts || !/database is locked|busy/i.test(String(err))) throw err;
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
    }
  }
}
