/** Heartbeats: team admins create, edit, rotate and delete them; members list them. */
import { Hono } from "hono";
import {
  createHeartbeat,
  deleteHeartbeat,
  getHeartbeatFor,
  HeartbeatInputSchema,
  HeartbeatUpdateSchema,
  listHeartbeats,
  publicHeartbeat,
  rotateHeartbeatToken,
  updateHeartbeat,
} from "../../lib/alerts/heartbeats.ts";
import type { Core } from "../../lib/runtime.ts";
import { assertTeamAccess } from "../../lib/accounts/teams.ts";
import { type AppEnv, idParam, idQuery, json, me, requireAuth } from "../middleware.ts";

export function heartbeatRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  app.use(requireAuth);
  const id = (c: Parameters<typeof idParam>[0]) => idParam(c, "id", "heartbeat");

  app.post("/", json(HeartbeatInputSchema), async (c) => {
    const r = await createHeartbeat(deps, me(c).user, c.req.valid("json"));
    return c.json({ heartbeat: publicHeartbeat(r.heartbeat), token: r.token }, 201);
  });

  app.get("/", async (c) => {
    const teamId = idQuery(c, "teamId");
    await assertTeamAccess(deps.kv, me(c).user, teamId, "member");
    return c.json({ items: (await listHeartbeats(deps.kv, teamId)).map(publicHeartbeat) });
  });

  app.get("/:id", async (c) => {
    return c.json({
      heartbeat: publicHeartbeat(await getHeartbeatFor(deps.kv, me(c).user, id(c))),
    });
  });

  app.patch("/:id", json(HeartbeatUpdateSchema), async (c) => {
    const h = await updateHeartbeat(deps, me(c).user, id(c), c.req.valid("json"));
    return c.json({ heartbeat: publicHeartbeat(h) });
  });

  app.post("/:id/token", async (c) => {
    return c.json({ token: await rotateHeartbeatToken(deps, me(c).user, id(c)) });
  });

  app.delete("/:id", async (c) => {
    await deleteHeartbeat(deps, me(c).user, id(c));
    return c.json({ ok: true });
  });

  return app;
}
