/**
 * The people an alert has paged, kept beside the alert rather than in it:
 * `alert_people/<alert>/<list>/<chunk>` holds up to PEOPLE_CHUNK user ids.
 * A team of thousands would not fit in the alert's 64 KiB value, and the
 * alert is sent to every member's socket on each change, so it carries only
 * the chunk counts (`alert.people`).
 *
 * Lists: `notified` (who the current paging level notifies; reminders go to
 * them) and `personal` (whose personal notification rules are scheduled, so
 * that a user is scheduled once per alert epoch). Every writer also rewrites
 * the alert in the same commit, so a check on the alert covers its lists.
 */
import type { Alert, PeopleCounts } from "./model.ts";
import { keys } from "../core/keys.ts";

export type PeopleList = "notified" | "personal";

/** User ids per chunk (about 28 KB serialised). */
export const PEOPLE_CHUNK = 1000;
/** At most this many user ids are named in a timeline entry or a system message. */
export const NAMED_MAX = 100;

/** Lists of alerts upgraded in a commit not yet made (see upgradePeople). */
const pending = new WeakMap<Alert, Record<PeopleList, string[]>>();

/** Reads one list of an alert (chunks in order). */
export async function readPeople(
  kv: Deno.Kv,
  alert: Alert,
  list: PeopleList,
): Promise<string[]> {
  const staged = pending.get(alert);
  if (staged) return staged[list];
  const out: string[] = [];
  for await (const e of kv.list<string[]>({ prefix: keys.alertPeople(alert.id, list) })) {
    out.push(...e.value);
  }
  return out;
}

/**
 * Replaces one list inside `op`: writes its chunks, deletes chunks left over
 * from a longer list, and records the chunk count on `people` (the alert's).
 */
export function stagePeople(
  op: Deno.AtomicOperation,
  alertId: string,
  people: PeopleCounts,
  list: PeopleList,
  userIds: string[],
): void {
  const chunks = Math.ceil(userIds.length / PEOPLE_CHUNK);
  for (let i = 0; i < chunks; i++) {
    op.set(
      keys.alertPeopleChunk(alertId, list, i),
      userIds.slice(i * PEOPLE_CHUNK, (i + 1) * PEOPLE_CHUNK),
    );
  }
  for (let i = chunks; i < people[list]; i++) op.delete(keys.alertPeopleChunk(alertId, list, i));
  people[list] = chunks;
}

/** User ids to name (at most NAMED_MAX) and, when there are more, how many in all. */
export function named(userIds: string[]): { userIds: string[]; userCount?: number } {
  return userIds.length > NAMED_MAX
    ? { userIds: userIds.slice(0, NAMED_MAX), userCount: userIds.length }
    : { userIds };
}

/**
 * Alerts stored before the lists moved out carry `notified` and `personal` arrays and no
 * `people`: moves them into chunks inside `op` (the caller's commit rewrites the alert).
 * A no-op for current alerts.
 */
export function upgradePeople(op: Deno.AtomicOperation, alert: Alert): void {
  const legacy = alert as Alert & { notified?: string[]; personal?: string[] };
  if (alert.people) return;
  alert.people = { notified: 0, personal: 0 };
  const lists = { notified: legacy.notified ?? [], personal: legacy.personal ?? [] };
  stagePeople(op, alert.id, alert.people, "notified", lists.notified);
  stagePeople(op, alert.id, alert.people, "personal", lists.personal);
  // Until this commit is made, the lists are only here: readPeople answers from them.
  pending.set(alert, lists);
  delete legacy.notified;
  delete legacy.personal;
}
