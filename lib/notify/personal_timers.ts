/**
 * Personal notification timers. When a user is first notified about an alert, their personal rules
 * for its priority become durable timers ("e-mail after 1 minute"), staged in the paging commit up
 * to a mutation budget and in "personal_batch" timers beyond it. Delivering one when due is
 * deliveries.ts.
 */
import { named, readPeople, stagePeople } from "../alerts/people.ts";
import type { Alert, TimelineEntry } from "../alerts/model.ts";
import { DEFAULT_NOTIFICATION_RULES } from "../core/config.ts";
import { type Channel, getNotifyRulesMany, type NotifyRules } from "./contacts.ts";
import { reachOf, teamReach } from "./reach.ts";
import type { Deps } from "../core/deps.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { stageDeleteTimer, stageSweepWake, stageTimer, type Timer } from "../jobs/timers.ts";

/**
 * Schedules the personal notification rules of users who were just notified
 * in the app about `alert` for the first time (inside the caller's commit).
 */
export async function stagePersonal(
  deps: Deps,
  op: Deno.AtomicOperation,
  alert: Alert,
  userIds: string[],
  now: number,
): Promise<string[]> {
  const before = alert.people.personal ? await readPeople(deps.kv, alert, "personal") : [];
  const seen = new Set(before);
  const fresh = userIds.filter((u) => !seen.has(u));
  if (!fresh.length) return [];
  const r = await stageUsers(deps, op, alert, fresh, now, PERSONAL_INLINE_MUTATIONS);
  stageBatches(op, alert, r.rest, now);
  stagePeople(op, alert.id, alert.people, "personal", [...before, ...fresh]);
  return r.unreachable;
}

/** Whether people without verified contacts are worth naming at this priority (default rules). */
export function reportsUnreachable(alert: Alert): boolean {
  return DEFAULT_NOTIFICATION_RULES[alert.priority].length > 0;
}

/**
 * A timeline entry for people of a batch who have no verified contact at all: their rule steps
 * are not scheduled (each would only record "skipped"), but the alert says who could not be
 * reached. (Those of the paging commit itself are named in its "notified" entry.)
 */
function stageUnreachable(op: Deno.AtomicOperation, alert: Alert, userIds: string[], now: number) {
  if (!userIds.length || !reportsUnreachable(alert)) return;
  const e: TimelineEntry = {
    id: ulid(now),
    at: now,
    kind: "delivery",
    by: null,
    via: "personal",
    detail: { status: "skipped", reason: "no verified contact", ...named(userIds) },
  };
  op.set(keys.alertTimeline(alert.id, e.id), e);
}

/**
 * Mutations a paging commit spends on personal timers (four each); users
 * beyond it are handed to "personal_batch" timers, so paging a team of any
 * size stays inside KV's 1,000 mutations per commit.
 */
const PERSONAL_INLINE_MUTATIONS = 300;
/** The same budget for a batch timer's own commit. */
const PERSONAL_BATCH_MUTATIONS = 800;
/** For users who cannot be reached outside the app: no steps. */
const NO_RULES: NotifyRules = { urgent: [], high: [], medium: [], low: [] };
/** Users whose notification rules are read at once. */
const RULES_READ = 100;
/** Users one batch timer carries. */
const PERSONAL_BATCH_USERS = 100;

/**
 * Stages users' rule timers up to `budget` mutations; returns the users left
 * over. Their rules are read together; the timers carry no queue message of
 * their own: one sweep wake-up per distinct due time covers them all.
 */
async function stageUsers(
  deps: Deps,
  op: Deno.AtomicOperation,
  alert: Alert,
  userIds: string[],
  now: number,
  budget: number,
): Promise<{ rest: string[]; unreachable: string[] }> {
  let spent = 0;
  const wakes = new Set<number>();
  let rules: NotifyRules[] = [];
  let reachable: Set<Channel>[] = [];
  const unreachable: string[] = [];
  // Channels come from the team's cached copy (one read per alert, not one per member).
  const team = await teamReach(deps.kv, alert.teamId, deps.config.reachCacheMs);
  const done = (rest: string[]) => {
    for (const at of wakes) stageSweepWake(op, now, at);
    return { rest, unreachable };
  };
  for (let i = 0; i < userIds.length; i++) {
    const userId = userIds[i];
    // Rules are read RULES_READ at a time (in parallel), not all: the budget may stop early.
    if (i % RULES_READ === 0) {
      const slice = userIds.slice(i, i + RULES_READ);
      reachable = await reachOf(deps.kv, team, slice);
      // Rules only of those who can be reached at all (often few in a large team).
      const some = slice.filter((_, k) => reachable[k].size > 0);
      const read = await getNotifyRulesMany(deps.kv, some);
      const byUser = new Map(some.map((u, k) => [u, read[k]]));
      rules = slice.map((u) => byUser.get(u) ?? NO_RULES);
    }
    // Someone with no verified contact at all gets no timers (each would only record "skipped"
    // when due: one timer and two commits each, for nothing, in a team of thousands).
    if (reachable[i % RULES_READ].size === 0) {
      unreachable.push(userId);
      continue;
    }
    const steps = rules[i % RULES_READ][alert.priority];
    // Three mutations a timer (no queue message), and a wake-up per due time.
    if (i > 0 && spent + steps.length * 4 + 3 > budget) return done(userIds.slice(i));
    spent += steps.length * 3;
    for (const step of steps) {
      const dueAt = now + step.afterMinutes * 60_000;
      if (!wakes.has(dueAt)) spent++;
      wakes.add(dueAt);
      stageTimer(op, now, {
        id: ulid(now),
        alertId: alert.id,
        kind: "personal",
        dueAt,
        n: 1,
        round: alert.epoch ?? 0,
        userId,
        channel: step.channel,
        delivery: ulid(now),
      }, { wake: false });
    }
  }
  return done([]);
}

function stageBatches(op: Deno.AtomicOperation, alert: Alert, userIds: string[], now: number) {
  for (let i = 0; i < userIds.length; i += PERSONAL_BATCH_USERS) {
    stageTimer(op, now, {
      id: ulid(now),
      alertId: alert.id,
      kind: "personal_batch",
      dueAt: now,
      n: 1,
      round: alert.epoch ?? 0,
      userIds: userIds.slice(i, i + PERSONAL_BATCH_USERS),
    });
  }
}

/**
 * A batch of users paged with an alert whose rule timers did not fit the
 * paging commit: stages theirs now (and hands any rest to a further batch).
 * Dropped when the alert was acknowledged, resolved or reopened meanwhile.
 */
export async function stagePersonalBatch(deps: Deps, timerId: string): Promise<boolean> {
  const { kv, clock } = deps;
  const t = await kv.get<Timer>(keys.timer(timerId));
  if (t.value?.kind !== "personal_batch" || t.value.dueAt > clock.now()) return false;
  const a = await kv.get<Alert>(keys.alert(t.value.alertId));
  const now = clock.now();
  const op = kv.atomic().check(t);
  stageDeleteTimer(op, t.value);
  const alert = a.value;
  if (alert && alert.status === "triggered" && (alert.epoch ?? 0) === t.value.round) {
    const r = await stageUsers(deps, op, alert, t.value.userIds, now, PERSONAL_BATCH_MUTATIONS);
    stageBatches(op, alert, r.rest, now);
    stageUnreachable(op, alert, r.unreachable, now);
  }
  return (await deps.fanout.commitUnlogged(op)).ok;
}
