/** Reports: a team's figures for its members, every team's for admins (lib/reports/). */
import { Hono } from "hono";
import { z } from "zod";
import type { Core } from "../../lib/runtime.ts";
import { reportFor, ReportQuerySchema } from "../../lib/reports/request.ts";
import { type AppEnv, me, query, requireAuth, responds } from "../middleware.ts";

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

export function reportRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  app.use(requireAuth);
  app.get(
    "/",
    query(ReportQuerySchema),
    responds(z.object({ report: ReportSchema }), "Alert figures of a team, or of every team"),
    async (c) => c.json({ report: await reportFor(deps, me(c).user, c.req.valid("query")) }),
  );
  return app;
}
