/** The audit log for admins: list with filters, verify the chain, export. */
import { Hono } from "hono";
import { z } from "zod";
import type { Core } from "../../lib/runtime.ts";
import { listAudit } from "../../lib/audit/query.ts";
import type { AuditFilter } from "../../lib/audit/query.ts";
import { verifyAudit } from "../../lib/audit/verify.ts";
import { auditTable } from "../../lib/export/tables.ts";
import { type AppEnv, query, requireAdmin } from "../middleware.ts";
import { exportLang, ExportQuerySchema, sendExport } from "../export.ts";

/** A time as milliseconds since the epoch or an ISO 8601 date-time. */
const TimeSchema = z.union([
  z.coerce.number().int().min(0).max(2 ** 48 - 1),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);

export const AuditQuerySchema = z.strictObject({
  actor: z.string().trim().max(200).optional(),
  action: z.string().trim().max(64).optional(),
  target: z.string().trim().max(200).optional(),
  from: TimeSchema.optional(),
  to: TimeSchema.optional(),
  ok: z.enum(["true", "false"]).optional(),
  /** Entries below this seq (the previous page's cursor). */
  cursor: z.coerce.number().int().min(1).max(2 ** 48).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});
/** The page size when none is asked for. */
const AUDIT_PAGE = 50;

function filterOf(q: z.infer<typeof AuditQuerySchema>): AuditFilter {
  return {
    actor: q.actor || undefined,
    action: q.action || undefined,
    target: q.target || undefined,
    from: q.from,
    to: q.to,
    ok: q.ok === undefined ? undefined : q.ok === "true",
  };
}

export function auditRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  app.use(requireAdmin);

  app.get("/", query(AuditQuerySchema), async (c) => {
    const q = c.req.valid("query");
    return c.json(
      await listAudit(deps.kv, filterOf(q), {
        before: q.cursor,
        limit: q.limit ?? AUDIT_PAGE,
        scanMax: deps.config.auditScanMax,
      }),
    );
  });

  app.get("/verify", async (c) => c.json(await verifyAudit(deps.kv)));

  app.get(
    "/export",
    query(AuditQuerySchema.omit({ cursor: true, limit: true }).extend(ExportQuerySchema.shape)),
    async (c) => {
      const q = c.req.valid("query");
      const filter = filterOf({ ...q });
      return await sendExport(
        deps,
        auditTable(deps.kv, filter, exportLang(c, q.lang)),
        q.format,
        null,
        { filter: JSON.stringify(filter) },
      );
    },
  );

  return app;
}
