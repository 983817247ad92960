/** The caller's own login sessions: list them, end any of them. */
import { Hono } from "hono";
import type { Core } from "../../lib/runtime.ts";
import { notFound } from "../../lib/core/errors.ts";
import { endSession, findSessionHash, listSessions } from "../../lib/accounts/sessions.ts";
import { requestMeta } from "../../lib/audit/context.ts";
import { type AppEnv, me, requireAuth } from "../middleware.ts";

export function sessionRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  app.use(requireAuth);

  app.get("/", async (c) => {
    const auth = me(c);
    return c.json({ items: await listSessions(deps, auth.user.id, auth.sessionHash) });
  });

  app.delete("/:id", async (c) => {
    const user = me(c).user;
    const hash = await findSessionHash(deps.kv, user.id, c.req.param("id"));
    if (!hash || !(await endSession(deps, hash, user, "session.end", requestMeta()))) {
      throw notFound("session");
    }
    return c.json({ ok: true });
  });

  return app;
}
