/** Search over the caller's conversations and their teams' alerts (lib/search/search.ts). */
import { Hono } from "hono";
import { search } from "../../lib/search/search.ts";
import { SearchQuerySchema } from "../../lib/search/model.ts";
import { searchTable } from "../../lib/export/tables.ts";
import type { Core } from "../../lib/runtime.ts";
import { type AppEnv, me, query, requireAuth } from "../middleware.ts";
import { exportLang, ExportQuerySchema, sendExport } from "../export.ts";

const SearchExportQuerySchema = SearchQuerySchema.omit({ cursor: true, limit: true })
  .extend(ExportQuerySchema.shape);

export function searchRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  app.use(requireAuth);
  app.get("/", query(SearchQuerySchema), async (c) => {
    return c.json(await search(deps, me(c).user, c.req.valid("query")));
  });
  // The same hits as the search, every page of them up to the export row limit.
  app.get("/export", query(SearchExportQuerySchema), async (c) => {
    const { format, lang, ...q } = c.req.valid("query");
    const table = await searchTable(deps, me(c).user, q, exportLang(c, lang));
    return await sendExport(deps, table, format, null, q);
  });
  return app;
}
