/** The admins' sensitive-word rules (lib/chat/sensitive_words.ts). Admins only. */
import { Hono } from "hono";
import type { Core } from "../../lib/runtime.ts";
import {
  addWordRule,
  deleteWordRule,
  listWordRules,
  WordRuleInputSchema,
} from "../../lib/chat/sensitive_words.ts";
import { type AppEnv, idParam, json, me, requireAdmin, requireAuth } from "../middleware.ts";

export function sensitiveWordRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  app.use(requireAuth, requireAdmin);
  app.get("/", async (c) => c.json({ items: await listWordRules(deps.kv) }));
  app.post("/", json(WordRuleInputSchema), async (c) => {
    const rule = await addWordRule(deps, me(c).user.id, c.req.valid("json"));
    return c.json({ rule }, 201);
  });
  app.delete("/:id", async (c) => {
    await deleteWordRule(deps, idParam(c, "id", "rule"));
    return c.body(null, 204);
  });
  return app;
}
