/**
 * The alert list's secondary indexes and the paged, filtered read over them.
 *
 * Every commit that creates an alert or changes its status, priority or assignee stages the
 * index change with `stageAlertIndexes` in that same commit, so an index never disagrees with
 * its alert (the search postings of its text change there too). Two indexes: `alerts_by_team_status/<team>/<status>/<id>` (time order, since ids
 * are ULIDs) and `alerts_by_team_status_priority/<team>/<status>/<rank>/<id>` (priority order).
 * A list request merges one KV range per (team, status) in id order, filters on the index
 * values (priority, assignee, integration), and stops after a page or a bounded number of
 * index entries, answering with a cursor: the last id (and rank) it read.
 */
import type { Alert, AlertStatus, Priority } from "./model.ts";
import type { Clock } from "../core/clock.ts";
import type { Config } from "../core/config.ts";
import { ApiError } from "../core/errors.ts";
import { ulidTimePrefix } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { getManyChunked, lastPart } from "../core/kv_util.ts";
import { stageAlertSearch } from "../search/indexing.ts";

/** Priority ranks in the priority index: urgent first. */
const RANK = new Map<Priority, number>([["urgent", 0], ["high", 1], ["medium", 2], ["low", 3]]);
const RANKS = [0, 1, 2, 3];
const STATUSES: AlertStatus[] = ["triggered", "acknowledged", "resolved"];
/** Above every id character: the exclusive end of an unbounded id range. */
const ID_MAX = "~";
const CURSOR = /^(?:([0-3]):)?([0-9A-HJKMNP-TV-Z]{26})$/;

/** What an index entry holds, so that filters need no read of the alert. */
interface IndexValue {
  p: Priority;
  a: string | null;
  i: string;
  /** 1 when a silence matched it (absent otherwise, and on entries written before silences). */
  s?: 1;
}

function indexEntries(a: Alert): [Deno.KvKey, IndexValue][] {
  const v: IndexValue = { p: a.priority, a: a.assigneeId, i: a.integrationId };
  if (a.silencedBy) v.s = 1;
  return [
    [keys.alertByTeamStatus(a.teamId, a.status, a.id), v],
    [keys.alertByTeamStatusPriority(a.teamId, a.status, RANK.get(a.priority) ?? 3, a.id), v],
  ];
}

/** Stages the index change from `before` (null: a new alert) to `after` in the alert's commit. */
export function stageAlertIndexes(
  op: Deno.AtomicOperation,
  before: Alert | null,
  after: Alert,
): void {
  const next = indexEntries(after);
  const kept = new Set(next.map(([k]) => JSON.stringify(k)));
  if (before) {
    for (const [k] of indexEntries(before)) if (!kept.has(JSON.stringify(k))) op.delete(k);
  }
  for (const [k, v] of next) op.set(k, v);
  // The search postings of its title, summary, labels and annotations (lib/search/indexing.ts).
  stageAlertSearch(op, before, after);
}

/** Stages the deletion of an alert's list index entries (alert retention). */
export function stageDeleteAlertIndexes(op: Deno.AtomicOperation, a: Alert): void {
  for (const [k] of indexEntries(a)) op.delete(k);
}

/** A filtered page request, already resolved to the caller's teams. */
export interface AlertPageRequest {
  teamIds: string[];
  /** "open" is triggered and acknowledged. */
  status?: AlertStatus | "open";
  priority?: Priority;
  /** undefined: anyone; null: unassigned. */
  assignee?: string | null;
  integrationId?: string;
  /** true: only silenced alerts; false: only those no silence matched; undefined: both. */
  silenced?: boolean;
  /** createdAt bounds in ms, both inclusive. */
  from?: number;
  to?: number;
  sort?: "newest" | "oldest" | "priority";
  cursor?: string;
  limit: number;
}

export interface AlertPage {
  items: Alert[];
  /** Pass back to continue; null when nothing more matches. */
  cursor: string | null;
}

