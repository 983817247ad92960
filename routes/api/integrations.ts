/** Integrations: admins and team admins create them; the token is shown once. */
import { Hono } from "hono";
import type { Core } from "../../lib/runtime.ts";
import { notFound } from "../../lib/core/errors.ts";
import {
  createIntegration,
  CreateIntegrationInputSchema,
  deleteIntegration,
  getIntegration,
  listIntegrations,
  publicIntegration,
  rotateToken,
} from "../../lib/alerts/integrations.ts";
import { assertTeamAccess } from "../../lib/accounts/teams.ts";
import { type AppEnv, idParam, idQuery, json, me, requireAuth } from "../middleware.ts";

export function integrationRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  app.use(requireAuth);

  app.post("/", json(CreateIntegrationInputSchema), async (c) => {
    const { integration, token } = await createIntegration(deps, me(c).user, c.req.valid("json"));
    return c.json({ integration: publicIntegration(integration), token }, 201);
  });

  app.get("/", async (c) => {
    const user = me(c).user;
    const teamId = idQuery(c, "teamId");
    await assertTeamAccess(deps.kv, user, teamId, "member");
    return c.json({ items: (await listIntegrations(deps.kv, teamId)).map(publicIntegration) });
  });

  app.get("/:id", async (c) => {
    const user = me(c).user;
    const i = await getIntegration(deps.kv, idParam(c, "id", "integration"));
    if (!i) throw notFound("integration");
    await assertTeamAccess(deps.kv, user, i.teamId, "member", "integration");
    return c.json({ integration: publicIntegration(i) });
  });

  app.post("/:id/token", async (c) => {
    const token = await rotateToken(deps, me(c).user, idParam(c, "id", "integration"));
    return c.json({ token });
  });

  app.delete("/:id", async (c) => {
    await deleteIntegration(deps, me(c).user, idParam(c, "id", "integration"));
    return c.json({ ok: true });
  });

  return app;
}
