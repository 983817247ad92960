/** On-call schedules, escalation policies and reminder settings. */
import { Hono } from "hono";
import { z } from "zod";
import type { Core } from "../../lib/runtime.ts";
import { ApiError, notFound } from "../../lib/core/errors.ts";
import { EscalateInputSchema, escalateNow } from "../../lib/paging/escalation.ts";
import {
  createPolicy,
  getPolicyFor,
  listPolicies,
  PolicyInputSchema,
  PolicyUpdateSchema,
  setTeamPolicy,
  updatePolicy,
} from "../../lib/paging/policies.ts";
import {
  getReminderSettings,
  ReminderSettingsSchema,
  setReminderSettings,
} from "../../lib/paging/reminders.ts";
import { deletePolicy, deleteSchedule } from "../../lib/paging/removal.ts";
import { previewPolicy } from "../../lib/paging/preview.ts";
import { onCallNow } from "../../lib/paging/oncall_now.ts";
import { POLICY_PREVIEW_MINUTES_MAX } from "../../lib/core/config.ts";
import { parseDelivery } from "../../lib/alerts/sources/parse.ts";
import { getIntegration } from "../../lib/alerts/integrations.ts";
import type { Alert, AlertEvent } from "../../lib/alerts/model.ts";
import { getAlertFor } from "../../lib/alerts/queries.ts";
import { deleteDeadLetter, listDeadLetters, retryDeadLetter } from "../../lib/jobs/timers.ts";
import { dryRun, getRouting, RoutingInputSchema, setRouting } from "../../lib/alerts/routing.ts";
import {
  addOverride,
  createSchedule,
  deleteOverride,
  getScheduleFor,
  listSchedules,
  onCallAt,
  OverrideInputSchema,
  ScheduleInputSchema,
  ScheduleUpdateSchema,
  segments,
  toIcal,
  updateSchedule,
} from "../../lib/paging/schedules.ts";
import { authenticate } from "../../lib/accounts/sessions.ts";
import { assertTeamAccess } from "../../lib/accounts/teams.ts";
import { userNames } from "../../lib/accounts/users.ts";
import {
  type AppEnv,
  idParam,
  idQuery,
  json,
  keyParam,
  me,
  query,
  requireAdmin,
  requireAuth,
} from "../middleware.ts";

const AtQuerySchema = z.strictObject({ at: z.iso.datetime({ offset: true }).optional() });
const RangeQuerySchema = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional(),
  days: z.coerce.number().int().min(1).max(62).optional(),
});
const PreviewQuerySchema = z.strictObject({
  minutes: z.coerce.number().int().min(1).max(POLICY_PREVIEW_MINUTES_MAX).optional(),
});

