/**
 * Alerts: list, detail with timeline, lifecycle actions, notes and commands, assignment, priority,
 * war room.
 */
import { Hono } from "hono";
import {
  ActionInputSchema,
  actOnAlert,
  AssignInputSchema,
  BulkActionInputSchema,
  NoteInputSchema,
  noteOrCommand,
  PriorityInputSchema,
} from "../../lib/alerts/actions.ts";
import { AlertListQuerySchema, getAlertFor, listAlerts } from "../../lib/alerts/queries.ts";
import { openWarRoom, WarRoomInputSchema } from "../../lib/alerts/war_room.ts";
import { getTimeline } from "../../lib/alerts/timeline.ts";
import { getRawPayload } from "../../lib/alerts/queries.ts";
import { assertTeamAccess } from "../../lib/accounts/teams.ts";
import { ApiError } from "../../lib/core/errors.ts";
import type { Core } from "../../lib/runtime.ts";
import { type AppEnv, idParam, json, me, query, requireAuth } from "../middleware.ts";

// Long because: one route table per resource, handlers inline after their paths as Hono recommends.
export function alertRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  app.use(requireAuth);
  const id = (c: Parameters<typeof idParam>[0]) => idParam(c, "id", "alert");

  app.get("/", query(AlertListQuerySchema), async (c) => {
    const { items, cursor } = await listAlerts(deps, me(c).user, c.req.valid("query"));
    const now = deps.clock.now();
    return c.json({
      items: items.map((a) => ({
        ...a,
        overdue: a.dueAt !== null && a.dueAt < now && a.status !== "resolved",
      })),
      cursor,
    });
  });

  // Several alerts at once; each is its own commit, and each answers for itself.
  app.post("/bulk", json(BulkActionInputSchema), async (c) => {
    const { action, ids, note } = c.req.valid("json");
    const results: { id: string; ok: boolean; code?: string; message?: string }[] = [];
    for (const alertId of new Set(ids)) {
      try {
        await actOnAlert(deps, me(c).user, alertId, { kind: action }, { note, via: "api" });
        results.push({ id: alertId, ok: true });
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        results.push({ id: alertId, ok: false, code: e.code, message: e.message });
      }
    }
    return c.json({ results });
  });

  app.get("/:id", async (c) => {
    const alert = await getAlertFor(deps.kv, me(c).user, id(c));
    return c.json({ alert, timeline: await getTimeline(deps.kv, alert.id) });
  });

  // The raw payload may hold whatever the sender put in it: team admins (and admins) only.
  app.get("/:id/raw", async (c) => {
    const user = me(c).user;
    const alert = await getAlertFor(deps.kv, user, id(c));
    await assertTeamAccess(deps.kv, user, alert.teamId, "admin");
    return c.json({ raw: await getRawPayload(deps.kv, alert.id) });
  });

  for (const kind of ["ack", "resolve", "reopen"] as const) {
    app.post(`/:id/${kind}`, json(ActionInputSchema), async (c) => {
      const { note, via } = c.req.valid("json");
      return c.json({ alert: await actOnAlert(deps, me(c).user, id(c), { kind }, { note, via }) });
    });
  }

  app.post("/:id/notes", json(NoteInputSchema), async (c) => {
    return c.json({
      alert: await noteOrCommand(deps, me(c).user, id(c), c.req.valid("json").text),
    });
  });

  app.post("/:id/assign", json(AssignInputSchema), async (c) => {
    const { userId, dueAt, via } = c.req.valid("json");
    const due = dueAt === undefined || dueAt === null
      ? null
      : typeof dueAt === "number"
      ? dueAt
      : Date.parse(dueAt);
    return c.json({
      alert: await actOnAlert(deps, me(c).user, id(c), { kind: "assign", userId, dueAt: due }, {
        via,
      }),
    });
  });

  app.post("/:id/priority", json(PriorityInputSchema), async (c) => {
    const { priority, note } = c.req.valid("json");
    return c.json({
      alert: await actOnAlert(deps, me(c).user, id(c), { kind: "priority", priority }, { note }),
    });
  });

  // The alert's war room: made on the first call, opened (and joined) on every later one.
  app.post("/:id/war-room", json(WarRoomInputSchema), async (c) => {
    const room = await openWarRoom(deps, me(c).user, id(c), c.req.valid("json").via);
    return c.json(room, room.created ? 201 : 200);
  });

  return app;
}
