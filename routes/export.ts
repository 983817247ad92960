/** Sends an export (lib/export/) as a streamed download, after writing its audit entry. */
import type { Context } from "hono";
import { z } from "zod";
import type { Core } from "../lib/runtime.ts";
import { recordAudit } from "../lib/audit/chain.ts";
import { csvStream } from "../lib/export/csv.ts";
import { xlsxStream } from "../lib/export/xlsx.ts";
import { CONTENT_TYPES, type ExportTable, take } from "../lib/export/table.ts";
import { type AppEnv, me } from "./middleware.ts";

/** The query every export takes besides its table's own filters. */
export const ExportQuerySchema = z.object({
  format: z.enum(["csv", "xlsx"]).default("csv"),
  lang: z.enum(["en", "zh"]).optional(),
});

/** The export's language: asked for, else the caller's own, else English. */
export function exportLang(c: Context<AppEnv>, asked?: "en" | "zh"): "en" | "zh" {
  return asked ?? (me(c).user.lang === "zh" ? "zh" : "en");
}

export async function sendExport<R>(
  deps: Core,
  table: ExportTable<R>,
  format: "csv" | "xlsx",
  target: { type: string; id: string } | null,
  detail: Record<string, unknown> = {},
): Promise<Response> {
  await recordAudit(deps.kv, deps.clock, {
    action: `export.${table.name.replace(/^alert-[^-]+-/, "alert_")}`,
    target,
    detail: { format, ...detail },
  });
  const bounded = { ...table, rows: take(table.rows, deps.config.exportMaxRows) };
  const body = format === "xlsx" ? xlsxStream(bounded) : csvStream(bounded);
  const stamp = new Date(deps.clock.now()).toISOString().slice(0, 10);
  return new Response(body, {
    headers: {
      "content-type": CONTENT_TYPES[format],
      "content-disposition": `attachment; filename="${table.name}-${stamp}.${format}"`,
      "cache-control": "no-store",
    },
  });
}
