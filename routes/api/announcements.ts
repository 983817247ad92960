/** Site-wide announcements: admins manage them; everyone sees and acknowledges their banners. */
import { Hono } from "hono";
import type { Core } from "../../lib/runtime.ts";
import {
  acknowledge,
  activeFor,
  AnnouncementInputSchema,
  confirmations,
  createAnnouncement,
  deleteAnnouncement,
  listAnnouncements,
  updateAnnouncement,
} from "../../lib/announcements/announcements.ts";
import { type AppEnv, idParam, json, me, requireAdmin, requireAuth } from "../middleware.ts";

export function announcementRoutes(deps: Core) {
  const app = new Hono<AppEnv>();

  // The banner: what the caller still has to see now.
  app.get("/active", requireAuth, async (c) => {
    return c.json({ items: await activeFor(deps, me(c).user.id) });
  });

  app.post("/:id/ack", requireAuth, async (c) => {
    const ack = await acknowledge(deps, me(c).user.id, idParam(c, "id", "announcement"));
    return c.json({ ack });
  });

  app.get("/", requireAdmin, async (c) => {
    return c.json({ items: await listAnnouncements(deps.kv) });
  });

  app.post("/", requireAdmin, json(AnnouncementInputSchema), async (c) => {
    const a = await createAnnouncement(deps, me(c).user, c.req.valid("json"));
    return c.json({ announcement: a }, 201);
  });

  app.put("/:id", requireAdmin, json(AnnouncementInputSchema), async (c) => {
    const id = idParam(c, "id", "announcement");
    return c.json({ announcement: await updateAnnouncement(deps, id, c.req.valid("json")) });
  });

  app.delete("/:id", requireAdmin, async (c) => {
    await deleteAnnouncement(deps, idParam(c, "id", "announcement"));
    return c.json({ ok: true });
  });

  app.get("/:id/confirmations", requireAdmin, async (c) => {
    return c.json(await confirmations(deps, idParam(c, "id", "announcement")));
  });

  return app;
}
