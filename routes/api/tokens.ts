/** Personal API tokens: the secret is shown once, at creation. */
import { Hono } from "hono";
import type { Core } from "../../lib/runtime.ts";
import { ApiError } from "../../lib/core/errors.ts";
import { CreateTokenInputSchema } from "../../lib/accounts/model.ts";
import { createApiToken, deleteApiToken, listApiTokens } from "../../lib/accounts/tokens.ts";
import { type AppEnv, idParam, json, me, requireAuth } from "../middleware.ts";

export function tokenRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  app.use(requireAuth);

  app.get("/", async (c) => c.json({ items: await listApiTokens(deps, me(c).user.id) }));

  app.post("/", json(CreateTokenInputSchema), async (c) => {
    const auth = me(c);
    // A token must not mint more tokens: a leaked one could otherwise outlive its revocation.
    if (auth.via !== "session") {
      throw new ApiError("forbidden", "create tokens from a login session");
    }
    const { token, apiToken } = await createApiToken(deps, auth.user, c.req.valid("json"));
    return c.json({ token, apiToken }, 201);
  });

  app.delete("/:id", async (c) => {
    await deleteApiToken(deps, me(c).user, me(c).user.id, idParam(c, "id", "token"));
    return c.json({ ok: true });
  });

  return app;
}
