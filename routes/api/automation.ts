/** Automation rules: admins and team admins create, edit, turn on/off and delete them; team members read them. */
import { Hono } from "hono";
import { z } from "zod";
import {
  createRule,
  deleteRule,
  getRuleFor,
  listRulesWithFirings,
  RuleInputSchema,
  RuleUpdateSchema,
  setRuleEnabled,
  updateRule,
} from "../../lib/alerts/automation_rules.ts";
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
  const id = (c: Parameters<typeof idParam>[0]) => idParam(c, "id", "rule");

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
    return c.json({ items: (await listRulesWithFirings(deps.kv, teamId)).map(publicRule) });
  });

  app.get("/:id", async (c) => {
    return c.json({ rule: publicRule(await getRuleFor(deps.kv, me(c).user, id(c))) });
  });

  app.put("/:id", json(RuleUpdateSchema), async (c) => {
    return c.json({
      rule: publicRule(await updateRule(deps, me(c).user, id(c), c.req.valid("json"))),
    });
  });

  app.put("/:id/enabled", json(z.strictObject({ enabled: z.boolean() })), async (c) => {
    const { enabled } = c.req.valid("json");
    return c.json({ rule: publicRule(await setRuleEnabled(deps, me(c).user, id(c), enabled)) });
  });

  app.delete("/:id", async (c) => {
    await deleteRule(deps, me(c).user, id(c));
    return c.json({ ok: true });
  });

  return app;
}
