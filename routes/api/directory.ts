/**
 * The directory: the department tree (admins edit it), people search and cards (everyone signed
 * in), avatars and the card fields people set on themselves.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { Core } from "../../lib/runtime.ts";
import { notFound } from "../../lib/core/errors.ts";
import { publicUser } from "../../lib/accounts/model.ts";
import {
  createDepartment,
  CreateDepartmentInputSchema,
  deleteDepartment,
  DeleteDepartmentQuerySchema,
  listDepartmentViews,
  PlacementInputSchema,
  setPlacement,
  updateDepartment,
  UpdateDepartmentInputSchema,
} from "../../lib/directory/departments.ts";
import { getAvatar, removeAvatar, setAvatar } from "../../lib/directory/avatars.ts";
import {
  CardInputSchema,
  getCard,
  PeopleQuerySchema,
  searchPeople,
  updateCard,
} from "../../lib/directory/cards.ts";
import { publicContact, setContactShown } from "../../lib/notify/contacts.ts";
import { type AppEnv, idParam, json, me, query, requireAdmin, requireAuth } from "../middleware.ts";

export function directoryRoutes(deps: Core) {
  // Mounted at /api/v1: authentication per route.
  const app = new Hono<AppEnv>();

  departmentRoutes(app, deps);

  app.get("/directory", requireAuth, query(PeopleQuerySchema), async (c) => {
    const { q, departmentId } = c.req.valid("query");
    const items = await searchPeople(deps, q ?? "", departmentId, deps.config.directoryLimit);
    return c.json({ items });
  });

  app.get("/directory/:id", requireAuth, async (c) => {
    const card = await getCard(deps, me(c).user, idParam(c, "id", "user"));
    return c.json({ card });
  });

  // Admins place a person: department and title.
  app.put("/directory/:id", requireAdmin, json(PlacementInputSchema), async (c) => {
    const user = await setPlacement(deps, idParam(c, "id", "user"), c.req.valid("json"));
    return c.json({ user: publicUser(user) });
  });

  app.patch("/me/card", requireAuth, json(CardInputSchema), async (c) => {
    const user = await updateCard(deps, me(c).user.id, c.req.valid("json"));
    return c.json({ user: publicUser(user) });
  });

  app.put(
    "/me/contacts/:id/directory",
    requireAuth,
    json(z.strictObject({ shown: z.boolean() })),
    async (c) => {
      const id = idParam(c, "id", "contact");
      const contact = await setContactShown(deps.kv, me(c).user.id, id, c.req.valid("json").shown);
      return c.json({ contact: publicContact(contact) });
    },
  );

  // The body is the image itself, its type in Content-Type (the API's body limit applies first).
  app.put("/me/avatar", requireAuth, async (c) => {
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const type = c.req.header("content-type") ?? "";
    const user = await setAvatar(deps, me(c).user.id, type, bytes);
    return c.json({ user: publicUser(user) });
  });

  app.delete("/me/avatar", requireAuth, async (c) => {
    return c.json({ user: publicUser(await removeAvatar(deps, me(c).user.id)) });
  });

  app.get("/users/:id/avatar", requireAuth, async (c) => {
    const a = await getAvatar(deps.kv, idParam(c, "id", "user"));
    if (!a) throw notFound("avatar");
    return new Response(a.bytes as Uint8Array<ArrayBuffer>, {
      headers: {
        "content-type": a.type,
        "content-length": String(a.bytes.byteLength),
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
        "cross-origin-resource-policy": "same-origin",
        // The URL carries the avatar's id (?v=), so a new upload is a new URL.
        "cache-control": "private, max-age=86400",
        etag: `"${a.id}"`,
      },
    });
  });

  return app;
}

/** The department tree: everyone reads it, admins change it. */
function departmentRoutes(app: Hono<AppEnv>, deps: Core) {
  app.get("/departments", requireAuth, async (c) => {
    return c.json({ items: await listDepartmentViews(deps.kv) });
  });

  app.post("/departments", requireAdmin, json(CreateDepartmentInputSchema), async (c) => {
    return c.json({ department: await createDepartment(deps, c.req.valid("json")) }, 201);
  });

  app.patch("/departments/:id", requireAdmin, json(UpdateDepartmentInputSchema), async (c) => {
    const id = idParam(c, "id", "department");
    return c.json({ department: await updateDepartment(deps, id, c.req.valid("json")) });
  });

  app.delete("/departments/:id", requireAdmin, query(DeleteDepartmentQuerySchema), async (c) => {
    const id = idParam(c, "id", "department");
    await deleteDepartment(deps, id, c.req.valid("query").moveUp === "1");
    return c.json({ ok: true });
  });
}
