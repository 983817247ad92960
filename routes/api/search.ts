/** Search over the caller's conversations and their teams' alerts (lib/search/search.ts). */
import { Hono } from "hono";
import { search } from "../../lib/search/search.ts";
import { SearchQuerySchema } from "../../lib/search/model.ts";
import type { Core } from "../../lib/runtime.ts";
import { type AppEnv, me, query, requireAuth } from "../middleware.ts";

export function searchRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  app.use(requireAuth);
  app.get("/", query(SearchQuerySchema), async (c) => {
    return c.json(await search(deps, me(c).user, c.req.valid("query")));
  });
  return app;
}
