/** Event webhook subscriptions of a team (team admins and admins), their delivery log and test. */
import { Hono } from "hono";
import { z } from "zod";
import { DeliveryLogEntrySchema } from "../../lib/notify/event_webhook_delivery.ts";
import {
  createEventWebhook,
  deleteEventWebhook,
  EventWebhookInputSchema,
  EventWebhookUpdateSchema,
  getEventWebhookFor,
  listEventWebhookLog,
  listEventWebhooks,
  publicEventWebhook,
  PublicEventWebhookSchema,
  rotateEventWebhookSecret,
  testEventWebhook,
  updateEventWebhook,
} from "../../lib/notify/event_webhooks.ts";
import type { Core } from "../../lib/runtime.ts";
import { type AppEnv, idParam, idQuery, json, me, requireAuth, responds } from "../middleware.ts";

const One = z.object({ webhook: PublicEventWebhookSchema });
/** The create and rotate answers: the only ones that carry the secret. */
const WithSecret = z.object({
  webhook: PublicEventWebhookSchema,
  secret: z.string().describe("The HMAC-SHA256 key; shown this once"),
});
const TestResult = z.object({
  result: z.object({
    ok: z.boolean(),
    status: z.number(),
    detail: z.string(),
    deliveryId: z.string(),
  }),
});

export function eventWebhookRoutes(deps: Core) {
  // Mounted at /api/v1/event-webhooks.
  const app = new Hono<AppEnv>();
  app.use("*", requireAuth);
  const id = (c: Parameters<typeof idParam>[0]) => idParam(c, "id", "event webhook");

  app.get(
    "/",
    responds(z.object({ items: z.array(PublicEventWebhookSchema) }), "A team's event webhooks"),
    async (c) => {
      const items = await listEventWebhooks(deps, me(c).user, idQuery(c, "teamId"));
      return c.json({ items: items.map(publicEventWebhook) });
    },
  );

  app.post(
    "/",
    json(EventWebhookInputSchema),
    responds(WithSecret, "Creates an event webhook", 201),
    async (c) => {
      const s = await createEventWebhook(deps, me(c).user, c.req.valid("json"));
      return c.json({ webhook: publicEventWebhook(s), secret: s.secret }, 201);
    },
  );

  app.get("/:id", responds(One, "One event webhook"), async (c) => {
    const s = await getEventWebhookFor(deps, me(c).user, id(c));
    return c.json({ webhook: publicEventWebhook(s.value) });
  });

  app.patch(
    "/:id",
    json(EventWebhookUpdateSchema),
    responds(One, "Edits an event webhook"),
    async (c) => {
      const s = await updateEventWebhook(deps, me(c).user, id(c), c.req.valid("json"));
      return c.json({ webhook: publicEventWebhook(s) });
    },
  );

  app.delete("/:id", responds(z.object({ ok: z.literal(true) }), "Deletes one"), async (c) => {
    await deleteEventWebhook(deps, me(c).user, id(c));
    return c.json({ ok: true as const });
  });

  app.post("/:id/secret", responds(WithSecret, "Rotates the signing secret"), async (c) => {
    const s = await rotateEventWebhookSecret(deps, me(c).user, id(c));
    return c.json({ webhook: publicEventWebhook(s), secret: s.secret });
  });

  app.post("/:id/test", responds(TestResult, "Sends a test event now"), async (c) => {
    return c.json({ result: await testEventWebhook(deps, me(c).user, id(c)) });
  });

  app.get(
    "/:id/deliveries",
    responds(z.object({ items: z.array(DeliveryLogEntrySchema) }), "The delivery log"),
    async (c) => {
      return c.json({ items: await listEventWebhookLog(deps, me(c).user, id(c)) });
    },
  );

  return app;
}