// Long because: one route table per resource, handlers inline after their paths as Hono recommends.
export function scheduleRoutes(deps: Core) {
  const app = new Hono<AppEnv>();

  // Calendar apps cannot log in: the feed also takes a personal API token as ?token=.
  app.get("/:id/ical", async (c) => {
    const auth = c.get("auth") ?? await authenticate(deps, { bearer: c.req.query("token") });
    if (!auth) throw new ApiError("unauthorized", "log in, or add ?token=<personal API token>");
    const s = await getScheduleFor(deps.kv, auth.user, idParam(c, "id", "schedule"));
    const ics = toIcal(
      s,
      await userNames(
        deps.kv,
        s.layers.flatMap((l) => l.participants).concat(s.overrides.map((o) => o.userId)),
      ),
      deps.clock.now(),
    );
    return c.body(ics, 200, { "content-type": "text/calendar; charset=utf-8" });
  });

  app.use(requireAuth);

  app.post("/", json(ScheduleInputSchema), async (c) => {
    return c.json({ schedule: await createSchedule(deps, me(c).user, c.req.valid("json")) }, 201);
  });

  app.get("/", async (c) => {
    const user = me(c).user;
    const teamId = idQuery(c, "teamId");
    await assertTeamAccess(deps.kv, user, teamId, "member");
    return c.json({ items: await listSchedules(deps.kv, teamId) });
  });

  app.get("/:id", async (c) => {
    return c.json({
      schedule: await getScheduleFor(deps.kv, me(c).user, idParam(c, "id", "schedule")),
    });
  });

  app.get("/:id/oncall", query(AtQuerySchema), async (c) => {
    const s = await getScheduleFor(deps.kv, me(c).user, idParam(c, "id", "schedule"));
    const { at } = c.req.valid("query");
    const t = at ? Date.parse(at) : deps.clock.now();
    const who = onCallAt(s, t);
    return c.json({
      at: new Date(t).toISOString(),
      oncall: who ? { ...who, name: (await userNames(deps.kv, [who.userId]))[who.userId] } : null,
    });
  });

  app.get("/:id/shifts", query(RangeQuerySchema), async (c) => {
    const s = await getScheduleFor(deps.kv, me(c).user, idParam(c, "id", "schedule"));
    const q = c.req.valid("query");
    const from = q.from ? Date.parse(q.from) : deps.clock.now();
    const items = segments(s, from, from + (q.days ?? 14) * 86_400_000);
    const n = await userNames(deps.kv, items.map((x) => x.userId));
    return c.json({ items: items.map((x) => ({ ...x, name: n[x.userId] })) });
  });

  app.put("/:id", json(ScheduleUpdateSchema), async (c) => {
    const s = await updateSchedule(
      deps,
      me(c).user,
      idParam(c, "id", "schedule"),
      c.req.valid("json"),
    );
    return c.json({ schedule: s });
  });

  app.delete("/:id", async (c) => {
    await deleteSchedule(deps, me(c).user, idParam(c, "id", "schedule"));
    return c.json({ ok: true });
  });

  app.post("/:id/overrides", json(OverrideInputSchema), async (c) => {
    const s = await addOverride(
      deps,
      me(c).user,
      idParam(c, "id", "schedule"),
      c.req.valid("json"),
    );
    return c.json({ schedule: s }, 201);
  });

  app.delete("/:id/overrides/:overrideId", async (c) => {
    const s = await deleteOverride(
      deps,
      me(c).user,
      idParam(c, "id", "schedule"),
      idParam(c, "overrideId", "override"),
    );
    return c.json({ schedule: s });
  });

  return app;
}

export function policyRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  app.use(requireAuth);

  app.post("/", json(PolicyInputSchema), async (c) => {
    return c.json({ policy: await createPolicy(deps, me(c).user, c.req.valid("json")) }, 201);
  });

  app.get("/", async (c) => {
    const user = me(c).user;
    const teamId = idQuery(c, "teamId");
    await assertTeamAccess(deps.kv, user, teamId, "member");
    return c.json({ items: await listPolicies(deps.kv, teamId) });
  });

  app.get("/:id", async (c) => {
    return c.json({
      policy: await getPolicyFor(deps.kv, me(c).user, idParam(c, "id", "policy")),
    });
  });

  app.put("/:id", json(PolicyUpdateSchema), async (c) => {
    const policy = await updatePolicy(
      deps,
      me(c).user,
      idParam(c, "id", "policy"),
      c.req.valid("json"),
    );
    return c.json({ policy });
  });

  app.delete("/:id", async (c) => {
    await deletePolicy(deps, me(c).user, idParam(c, "id", "policy"));
    return c.json({ ok: true });
  });

  // Who would be paged when, if nobody acknowledges (the next hour unless ?minutes= says otherwise).
  app.get("/:id/preview", query(PreviewQuerySchema), async (c) => {
    const policy = await getPolicyFor(deps.kv, me(c).user, idParam(c, "id", "policy"));
    const now = deps.clock.now();
    const items = await previewPolicy(deps, policy, now, c.req.valid("query").minutes ?? 60);
    const names = await userNames(deps.kv, items.flatMap((x) => x.userIds));
    return c.json({ from: new Date(now).toISOString(), items, names });
  });

  return app;
}

const DryRunInputSchema = z.strictObject({
  integrationId: z.string().min(1).max(64).optional(),
  /** The payload as the tool would send it (JSON as a string, or plain text). */
  body: z.string().max(512 * 1024).optional(),
  /** Instead of a payload: one of the team's alerts, as if it arrived again. */
  alertId: z.string().min(1).max(64).optional(),
  title: z.string().max(300).optional(),
  priority: z.string().max(20).optional(),
  at: z.iso.datetime({ offset: true }).optional(),
}).refine(
  (q) => q.alertId ? q.body === undefined : q.integrationId && q.body !== undefined,
  "give integrationId and body, or alertId",
);

