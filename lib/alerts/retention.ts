/**
 * Alert retention (TOCSIN_ALERT_RETENTION_DAYS). A periodic sweep deletes resolved alerts that
 * resolved longer ago than the retention, with everything kept beside them: the timeline, the
 * paged-people chunks, the raw payload, the list indexes (alert_index.ts), the team and assignee
 * indexes, the delivery records, the search postings of its text and notes and any timer still
 * listed under the alert. Each alert goes in
 * one atomic commit that checks the alert it read (a reopen meanwhile wins and keeps it); an
 * alert with more keys than one commit allows first loses its timeline in batches, then goes.
 * The alert's card message stays in its conversation (message retention removes those).
 */
import type { Alert, TimelineEntry } from "./model.ts";
import { alertIndexKeys } from "../search/indexing.ts";
import { stageUnpost } from "../search/blocks.ts";
import type { Deps } from "../core/deps.ts";
import { keys } from "../core/keys.ts";
import { listAll } from "../core/kv_util.ts";
import { log } from "../core/log.ts";
import { stageDeleteTimer, timersOf } from "../jobs/timers.ts";
import { stageDeleteAlertIndexes } from "./alert_index.ts";

/** Mutations per commit, under KV's 1,000. */
const BATCH = 800;
/** Checks per commit, under KV's 100. */
const CHECKS_MAX = 90;
const DAY_MS = 86_400_000;

/** Bytes of keys one commit deletes at most, under KV's 80 KiB of keys per commit. */
const KEY_BYTES = 60_000;

/** How many of `side`'s first keys fit one commit (BATCH keys, KEY_BYTES bytes). */
function fitting(side: Deno.KvKey[]): number {
  let bytes = 0;
  for (let i = 0; i < side.length; i++) {
    bytes += JSON.stringify(side[i]).length * 2;
    if (i >= BATCH || bytes > KEY_BYTES) return i;
  }
  return side.length;
}

/** Every key an alert keeps beside its record (timeline, people chunks, deliveries). */
async function sideKeys(kv: Deno.Kv, a: Alert): Promise<Deno.KvKey[]> {
  const alertId = a.id;
  const out: Deno.KvKey[] = [];
  const timeline: TimelineEntry[] = [];
  for await (const e of kv.list<TimelineEntry>({ prefix: keys.alertTimelineAll(alertId) })) {
    out.push(e.key);
    timeline.push(e.value);
  }
  for await (const e of kv.list({ prefix: ["alert_people", alertId] }, { batchSize: 500 })) {
    out.push(e.key);
  }
  // Delivery records, and each one's entry in its user's delivery list.
  for await (const e of kv.list<{ userId?: string }>({ prefix: keys.deliveries(alertId) })) {
    out.push(e.key);
    if (e.value?.userId) out.push(keys.deliveryByUser(e.value.userId, String(e.key[2])));
  }
  // Search postings last, so that they go in the alert's own commit when they fit.
  out.push(...alertIndexKeys(a, timeline));
  return out;
}

/** Deletes one resolved alert with its side records; false when it changed (reopened) meanwhile. */
export async function deleteAlert(deps: Deps, e: Deno.KvEntry<Alert>): Promise<boolean> {
  const { kv } = deps;
  const a = e.value;
  let side = await sideKeys(kv, a);
  // Too many for one commit: the timeline goes first, in batches (the alert still checks out
  // as resolved before each, so a reopened alert keeps the rest).
  for (let n = fitting(side); n < side.length; n = fitting(side)) {
    const op = kv.atomic().check(e);
    stageUnpost(op, side.slice(0, n));
    if (!(await op.commit()).ok) return false;
    side = side.slice(n);
  }
  const op = kv.atomic().check(e).delete(e.key).delete(keys.alertRaw(a.id))
    .delete(keys.alertByTeam(a.teamId, a.id));
  if (a.assigneeId) op.delete(keys.alertByAssignee(a.assigneeId, a.id));
  stageDeleteAlertIndexes(op, a);
  stageUnpost(op, side);
  for (const t of (await timersOf(kv, a.id)).slice(0, CHECKS_MAX - 1)) {
    stageDeleteTimer(op, t.value);
  }
  // The open-key index names it only if a resolve left it there; it is freed only then.
  const idx = await kv.get<string>(keys.alertByKey(a.integrationId, a.key));
  if (idx.value === a.id) op.check(idx).delete(idx.key);
  return (await op.commit()).ok;
}

/** One sweep: every team's resolved alerts that resolved before the cutoff. */
export async function sweepAlertRetention(deps: Deps): Promise<{ deleted: number }> {
  const days = deps.config.alertRetentionDays;
  if (!days) return { deleted: 0 };
  const { kv, clock } = deps;
  const cutoff = clock.now() - days * DAY_MS;
  let deleted = 0;
  for (const t of await listAll(kv, keys.teams())) {
    const teamId = String(t.key[1]);
    for await (
      const ix of kv.list({ prefix: keys.alertsByTeamStatus(teamId, "resolved") }, {
        batchSize: 200,
      })
    ) {
      const e = await kv.get<Alert>(keys.alert(String(ix.key[3])));
      if (!e.value) continue;
      if (e.value.status !== "resolved" || (e.value.resolvedAt ?? Infinity) >= cutoff) continue;
      if (await deleteAlert(deps, e as Deno.KvEntry<Alert>)) deleted++;
    }
  }
  return { deleted };
}

/** Runs the alert sweep every TOCSIN_RETENTION_SWEEP_MS while alert retention is on. */
export class AlertRetentionService {
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<unknown> | null = null;

  constructor(private deps: Deps) {}

  start(): void {
    const { alertRetentionDays, retentionSweepMs } = this.deps.config;
    if (!alertRetentionDays || !retentionSweepMs) return;
    this.#timer = setInterval(() => this.run(), retentionSweepMs);
    this.run();
  }

  run(): Promise<unknown> {
    this.#running ??= sweepAlertRetention(this.deps)
      .then((r) => {
        if (r.deleted) log.info(`retention: deleted ${r.deleted} resolved alerts`);
      })
      .catch((err) => log.error("retention: alert sweep failed", err))
      .finally(() => this.#running = null);
    return this.#running;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}
