/** DING: send, repeat, confirm and watch urgent messages (lib/chat/ding.ts). */
import { Hono } from "hono";
import {
  confirmDing,
  conversationDings,
  dingAgain,
  DingInputSchema,
  dingStatus,
  pendingDings,
  sendDing,
} from "../../lib/chat/ding.ts";
import type { Core } from "../../lib/runtime.ts";
import { type AppEnv, idParam, json, me, requireAuth } from "../middleware.ts";

export function dingRoutes(deps: Core) {
  // Mounted at /api/v1: authentication per route.
  const app = new Hono<AppEnv>();

  app.post("/conversations/:id/dings", requireAuth, json(DingInputSchema), async (c) => {
    const id = idParam(c, "id", "conversation");
    const d = await sendDing(deps, me(c).user, id, c.req.valid("json"));
    return c.json({ ding: await dingStatus(deps, me(c).user, d.id) }, 201);
  });

  app.get("/conversations/:id/dings", requireAuth, async (c) => {
    const id = idParam(c, "id", "conversation");
    return c.json({ items: await conversationDings(deps, me(c).user, id) });
  });

  app.get("/me/dings", requireAuth, async (c) => {
    return c.json({ items: await pendingDings(deps, me(c).user) });
  });

  app.get("/dings/:id", requireAuth, async (c) => {
    return c.json({ ding: await dingStatus(deps, me(c).user, idParam(c, "id", "DING")) });
  });

  app.post("/dings/:id/confirm", requireAuth, async (c) => {
    const d = await confirmDing(deps, me(c).user, idParam(c, "id", "DING"));
    return c.json({ ding: await dingStatus(deps, me(c).user, d.id) });
  });

  app.post("/dings/:id/again", requireAuth, async (c) => {
    const d = await dingAgain(deps, me(c).user, idParam(c, "id", "DING"));
    return c.json({ ding: await dingStatus(deps, me(c).user, d.id) });
  });

  return app;
}
