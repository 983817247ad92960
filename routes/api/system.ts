/** The admin System page's data: `GET /api/v1/system` (admins only). */
import { Hono } from "hono";
import type { Core } from "../../lib/runtime.ts";
import { systemStatus } from "../../lib/ops/system.ts";
import { type AppEnv, requireAdmin } from "../middleware.ts";

export function systemRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  app.get("/", requireAdmin, async (c) => c.json(await systemStatus(deps)));
  return app;
}
