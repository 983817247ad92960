/** Automation rules: admins and team admins create them; team members read them. */
import { Hono } from "hono";
import { createRule, getRuleFor, listRules, RuleInputSchema } from "../../lib/alerts/automation.ts";
import type { Core } from "../../lib/runtime.ts";
import { assertTeamAccess } from "../../lib/accounts/teams.ts";
import { type AppEnv, idParam, idQuery, json, me, requireAuth } from "../middleware.ts";

/** What the API shows of a rule: webhook secrets are never read back. */
function publicRule<T extends { actions: { type: string }[] }>(r: T): T {
  return {
    ...r,
    actions: r.actions.map((a) => a.type === "webhook" ? { ...a, secret: "********" } : a),
  };
}

export function automationRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  app.use(requireAuth);

  app.post("/", json(RuleInputSchema), async (c) => {
    return c.json(
      { rule: publicRule(await createRule(deps, me(c).user, c.req.valid("json"))) },
      201,
    );
  });

  app.get("/", async (c) => {
    const user = me(c).user;
    const teamId = idQuery(c, "teamId");
    await assertTeamAccess(deps.kv, user, teamId, "member");
    return c.json({ items: (await listRules(deps.kv, teamId)).map(publicRule) });
  });

  app.get("/:id", async (c) => {
    return c.json({
      rule: publicRule(await getRuleFor(deps.kv, me(c).user, idParam(c, "id", "rule"))),
    });
  });

  return app;
}
