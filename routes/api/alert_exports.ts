/** Downloads of alerts: the list with its filters, one alert's timeline and delivery log. */
import { Hono } from "hono";
import type { Core } from "../../lib/runtime.ts";
import { AlertListQuerySchema, getAlertFor } from "../../lib/alerts/queries.ts";
import { getTimeline } from "../../lib/alerts/timeline.ts";
import { listAlertDeliveries } from "../../lib/notify/deliveries.ts";
import { alertsTable, deliveriesTable, timelineTable } from "../../lib/export/tables.ts";
import { type AppEnv, idParam, me, query, requireAuth } from "../middleware.ts";
import { exportLang, ExportQuerySchema, sendExport } from "../export.ts";

const AlertExportQuerySchema = AlertListQuerySchema.omit({ cursor: true, limit: true, ids: true })
  .extend(ExportQuerySchema.shape);

/** Mounted before the alert routes, so that `/export` is not taken for an alert id. */
export function alertExportRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  app.use(requireAuth);

  app.get("/export", query(AlertExportQuerySchema), async (c) => {
    const { format, lang, ...filters } = c.req.valid("query");
    const table = alertsTable(deps, me(c).user, filters, exportLang(c, lang));
    return await sendExport(deps, table, format, null, filters);
  });

  app.get("/:id/timeline/export", query(ExportQuerySchema), async (c) => {
    const { format, lang } = c.req.valid("query");
    const alert = await getAlertFor(deps.kv, me(c).user, idParam(c, "id", "alert"));
    const table = await timelineTable(
      deps.kv,
      alert,
      await getTimeline(deps.kv, alert.id),
      exportLang(c, lang),
    );
    return await sendExport(deps, table, format, { type: "alert", id: alert.id });
  });

  app.get("/:id/deliveries/export", query(ExportQuerySchema), async (c) => {
    const { format, lang } = c.req.valid("query");
    const alert = await getAlertFor(deps.kv, me(c).user, idParam(c, "id", "alert"));
    const table = await deliveriesTable(
      deps.kv,
      alert,
      await listAlertDeliveries(deps.kv, alert.id),
      exportLang(c, lang),
    );
    return await sendExport(deps, table, format, { type: "alert", id: alert.id });
  });

  return app;
}
