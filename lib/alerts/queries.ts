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
import { type AlertPage, listAlertPage } from "./alert_index.ts";

export const AlertListQuerySchema = z.strictObject({
  status: z.enum(["triggered", "acknowledged", "resolved", "open"]).optional(),
  teamId: IdSchema.optional(),
  priority: PrioritySchema.optional(),
  /** "me", "unassigned", or a user id. */
  assignee: z.union([z.literal("me"), z.literal("unassigned"), IdSchema]).optional(),
  integrationId: IdSchema.optional(),
  /** "true": only alerts a silence matched; "false": only the others. */
  silenced: z.enum(["true", "false"]).optional(),
  /** createdAt bounds, milliseconds since the epoch, inclusive. */
  from: z.coerce.number().int().min(0).max(2 ** 48 - 1).optional(),
  to: z.coerce.number().int().min(0).max(2 ** 48 - 1).optional(),
  sort: z.enum(["newest", "oldest", "priority"]).optional(),
  cursor: z.string().max(64).optional(),
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

/** The latest raw payload a sender sent for an alert ("" when none is kept). */
export async function getRawPayload(kv: Deno.Kv, alertId: string): Promise<string> {
  return (await kv.get<string>(keys.alertRaw(alertId))).value ?? "";
}

/**
 * Alerts of the caller's teams (or of one of them), filtered, sorted and paged through the
 * list indexes (alert_index.ts); `ids` instead reads those alerts (the ones the caller may see).
 */
export async function listAlerts(
  deps: Deps,
  user: User,
  q: z.infer<typeof AlertListQuerySchema>,
): Promise<AlertPage> {
  const { kv, config } = deps;
  const limit = Math.min(q.limit ?? config.alertListLimit, 500);
  if (q.ids) {
    const ids = q.ids.split(",").filter(Boolean).slice(0, 200);
    const alerts = (await getManyChunked<Alert>(kv, ids.map((id) => keys.alert(id))))
      .flatMap((e) => e.value ? [e.value] : []);
    const mine = new Map<string, boolean>();
    const items: Alert[] = [];
    for (const a of alerts) {
      if (!mine.has(a.teamId)) mine.set(a.teamId, await canSeeAlert(kv, user.id, a));
      if (mine.get(a.teamId)) items.push(a);
    }
    return { items: items.slice(0, limit), cursor: null };
  }
  const candidates = q.teamId
    ? [q.teamId]
    : (await listAll(kv, keys.teamsByUser(user.id))).map((e) => lastPart(e.key));
  const teamIds: string[] = [];
  for (const t of candidates) if (await canSeeAlert(kv, user.id, { teamId: t })) teamIds.push(t);
  return await listAlertPage(kv, config, {
    teamIds,
    status: q.status,
    priority: q.priority,
    assignee: q.assignee === undefined
      ? undefined
      : q.assignee === "me"
      ? user.id
      : q.assignee === "unassigned"
      ? null
      : q.assignee,
    integrationId: q.integrationId,
    silenced: q.silenced === undefined ? undefined : q.silenced === "true",
    from: q.from,
    to: q.to,
    sort: q.sort,
    cursor: q.cursor,
    limit,
  });
}
