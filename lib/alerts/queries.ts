/** Reading alerts: one alert the user may see, and the filtered list of their teams' alerts. */
import { z } from "zod";
import { type Alert, PrioritySchema } from "./model.ts";
import type { Deps } from "../core/deps.ts";
import { notFound } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import { getManyChunked, lastPart, listAll } from "../core/kv_util.ts";
import { isUlid } from "../core/ids.ts";
import { IdSchema } from "../core/schemas.ts";
import type { User } from "../accounts/model.ts";
import { teamRole } from "../accounts/teams.ts";

export const AlertListQuerySchema = z.strictObject({
  status: z.enum(["triggered", "acknowledged", "resolved", "open"]).optional(),
  teamId: IdSchema.optional(),
  priority: PrioritySchema.optional(),
  assignee: z.union([z.literal("me"), IdSchema]).optional(),
  /** Comma-separated alert ids (at most 200 are read). */
  ids: z.string().max(10_000).refine(
    (s) => s.split(",").every((id) => id === "" || isUlid(id)),
    "must be alert ids separated by commas",
  ).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

/** True until the alert is resolved. */
export function isOpen(a: Alert): boolean {
  return a.status !== "resolved";
}

/**
 * Who may see an alert: the members of its team, and nobody else (a global
 * admin outside the team included). The one rule for every path an alert
 * leaves by: the REST reads here and the hub's `alert` frames (WebSocket, SSE,
 * long poll), so that whoever is sent an alert can also GET it, and the other
 * way round. Of `userIds`, returns those who may see `alert`.
 */
export async function whoCanSeeAlert(
  kv: Deno.Kv,
  userIds: Iterable<string>,
  alert: Pick<Alert, "teamId">,
): Promise<Set<string>> {
  const ids = [...new Set(userIds)];
  if (ids.length > AUDIENCE_LIST_FROM) {
    // Many at once (a busy conversation's sockets): one listing of the team beats many reads.
    const members = new Set(
      (await listAll(kv, keys.teamMembers(alert.teamId))).map((e) => lastPart(e.key)),
    );
    return new Set(ids.filter((u) => members.has(u)));
  }
  const roles = await getManyChunked(kv, ids.map((u) => keys.teamMember(alert.teamId, u)));
  return new Set(ids.filter((_, i) => roles[i].value !== null));
}

/** From how many users on, whoCanSeeAlert lists the team instead of reading each member key. */
const AUDIENCE_LIST_FROM = 100;

/** True when `userId` may see `alert` (see whoCanSeeAlert). */
export async function canSeeAlert(
  kv: Deno.Kv,
  userId: string,
  alert: Pick<Alert, "teamId">,
): Promise<boolean> {
  return (await whoCanSeeAlert(kv, [userId], alert)).has(userId);
}

/** Loads an alert the user may see (canSeeAlert), or 404. */
export async function getAlertFor(kv: Deno.Kv, user: User, alertId: string): Promise<Alert> {
  const alert = isUlid(alertId) ? (await kv.get<Alert>(keys.alert(alertId))).value : null;
  if (!alert || !(await canSeeAlert(kv, user.id, alert))) throw notFound("alert");
  return alert;
}

/** Alerts of the caller's teams (or of one team), newest first, filtered. */
export async function listAlerts(
  deps: Deps,
  user: User,
  q: z.infer<typeof AlertListQuerySchema>,
): Promise<Alert[]> {
  const { kv, config } = deps;
  const limit = Math.min(q.limit ?? config.alertListLimit, 500);
  let ids: string[];
  if (q.ids) {
    ids = q.ids.split(",").filter(Boolean).slice(0, 200);
  } else if (q.assignee) {
    const who = q.assignee === "me" ? user.id : q.assignee;
    ids = (await listAll(kv, keys.alertsByAssignee(who), 5_000)).map((e) => lastPart(e.key))
      .reverse();
  } else {
    const teams = q.teamId
      ? [q.teamId]
      : (await listAll(kv, keys.teamsByUser(user.id))).map((e) => lastPart(e.key));
    ids = [];
    for (const t of teams) {
      if (!(await teamRole(kv, t, user.id))) continue;
      for await (
        const e of kv.list({ prefix: keys.alertsByTeam(t) }, { reverse: true, limit: 5_000 })
      ) {
        ids.push(lastPart(e.key));
      }
    }
    ids.sort().reverse();
  }
  const alerts = (await getManyChunked<Alert>(kv, ids.map((id) => keys.alert(id))))
    .flatMap((e) => e.value ? [e.value] : []);
  const mine = new Map<string, boolean>();
  const out: Alert[] = [];
  for (const a of alerts) {
    if (!mine.has(a.teamId)) mine.set(a.teamId, await canSeeAlert(kv, user.id, a));
    if (!mine.get(a.teamId)) continue;
    if (q.status === "open" ? !isOpen(a) : q.status && a.status !== q.status) continue;
    if (q.priority && a.priority !== q.priority) continue;
    if (q.teamId && a.teamId !== q.teamId) continue;
    out.push(a);
    if (out.length >= limit) break;
  }
  return out;
}
