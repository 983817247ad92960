/** Reports: a team's figures for its members, every team's for admins (lib/reports/). */
import { Hono } from "hono";
import { z } from "zod";
import { notFound } from "../../lib/core/errors.ts";
import type { Core } from "../../lib/runtime.ts";
import { reportFor, ReportQuerySchema } from "../../lib/reports/request.ts";
import type { ReportTable } from "../../lib/reports/report.ts";
import { reportTable } from "../../lib/export/report_table.ts";
import { type AppEnv, me, query, requireAuth, responds } from "../middleware.ts";
import { exportLang, ExportQuerySchema, sendExport } from "../export.ts";

const Cell = z.union([z.string(), z.number(), z.null()]);
const ReportSchema = z.object({
  from: z.number(),
  to: z.number(),
  teamIds: z.array(z.string()),
  totals: z.record(z.string(), z.number().nullable()),
  tables: z.array(z.object({
    id: z.string(),
    columns: z.array(z.object({
      key: z.string(),
      label: z.string(),
      type: z.enum(["text", "count", "duration_ms", "ratio"]),
    })),
    rows: z.array(z.record(z.string(), Cell)),
  })),
});

const TABLE_IDS = [
  "days",
  "priorities",
  "sources",
  "keys",
  "titles",
  "people",
  "teams",
] as const satisfies readonly ReportTable["id"][];
const ReportExportQuerySchema = ReportQuerySchema.extend({ table: z.enum(TABLE_IDS) })
  .extend(ExportQuerySchema.shape);

export function reportRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  app.use(requireAuth);
  app.get(
    "/",
    query(ReportQuerySchema),
    responds(z.object({ report: ReportSchema }), "Alert figures of a team, or of every team"),
    async (c) => c.json({ report: await reportFor(deps, me(c).user, c.req.valid("query")) }),
  );
  // One table of the same report, with the same access (a team's members, all teams: admins).
  app.get("/export", query(ReportExportQuerySchema), async (c) => {
    const { table: id, format, lang, ...q } = c.req.valid("query");
    const report = await reportFor(deps, me(c).user, q);
    const table = report.tables.find((t) => t.id === id);
    if (!table) throw notFound("report table");
    return await sendExport(
      deps,
      reportTable(table, exportLang(c, lang)),
      format,
      q.team ? { type: "team", id: q.team } : null,
      { from: report.from, to: report.to },
    );
  });
  return app;
}
