/** Alerts: list, detail with timeline, lifecycle actions, notes and commands, assignment, priority. */
import { Hono } from "hono";
import {
  ActionInputSchema,
  actOnAlert,
  AlertListQuerySchema,
  AssignInputSchema,
  getAlertFor,
  getTimeline,
  listAlerts,
  NoteInputSchema,
  noteOrCommand,
  PriorityInputSchema,
} from "../../lib/alerts/alerts.ts";
import type { Core } from "../../lib/runtime.ts";
import { type AppEnv, idParam, json, me, query, requireAuth } from "../middleware.ts";

export function alertRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  app.use(requireAuth);
  const id = (c: Parameters<typeof idParam>[0]) => idParam(c, "id", "alert");

  app.get("/", query(AlertListQuerySchema), async (c) => {
    const items = await listAlerts(deps, me(c).user, c.req.valid("query"));
    const now = deps.clock.now();
    return c.json({
      items: items.map((a) => ({
        ...a,
        overdue: a.dueAt !== null && a.dueAt < now && a.status !== "resolved",
      })),
    });
  });

  app.get("/:id", async (c) => {
    const alert = await getAlertFor(deps.kv, me(c).user, id(c));
    return c.json({ alert, timeline: await getTimeline(deps.kv, alert.id) });
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

  return app;
}
