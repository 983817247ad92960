/** Reading alerts: one alert the user may see, and the filtered list of their teams' alerts. */
import { z } from "zod";
import { type Alert, PrioritySchema } from "./model.ts";
import type { Deps } from "../core/deps.ts";
import { notFound } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import { getManyChunked, lastPart, listAll } from "../core/kv_util.ts";
import type { User } from "../accounts/model.ts";
import { teamRole } from "../accounts/teams.ts";
import { type AlertPage, listAlertPage } from "./alert_index.ts";

export const AlertListQuerySchema = z.strictObject({
  status: z.enum(["triggered", "acknowledged", "resolved", "open"]).optional(),
  teamId: z.string().max(64).optional(),
  priority: PrioritySchema.optional(),
  /** "me", "unassigned", or a user id. */
  assignee: z.string().max(64).optional(),
  integrationId: z.string().max(64).optional(),
  /** createdAt bounds, milliseconds since the epoch, inclusive. */
  from: z.coerce.number().int().min(0).max(2 ** 48 - 1).optional(),
  to: z.coerce.number().int().min(0).max(2 ** 48 - 1).optional(),
  sort: z.enum(["newest", "oldest", "priority"]).optional(),
  cursor: z.string().max(64).optional(),
  ids: z.string().max(10_000).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

/** True until the alert is resolved. */
export function isOpen(a: Alert): boolean {
  return a.status !== "resolved";
}

/** Loads an alert the user may see (a member of its team), or 404. */
export async function getAlertFor(kv: Deno.Kv, user: User, alertId: string): Promise<Alert> {
  const alert = (await kv.get<Alert>(keys.alert(alertId))).value;
  if (!alert || !(await teamRole(kv, alert.teamId, user.id))) throw notFound("alert");
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
      if (!mine.has(a.teamId)) {
        mine.set(a.teamId, (await teamRole(kv, a.teamId, user.id)) !== null);
      }
      if (mine.get(a.teamId)) items.push(a);
    }
    return { items: items.slice(0, limit), cursor: null };
  }
  const candidates = q.teamId
    ? [q.teamId]
    : (await listAll(kv, keys.teamsByUser(user.id))).map((e) => lastPart(e.key));
  const teamIds: string[] = [];
  for (const t of candidates) if (await teamRole(kv, t, user.id)) teamIds.push(t);
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
    from: q.from,
    to: q.to,
    sort: q.sort,
    cursor: q.cursor,
    limit,
  });
}
