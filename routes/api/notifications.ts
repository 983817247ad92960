/** Contact methods, personal notification rules, deliveries, and providers (admins). */
import { Hono } from "hono";
import type { Alert } from "../../lib/alerts/model.ts";
import { getAlertFor } from "../../lib/alerts/queries.ts";
import {
  addContact,
  ContactInputSchema,
  deleteContact,
  getNotifyRules,
  listContacts,
  NotifyRulesSchema,
  publicContact,
  setNotifyRules,
  verifyContact,
} from "../../lib/notify/contacts.ts";
import {
  listAlertDeliveries,
  listDeliveriesOf,
  sendVerification,
} from "../../lib/notify/deliveries.ts";
import type { Core } from "../../lib/runtime.ts";
import {
  createProvider,
  deleteProvider,
  getProvider,
  listProviders,
  ProviderInputSchema,
  publicProvider,
  reorderProviders,
  updateProvider,
} from "../../lib/notify/providers.ts";
import { ProbeInputSchema, probeProvider } from "../../lib/notify/probe.ts";
import { z } from "zod";
import { notFound } from "../../lib/core/errors.ts";
import {
  createdRobot,
  createRobot,
  deleteRobot,
  listRobots,
  publicRobot,
  RobotInputSchema,
  RobotUpdateSchema,
  testRobot,
  updateRobot,
} from "../../lib/notify/robots.ts";
import { assertTeamAccess } from "../../lib/accounts/teams.ts";
import {
  allTemplates,
  getTemplate,
  LangSchema,
  render,
  SAMPLE,
  setTemplate,
  TemplateChannelSchema,
  TemplateSchema,
  VARIABLES,
} from "../../lib/notify/templates.ts";
import {
  type AppEnv,
  idParam,
  idQuery,
  json,
  me,
  requireAdmin,
  requireAuth,
} from "../middleware.ts";

