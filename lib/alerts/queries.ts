/** Reading alerts: one alert the user may see, and the filtered list of their teams' alerts. */
import { z } from "zod";
import { type Alert, PrioritySchema } from "./model.ts";
import type { Deps } from "../core/deps.ts";
import { notFound } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import { getManyChunked, lastPart, listAll } from "../core/kv_util.ts";
import type { User } from "../accounts/model.ts";
import { teamRole } from "../accounts/teams.ts";

export const AlertListQuerySchema = z.strictObject({
  status: z.enum(["triggered", "acknowledged", "resolved", "open"]).optional(),
  teamId: z.string().max(64).optional(),
  priority: PrioritySchema.optional(),
  assignee: z.string().max(64).optional(),
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
    if (!mine.has(a.teamId)) mine.set(a.teamId, (await teamRole(kv, a.teamId, user.id)) !== null);
    if (!mine.get(a.teamId)) continue;
    if (q.status === "open" ? !isOpen(a) : q.status && a.status !== q.status) continue;
    if (q.priority && a.priority !== q.priority) continue;
    if (q.teamId && a.teamId !== q.teamId) continue;
    out.push(a);
    if (out.length >= limit) break;
  }
  return out;
}
