/** The user directory (everyone) and user administration (admins). */
import { Hono } from "hono";
import type { Core } from "../../lib/runtime.ts";
import { notFound } from "../../lib/core/errors.ts";
import {
  CreateUserInputSchema,
  DirectoryQuerySchema,
  UpdateUserInputSchema,
} from "../../lib/accounts/model.ts";
import { createUser, getUser, searchUsers, updateUser } from "../../lib/accounts/users.ts";
import { deleteApiToken, listApiTokens } from "../../lib/accounts/tokens.ts";
import { publicUser } from "../../lib/accounts/model.ts";
import { type AppEnv, idParam, json, me, query, requireAdmin, requireAuth } from "../middleware.ts";

export function userRoutes(deps: Core) {
  const app = new Hono<AppEnv>();

  app.get("/", requireAuth, query(DirectoryQuerySchema), async (c) => {
    const { q, limit } = c.req.valid("query");
    const isAdmin = me(c).user.role === "admin";
    const items = await searchUsers(
      deps.kv,
      q ?? "",
      Math.min(limit ?? deps.config.directoryLimit, 200),
      isAdmin,
    );
    return c.json({ items });
  });

  app.post("/", requireAdmin, json(CreateUserInputSchema), async (c) => {
    const user = await createUser(deps, c.req.valid("json"), me(c).user);
    return c.json({ user: publicUser(user) }, 201);
  });

  app.get("/:id", requireAuth, async (c) => {
    const user = await getUser(deps.kv, idParam(c, "id", "user"));
    if (!user) throw notFound("user");
    return c.json({ user: publicUser(user) });
  });

  app.patch("/:id", requireAdmin, json(UpdateUserInputSchema), async (c) => {
    const user = await updateUser(deps, me(c).user, idParam(c, "id", "user"), c.req.valid("json"));
    return c.json({ user: publicUser(user) });
  });

  // Admins see and revoke anyone's API tokens (e.g. after a leak, or before re-enabling someone).
  app.get("/:id/tokens", requireAdmin, async (c) => {
    const user = await getUser(deps.kv, idParam(c, "id", "user"));
    if (!user) throw notFound("user");
    return c.json({ items: await listApiTokens(deps, user.id) });
  });

  app.delete("/:id/tokens/:tokenId", requireAdmin, async (c) => {
    const userId = idParam(c, "id", "user");
    await deleteApiToken(deps, me(c).user, userId, idParam(c, "tokenId", "token"));
    return c.json({ ok: true });
  });

  return app;
}