// Long because: one route table per resource, handlers inline after their paths as Hono recommends.
export function notificationRoutes(deps: Core) {
  // Mounted at /api/v1: authentication per route.
  const app = new Hono<AppEnv>();

  app.get("/me/contacts", requireAuth, async (c) => {
    return c.json({ items: (await listContacts(deps.kv, me(c).user.id)).map(publicContact) });
  });

  app.post("/me/contacts", requireAuth, json(ContactInputSchema), async (c) => {
    const contact = await addContact(
      deps,
      me(c).user,
      c.req.valid("json"),
      (ct, code) => sendVerification(deps, ct, code),
    );
    // A webhook contact's signing secret is shown this once.
    return c.json({
      contact: publicContact(contact),
      ...(contact.secret ? { secret: contact.secret } : {}),
    }, 201);
  });

  app.post(
    "/me/contacts/:id/verify",
    requireAuth,
    json(z.strictObject({ code: z.string().min(1).max(20) })),
    async (c) => {
      const contact = await verifyContact(
        deps,
        me(c).user,
        idParam(c, "id", "contact"),
        c.req.valid("json").code,
      );
      return c.json({ contact: publicContact(contact) });
    },
  );

  app.delete("/me/contacts/:id", requireAuth, async (c) => {
    await deleteContact(deps, me(c).user.id, idParam(c, "id", "contact"));
    return c.json({ ok: true });
  });

  app.get("/me/notification-rules", requireAuth, async (c) => {
    return c.json({ rules: await getNotifyRules(deps.kv, me(c).user.id) });
  });

  app.put("/me/notification-rules", requireAuth, json(NotifyRulesSchema), async (c) => {
    await setNotifyRules(deps, me(c).user.id, c.req.valid("json"));
    return c.json({ rules: await getNotifyRules(deps.kv, me(c).user.id) });
  });

  app.get("/me/deliveries", requireAuth, async (c) => {
    return c.json({ items: await listDeliveriesOf(deps.kv, me(c).user.id) });
  });

  app.get("/alerts/:id/deliveries", requireAuth, async (c) => {
    const alert: Alert = await getAlertFor(deps.kv, me(c).user, idParam(c, "id", "alert"));
    return c.json({ items: await listAlertDeliveries(deps.kv, alert.id) });
  });

  app.post("/robots", requireAuth, json(RobotInputSchema), async (c) => {
    return c.json(
      // The URL is the robot's credential on most platforms: shown in full only here.
      { robot: createdRobot(await createRobot(deps, me(c).user, c.req.valid("json"))) },
      201,
    );
  });

  app.get("/robots", requireAuth, async (c) => {
    const user = me(c).user;
    const teamId = idQuery(c, "teamId");
    await assertTeamAccess(deps.kv, user, teamId, "member");
    return c.json({ items: (await listRobots(deps.kv, teamId)).map(publicRobot) });
  });

  app.put("/robots/:id", requireAuth, json(RobotUpdateSchema), async (c) => {
    const r = await updateRobot(deps, me(c).user, idParam(c, "id", "robot"), c.req.valid("json"));
    return c.json({ robot: publicRobot(r) });
  });

  app.post("/robots/:id/test", requireAuth, async (c) => {
    return c.json({ result: await testRobot(deps, me(c).user, idParam(c, "id", "robot")) });
  });

  app.delete("/robots/:id", requireAuth, async (c) => {
    await deleteRobot(deps, me(c).user, idParam(c, "id", "robot"));
    return c.json({ ok: true });
  });

  app.get("/templates", requireAdmin, async (c) => {
    return c.json({ items: await allTemplates(deps.kv), variables: VARIABLES });
  });

  app.put("/templates/:channel/:lang", requireAdmin, json(TemplateSchema), async (c) => {
    const channel = TemplateChannelSchema.safeParse(c.req.param("channel"));
    const lang = LangSchema.safeParse(c.req.param("lang"));
    if (!channel.success || !lang.success) throw notFound("template");
    await setTemplate(deps.kv, channel.data, lang.data, c.req.valid("json"));
    return c.json({ template: await getTemplate(deps.kv, channel.data, lang.data) });
  });

  app.delete("/templates/:channel/:lang", requireAdmin, async (c) => {
    const channel = TemplateChannelSchema.safeParse(c.req.param("channel"));
    const lang = LangSchema.safeParse(c.req.param("lang"));
    if (!channel.success || !lang.success) throw notFound("template");
    await setTemplate(deps.kv, channel.data, lang.data, null);
    return c.json({ template: await getTemplate(deps.kv, channel.data, lang.data) });
  });

  app.post(
    "/templates/preview",
    requireAdmin,
    json(z.strictObject({ subject: z.string().max(300).optional(), body: z.string().max(4_000) })),
    (c) => {
      const { subject, body } = c.req.valid("json");
      return c.json({
        subject: subject === undefined ? null : render(subject, SAMPLE),
        body: render(body, SAMPLE),
      });
    },
  );

  app.get("/providers", requireAdmin, async (c) => {
    return c.json({ items: (await listProviders(deps.kv)).map(publicProvider) });
  });

  app.post("/providers", requireAdmin, json(ProviderInputSchema), async (c) => {
    return c.json(
      { provider: publicProvider(await createProvider(deps, c.req.valid("json"))) },
      201,
    );
  });

  app.post(
    "/providers/reorder",
    requireAdmin,
    json(z.strictObject({ ids: z.array(z.string().max(64)).max(100) })),
    async (c) => {
      const items = await reorderProviders(deps.kv, c.req.valid("json").ids);
      return c.json({ items: items.map(publicProvider) });
    },
  );

  // The edit is validated in updateProvider: secrets left out keep the saved ones first.
  app.put("/providers/:id", requireAdmin, json(z.unknown()), async (c) => {
    const p = await updateProvider(deps, idParam(c, "id", "provider"), c.req.valid("json"));
    return c.json({ provider: publicProvider(p) });
  });

  app.post("/providers/:id/test", requireAdmin, json(ProbeInputSchema), async (c) => {
    const p = await getProvider(deps.kv, idParam(c, "id", "provider"));
    return c.json({ result: await probeProvider(deps, p, c.req.valid("json")) });
  });

  app.delete("/providers/:id", requireAdmin, async (c) => {
    await deleteProvider(deps.kv, idParam(c, "id", "provider"));
    return c.json({ ok: true });
  });

  return app;
}
