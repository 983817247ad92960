/** Web Push: the server's public VAPID key, and each person's own devices. */
import { Hono } from "hono";
import { checkOutboundUrl } from "../../lib/notify/outbound.ts";
import {
  listDevices,
  publicDevice,
  PushSubscribeSchema,
  removeDevice,
  subscribeDevice,
  vapidKeys,
} from "../../lib/notify/push.ts";
import type { Core } from "../../lib/runtime.ts";
import { type AppEnv, idParam, json, me, requireAuth } from "../middleware.ts";

export function pushRoutes(deps: Core) {
  // Mounted at /api/v1: authentication per route.
  const app = new Hono<AppEnv>();

  app.get("/push/key", requireAuth, async (c) => {
    return c.json({ publicKey: (await vapidKeys(deps.kv)).publicKey });
  });

  app.get("/me/push-devices", requireAuth, async (c) => {
    return c.json({ items: (await listDevices(deps.kv, me(c).user.id)).map(publicDevice) });
  });

  app.post("/me/push-devices", requireAuth, json(PushSubscribeSchema), async (c) => {
    const input = c.req.valid("json");
    // The push service is contacted from here: refuse an endpoint inside the network now,
    // rather than at the first alert.
    await checkOutboundUrl(input.endpoint, deps.config);
    const device = await subscribeDevice(deps, me(c).user.id, input);
    return c.json({ device: publicDevice(device) }, 201);
  });

  app.delete("/me/push-devices/:id", requireAuth, async (c) => {
    await removeDevice(deps.kv, me(c).user.id, idParam(c, "id", "device"));
    return c.json({ ok: true });
  });

  return app;
}