/** One page of alerts from the indexes: at most `limit` items and `config.alertListScanMax` entries read. */
export async function listAlertPage(
  kv: Deno.Kv,
  config: Pick<Config, "alertListScanMax">,
  q: AlertPageRequest,
): Promise<AlertPage> {
  const sort = q.sort ?? "newest";
  const reverse = sort !== "oldest";
  const m = q.cursor ? CURSOR.exec(q.cursor) : null;
  if (q.cursor && (!m || (sort === "priority") !== (m[1] !== undefined))) {
    throw new ApiError(
      "invalid_input",
      "cursor: not a cursor of this sort; start again without it",
    );
  }
  const cursorRank = m?.[1] !== undefined ? Number(m[1]) : null;
  const cursorId = m?.[2] ?? null;
  const statuses = q.status === "open" ? STATUSES.slice(0, 2) : q.status ? [q.status] : STATUSES;
  const wantRank = q.priority ? RANK.get(q.priority) ?? null : null;
  const lo0 = q.from !== undefined ? ulidTimePrefix(q.from) : "";
  const hi0 = q.to !== undefined ? ulidTimePrefix(q.to + 1) : ID_MAX;
  const ranks: (number | null)[] = sort === "priority"
    ? (wantRank !== null ? [wantRank] : RANKS).filter((r) => cursorRank === null || r >= cursorRank)
    : [wantRank];
  const match = (v: IndexValue) =>
    (q.assignee === undefined || v.a === q.assignee) &&
    (!q.integrationId || v.i === q.integrationId) &&
    (!q.priority || v.p === q.priority) &&
    (q.silenced === undefined || (v.s === 1) === q.silenced);

  const picked: string[] = [];
  let scanned = 0;
  let last: string | null = null;
  let more = false;
  outer: for (const r of ranks) {
    let lo = lo0, hi = hi0;
    if (cursorId && (sort !== "priority" || r === cursorRank)) {
      // Ids are all 26 characters: id + "0" sorts after id and before every later id.
      if (reverse) hi = cursorId < hi ? cursorId : hi;
      else lo = cursorId + "0" > lo ? cursorId + "0" : lo;
    }
    if (lo >= hi) continue;
    const prefixes = q.teamIds.flatMap((t) =>
      statuses.map((s) =>
        r === null ? keys.alertsByTeamStatus(t, s) : keys.alertsByTeamStatusPriority(t, s, r)
      )
    );
    const batch = Math.min(q.limit + 1, 100);
    for await (const e of mergeById(kv, prefixes, reverse, lo, hi, batch)) {
      if (picked.length >= q.limit || scanned >= config.alertListScanMax) {
        more = true;
        break outer;
      }
      scanned++;
      const id = lastPart(e.key);
      last = sort === "priority" ? `${r}:${id}` : id;
      if (match(e.value)) picked.push(id);
    }
  }
  const alerts = await getManyChunked<Alert>(kv, picked.map((id) => keys.alert(id)));
  // The index and the alert change in one commit; this re-check only drops an alert that
  // changed between the two reads.
  const items = alerts.flatMap((e) => {
    const a = e.value;
    if (!a || !q.teamIds.includes(a.teamId)) return [];
    if (!statuses.includes(a.status)) return [];
    const s = a.silencedBy ? { s: 1 as const } : {};
    if (!match({ p: a.priority, a: a.assigneeId, i: a.integrationId, ...s })) return [];
    return [a];
  });
  return { items, cursor: more ? last : null };
}

/** The entries under several prefixes, in one id order (k-way merge of KV ranges). */
async function* mergeById(
  kv: Deno.Kv,
  prefixes: Deno.KvKey[],
  reverse: boolean,
  lo: string,
  hi: string,
  batchSize: number,
): AsyncGenerator<Deno.KvEntry<IndexValue>> {
  const its = prefixes.map((p) =>
    kv.list<IndexValue>({ start: [...p, lo], end: [...p, hi] }, { reverse, batchSize })
  );
  const heads = await Promise.all(its.map((it) => it.next()));
  while (true) {
    let best = -1;
    let bestId = "";
    for (const [i, h] of heads.entries()) {
      if (h.done) continue;
      const id = lastPart(h.value.key);
      if (best < 0 || (reverse ? id > bestId : id < bestId)) {
        best = i;
        bestId = id;
      }
    }
    if (best < 0) return;
    const cur = heads[best];
    if (cur.done) return;
    yield cur.value;
    heads[best] = await its[best].next();
  }
}

/** Alerts written per commit by the migration: 50 checks and 100 sets, inside KV's limits. */
const MIGRATION_BATCH = 50;

/**
 * Builds the list indexes of alerts stored before they existed. Runs once (stamped in
 * `migrations/alert_list_indexes`); each batch checks the alerts it read, and an alert that
 * changed meanwhile was indexed by the commit that changed it.
 */
export async function migrateAlertIndexes(kv: Deno.Kv, clock: Clock): Promise<number> {
  if ((await kv.get(keys.migration("alert_list_indexes"))).value) return 0;
  let n = 0;
  let batch: Deno.KvEntry<Alert>[] = [];
  const flush = async () => {
    const op = kv.atomic();
    for (const e of batch) stageAlertIndexes(op.check(e), null, e.value);
    if (!(await op.commit()).ok) {
      for (const e of batch) {
        await kv.atomic().check(e).mutate(...indexMutations(e.value)).commit();
      }
    }
    n += batch.length;
    batch = [];
  };
  for await (const e of kv.list<Alert>({ prefix: keys.alerts() }, { batchSize: 500 })) {
    batch.push(e);
    if (batch.length >= MIGRATION_BATCH) await flush();
  }
  if (batch.length) await flush();
  await kv.set(keys.migration("alert_list_indexes"), clock.now());
  return n;
}

function indexMutations(a: Alert): Deno.KvMutation[] {
  return indexEntries(a).map(([key, value]) => ({ type: "set", key, value }));
}
