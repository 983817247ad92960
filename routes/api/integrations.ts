/**
 * Integrations: admins and team admins create, change, pause, rotate and delete them; the
 * team's members may see them. The token is shown once (at create and at rotate).
 */
import { type Context, Hono } from "hono";
import type { Core } from "../../lib/runtime.ts";
import { notFound } from "../../lib/core/errors.ts";
import {
  createIntegration,
  CreateIntegrationInputSchema,
  deleteIntegration,
  getIntegration,
  getIntegrationStats,
  type Integration,
  listIntegrations,
  publicIntegration,
  rotateToken,
  updateIntegration,
  UpdateIntegrationInputSchema,
} from "../../lib/alerts/integrations.ts";
import { sendTestAlert } from "../../lib/alerts/test_alert.ts";
import { assertTeamAccess } from "../../lib/accounts/teams.ts";
import { type AppEnv, idParam, idQuery, json, me, requireAuth } from "../middleware.ts";

export function integrationRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  app.use(requireAuth);

  /** The origin senders reach: TOCSIN_PUBLIC_URL, else the origin this request came to. */
  const origin = (c: Context) => deps.config.publicOrigin ?? new URL(c.req.url).origin;
  const show = async (c: Context, items: Integration[]) => {
    const stats = await getIntegrationStats(deps.kv, items.map((i) => i.id));
    return items.map((i, n) => ({
      ...publicIntegration(i),
      hookUrl: `${origin(c)}/hooks/${i.id}`,
      // PagerDuty senders post to a fixed path; the routing key (the token) selects this one.
      ...(i.type === "events" ? { enqueueUrl: `${origin(c)}/v2/enqueue` } : {}),
      stats: stats[n],
    }));
  };

  app.post("/", json(CreateIntegrationInputSchema), async (c) => {
    const { integration, token } = await createIntegration(deps, me(c).user, c.req.valid("json"));
    return c.json({ integration: (await show(c, [integration]))[0], token }, 201);
  });

  app.get("/", async (c) => {
    const user = me(c).user;
    const teamId = idQuery(c, "teamId");
    await assertTeamAccess(deps.kv, user, teamId, "member");
    return c.json({ items: await show(c, await listIntegrations(deps.kv, teamId)) });
  });

  app.get("/:id", async (c) => {
    const user = me(c).user;
    const i = await getIntegration(deps.kv, idParam(c, "id", "integration"));
    if (!i) throw notFound("integration");
    await assertTeamAccess(deps.kv, user, i.teamId, "member", "integration");
    return c.json({ integration: (await show(c, [i]))[0] });
  });

  app.patch("/:id", json(UpdateIntegrationInputSchema), async (c) => {
    const i = await updateIntegration(
      deps,
      me(c).user,
      idParam(c, "id", "integration"),
      c.req.valid("json"),
    );
    return c.json({ integration: (await show(c, [i]))[0] });
  });

  app.post("/:id/token", async (c) => {
    const token = await rotateToken(deps, me(c).user, idParam(c, "id", "integration"));
    return c.json({ token });
  });

  app.post("/:id/test", async (c) => {
    const result = await sendTestAlert(deps, me(c).user, idParam(c, "id", "integration"));
    return c.json(result, 201);
  });

  app.delete("/:id", async (c) => {
    await deleteIntegration(deps, me(c).user, idParam(c, "id", "integration"));
    return c.json({ ok: true });
  });

  return app;
}