/** A stored alert as the event that would open it again (for the dry run). */
function replay(a: Alert): AlertEvent {
  return {
    key: a.key,
    action: "trigger",
    title: a.title,
    summary: a.summary,
    source: a.source,
    severity: null,
    priority: a.priority,
    labels: a.labels,
    annotations: a.annotations,
    links: [],
    images: [],
  };
}

// Long because: one route table per resource, handlers inline after their paths as Hono recommends.
export function pagingRoutes(deps: Core) {
  // Mounted at /api/v1: authentication per route, so that nothing else under /api/v1 is affected.
  const app = new Hono<AppEnv>();

  app.put(
    "/teams/:id/escalation-policy",
    requireAuth,
    json(z.strictObject({ policyId: z.string().max(64).nullable() })),
    async (c) => {
      await setTeamPolicy(deps, me(c).user, idParam(c, "id", "team"), c.req.valid("json").policyId);
      return c.json({ ok: true });
    },
  );

  app.get("/teams/:id/oncall", requireAuth, async (c) => {
    const teamId = idParam(c, "id", "team");
    await assertTeamAccess(deps.kv, me(c).user, teamId, "member");
    return c.json({ items: await onCallNow(deps.kv, teamId, deps.clock.now()) });
  });

  app.get("/teams/:id/routing", requireAuth, async (c) => {
    const user = me(c).user;
    const teamId = idParam(c, "id", "team");
    await assertTeamAccess(deps.kv, user, teamId, "member");
    return c.json({ routing: await getRouting(deps.kv, teamId) });
  });

  app.put("/teams/:id/routing", requireAuth, json(RoutingInputSchema), async (c) => {
    const routing = await setRouting(
      deps,
      me(c).user,
      idParam(c, "id", "team"),
      c.req.valid("json").routes,
    );
    return c.json({ routing });
  });

  app.post("/teams/:id/routing/dry-run", requireAuth, json(DryRunInputSchema), async (c) => {
    const user = me(c).user;
    const teamId = idParam(c, "id", "team");
    await assertTeamAccess(deps.kv, user, teamId, "member");
    const q = c.req.valid("json");
    const alert = q.alertId ? await getAlertFor(deps.kv, user, q.alertId) : null;
    if (alert && alert.teamId !== teamId) throw notFound("alert");
    const integration = await getIntegration(deps.kv, alert?.integrationId ?? q.integrationId!);
    if (!integration || integration.teamId !== teamId) throw notFound("integration");
    const at = q.at ? Date.parse(q.at) : deps.clock.now();
    const { events } = alert ? { events: [replay(alert)] } : await parseDelivery(
      integration.type,
      q.body!,
      { title: q.title, priority: q.priority, newDedupKey: () => `dry-run-${at}` },
    );
    return c.json({
      at: new Date(at).toISOString(),
      results: await dryRun(deps, teamId, events, integration, at),
    });
  });

  app.post("/alerts/:id/escalate", requireAuth, json(EscalateInputSchema), async (c) => {
    const via = c.req.valid("json")?.via;
    await escalateNow(deps, me(c).user, idParam(c, "id", "alert"), via);
    return c.json({ ok: true });
  });

  app.get("/admin/dead-letters", requireAdmin, async (c) => {
    return c.json({ items: await listDeadLetters(deps.kv) });
  });

  app.post("/admin/dead-letters/:id/retry", requireAdmin, async (c) => {
    if (!(await retryDeadLetter(deps, keyParam(c, "id", "dead letter")))) {
      throw notFound("dead letter");
    }
    return c.json({ ok: true });
  });

  app.delete("/admin/dead-letters/:id", requireAdmin, async (c) => {
    if (!(await deleteDeadLetter(deps, keyParam(c, "id", "dead letter")))) {
      throw notFound("dead letter");
    }
    return c.json({ ok: true });
  });

  app.get(
    "/settings/reminders",
    requireAuth,
    async (c) => c.json({ reminders: await getReminderSettings(deps.kv) }),
  );
  app.put("/settings/reminders", requireAdmin, json(ReminderSettingsSchema), async (c) => {
    await setReminderSettings(deps.kv, c.req.valid("json"));
    return c.json({ reminders: await getReminderSettings(deps.kv) });
  });

  return app;
}
