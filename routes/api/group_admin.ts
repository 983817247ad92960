/** Group admin: mutes, pins, announcements (lib/chat/group_admin.ts) and one's notification mutes. */
import { Hono } from "hono";
import { z } from "zod";
import type { Core } from "../../lib/runtime.ts";
import {
  announce,
  AnnounceInputSchema,
  getGroupAdminView,
  muteGroup,
  MuteInputSchema,
  muteMember,
  PinInputSchema,
  setPinned,
} from "../../lib/chat/group_admin.ts";
import { listNotifyMutes, setNotifyMute } from "../../lib/chat/notify_mutes.ts";
import { announceTyping } from "../../lib/realtime/typing.ts";
import { getPresence } from "../../lib/realtime/presence.ts";
import { IdSchema } from "../../lib/core/schemas.ts";
import { type AppEnv, idParam, json, me, query, requireAuth } from "../middleware.ts";

const PresenceQuerySchema = z.strictObject({
  ids: z.string().max(6000).transform((s) => [...new Set(s.split(",").filter(Boolean))])
    .pipe(z.array(IdSchema).max(200)),
});

const NotifyMuteInputSchema = z.strictObject({
  muted: z.boolean(),
  until: z.number().int().min(0).optional(),
});

export function groupAdminRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  // Mounted at /api/v1 beside public routes: only its own paths need a login.
  app.use("/conversations/*", requireAuth);
  const conv = (c: Parameters<typeof idParam>[0]) => idParam(c, "id", "conversation");
  const view = async (c: Parameters<typeof me>[0], message: unknown) =>
    c.json({ ...(await getGroupAdminView(deps, me(c).user, conv(c))), message });

  app.get("/conversations/:id/admin", async (c) => {
    return c.json(await getGroupAdminView(deps, me(c).user, conv(c)));
  });
  app.put("/conversations/:id/mute", json(MuteInputSchema), async (c) => {
    return view(c, await muteGroup(deps, me(c).user, conv(c), c.req.valid("json").until));
  });
  app.put("/conversations/:id/members/:userId/mute", json(MuteInputSchema), async (c) => {
    const target = idParam(c, "userId", "member");
    const until = c.req.valid("json").until;
    return view(c, await muteMember(deps, me(c).user, conv(c), target, until));
  });
  app.post("/conversations/:id/pins", json(PinInputSchema), async (c) => {
    return view(c, await setPinned(deps, me(c).user, conv(c), c.req.valid("json").seq, true));
  });
  app.delete("/conversations/:id/pins/:seq", async (c) => {
    const seq = Number(c.req.param("seq"));
    return view(c, await setPinned(deps, me(c).user, conv(c), seq, false));
  });
  app.put("/conversations/:id/announcement", json(AnnounceInputSchema), async (c) => {
    return view(c, await announce(deps, me(c).user, conv(c), c.req.valid("json")));
  });
  app.delete("/conversations/:id/announcement", async (c) => {
    return view(c, await announce(deps, me(c).user, conv(c), null));
  });
  // Typing notices for clients without a socket (SSE, long-poll); rate-limited, never stored.
  app.post("/conversations/:id/typing", async (c) => {
    await announceTyping(deps, me(c).user.id, conv(c));
    return c.body(null, 204);
  });
  // Online or not, for up to 200 users (the directory is visible to every user anyway).
  app.get("/presence", requireAuth, query(PresenceQuerySchema), async (c) => {
    return c.json({ items: await getPresence(deps, c.req.valid("query").ids) });
  });
  app.get("/me/notify-mutes", requireAuth, async (c) => {
    return c.json({ items: await listNotifyMutes(deps, me(c).user.id) });
  });
  app.put("/conversations/:id/notify-mute", json(NotifyMuteInputSchema), async (c) => {
    const input = c.req.valid("json");
    await setNotifyMute(deps, me(c).user.id, conv(c), input);
    return c.json(input);
  });
  return app;
}
