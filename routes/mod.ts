/**
 * createApp: the one mount table of Tocsin's HTTP API. Handlers live in the
 * sub-apps; errors of every kind are rendered here, once.
 */
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { matchedRoutes } from "hono/route";
import type { Assets } from "../lib/assets.ts";
import { checkHealth, type Core } from "../lib/runtime.ts";
import { ApiError } from "../lib/core/errors.ts";
import { checkReady } from "../lib/ops/ready.ts";
import { alertRoutes } from "./api/alerts.ts";
import { alertExportRoutes } from "./api/alert_exports.ts";
import { auditRoutes } from "./api/audit.ts";
import { sessionRoutes } from "./api/sessions.ts";
import { authRoutes } from "./api/auth.ts";
import { automationRoutes } from "./api/automation.ts";
import { fileRoutes } from "./api/files.ts";
import { groupAdminRoutes } from "./api/group_admin.ts";
import { sensitiveWordRoutes } from "./api/sensitive_words.ts";
import { conversationRoutes } from "./api/conversations.ts";
import { messageRoutes } from "./api/messages.ts";
import { chatExtraRoutes } from "./api/chat_extras.ts";
import { integrationRoutes } from "./api/integrations.ts";
import { notificationRoutes } from "./api/notifications.ts";
import { pushRoutes } from "./api/push.ts";
import { dingRoutes } from "./api/dings.ts";
import { dingLinkRoutes } from "./ding_links.ts";
import { ackRoutes } from "./ack.ts";
import { pagingRoutes, policyRoutes, scheduleRoutes } from "./api/oncall.ts";
import { teamRoutes } from "./api/teams.ts";
import { tokenRoutes } from "./api/tokens.ts";
import { userRoutes } from "./api/users.ts";
import { accountLinkRoutes } from "./api/account_links.ts";
import { USER_IMPORT_PATH, userSyncRoutes } from "./api/user_sync.ts";
import { scimRoutes } from "./scim.ts";
import { directoryRoutes } from "./api/directory.ts";
import { announcementRoutes } from "./api/announcements.ts";
import { eventRoutes } from "./events.ts";
import { eventWebhookRoutes } from "./api/event_webhooks.ts";
import { hookRoutes } from "./hooks.ts";
import { pagerdutyRoutes } from "./pagerduty.ts";
import { pingRoutes } from "./ping.ts";
import { heartbeatRoutes } from "./api/heartbeats.ts";
import { silenceRoutes } from "./api/silences.ts";
import { searchRoutes } from "./api/search.ts";
import { reportRoutes } from "./api/reports.ts";
import { escapeHtml, htmlPage } from "./html.ts";
import {
  type AppEnv,
  authenticateRequest,
  checkOrigin,
  clientIp,
  type ErrorStyle,
} from "./middleware.ts";
import { withRequestMeta } from "../lib/audit/context.ts";
import { serveOpenApi } from "./openapi.ts";
import { pageRoutes } from "./pages.tsx";
import { wsRoutes } from "./ws.ts";
import { countRequests, metricsRoutes } from "./metrics.ts";
import { systemRoutes } from "./api/system.ts";
import { log } from "../lib/core/log.ts";
import { ssoRoutes } from "./api/sso.ts";

/**
 * Builds the app. `assets` is the built browser bundle; without it pages answer 503 and the API works.
 * Long because: the one table of every mount, in the order Hono matches them.
 */
export function createApp(deps: Core, opts: { assets?: Assets | null } = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use(countRequests());
  app.use(secureHeaders({ crossOriginResourcePolicy: "same-origin" }));
  app.use("/api/*", async (c, next) => {
    await next();
    // A route that names its own caching (a versioned avatar URL) keeps it.
    if (!c.res.headers.has("cache-control")) c.header("cache-control", "no-store");
  });
  const apiBodyLimit = bodyLimit({
    maxSize: deps.config.maxBodyBytes,
    onError: () => {
      throw new ApiError(
        "payload_too_large",
        `request body over ${deps.config.maxBodyBytes} bytes`,
      );
    },
  });
  // The CSV import carries a file: it applies its own limit (TOCSIN_CSV_IMPORT_MAX_BYTES).
  app.use("/api/*", (c, next) => c.req.path === USER_IMPORT_PATH ? next() : apiBodyLimit(c, next));
  app.use("/api/*", checkOrigin(deps));
  app.use("/api/*", authenticateRequest(deps));
  // Who asks and from where, for the audit entries the request's actions write (lib/audit/);
  // an acknowledge link's request too (its actor is the link's user).
  const requestScope: MiddlewareHandler<AppEnv> = (c, next) => {
    const user = c.get("auth")?.user;
    return withRequestMeta({
      ip: clientIp(deps, c),
      userAgent: c.req.header("user-agent") ?? "",
      actor: user ? { id: user.id, name: user.name, email: user.email } : undefined,
    }, next);
  };
  app.use("/api/*", requestScope);
  app.use("/ack/*", requestScope);

  // Liveness for anyone; the counts (users and connections online) only for admins.
  app.get("/healthz", authenticateRequest(deps), async (c) => {
    const health = await checkHealth(deps);
    return c.json(c.get("auth")?.user.role === "admin" ? health : { ok: health.ok });
  });
  // Readiness for load balancers: 503 while KV refuses writes or the timer engine is stopped.
  app.get("/readyz", async (c) => {
    const r = await checkReady(deps);
    c.header("cache-control", "no-store");
    if (r.ready) return c.json({ ready: true, checks: r.checks });
    const why = Object.entries(r.checks).filter(([, v]) => v !== "ok").map(([k, v]) =>
      `${k}: ${v}`
    );
    return c.json(
      { ...new ApiError("unavailable", `not ready: ${why.join("; ")}`).toJSON(), ...r },
      503,
    );
  });

  serveOpenApi(app);

  app.route("/metrics", metricsRoutes(deps));
  app.route("/api/v1", authRoutes(deps));
  app.route("/api/v1/users", userRoutes(deps));
  app.route("/api/v1", accountLinkRoutes(deps));
  app.route("/api/v1", userSyncRoutes(deps));
  app.route("/scim/v2", scimRoutes(deps));
  app.route("/api/v1", directoryRoutes(deps));
  app.route("/api/v1/announcements", announcementRoutes(deps));
  app.route("/api/v1/system", systemRoutes(deps));
  app.route("/api/v1/tokens", tokenRoutes(deps));
  app.route("/api/v1/teams", teamRoutes(deps));
  // Before the conversations' catch-all for unknown sub-paths.
  app.route("/api/v1", dingRoutes(deps));
  app.route("/api/v1/conversations", messageRoutes(deps));
  app.route("/api/v1", chatExtraRoutes(deps));
  app.route("/api/v1", fileRoutes(deps));
  app.route("/api/v1", groupAdminRoutes(deps));
  app.route("/api/v1/sensitive-words", sensitiveWordRoutes(deps));
  app.route("/api/v1/conversations", conversationRoutes(deps));
  app.route("/api/v1/ws", wsRoutes(deps));
  app.route("/api/v1/integrations", integrationRoutes(deps));
  app.route("/api/v1/alerts", alertExportRoutes(deps));
  app.route("/api/v1/alerts", alertRoutes(deps));
  app.route("/api/v1/audit", auditRoutes(deps));
  app.route("/api/v1/me/sessions", sessionRoutes(deps));
  app.route("/api/v1/schedules", scheduleRoutes(deps));
  app.route("/api/v1/escalation-policies", policyRoutes(deps));
  app.route("/api/v1/automation-rules", automationRoutes(deps));
  app.route("/api/v1/event-webhooks", eventWebhookRoutes(deps));
  app.route("/api/v1", pagingRoutes(deps));
  app.route("/api/v1", notificationRoutes(deps));
  app.route("/api/v1", pushRoutes(deps));
  app.route("/ding", dingLinkRoutes(deps));
  app.route("/ack", ackRoutes(deps));
  app.route("/api/v1", eventRoutes(deps));
  app.route("/hooks", hookRoutes(deps));
  app.route("/v2", pagerdutyRoutes(deps));
  app.route("/ping", pingRoutes(deps));
  app.route("/api/v1/heartbeats", heartbeatRoutes(deps));
  app.route("/api/v1/silences", silenceRoutes(deps));
  app.route("/api/v1/search", searchRoutes(deps));
  app.route("/api/v1/reports", reportRoutes(deps));
  app.route("/", ssoRoutes(deps));
  app.route("/", pageRoutes(deps, opts.assets ?? null));

  app.notFound((c) =>
    c.json(new ApiError("not_found", `no route for ${c.req.method} ${c.req.path}`).toJSON(), 404)
  );

  app.onError((err, c) => {
    const style = c.get("errorStyle");
    const e = style?.kind === "hook" ? hookError(err, style.pagerduty === true) : apiError(err, c);
    if (e.retryAfter) c.header("retry-after", String(e.retryAfter));
    return renderError(c, e, style);
  });

  return app;
}

/** Any error as an ApiError: Hono's body errors keep their meaning, the rest are 500. */
function apiError(err: Error, c: Context): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException && err.status === 400) {
    return new ApiError("invalid_json", "the body is not valid JSON");
  }
  if (err instanceof HTTPException && err.status === 413) {
    return new ApiError("payload_too_large", "request body too large");
  }
  // One line, whatever the path and client put in it (c.req.path is percent-decoded): the
  // logger escapes control characters.
  const ua = c.req.header("user-agent") ?? "-";
  log.error(`${c.req.method} ${loggedPath(c)} failed (user-agent: ${ua}):`, err);
  return new ApiError("internal", "internal error");
}

/**
 * The path as logged: a credential carried in the path (an acknowledge link's `/ack/:token`) is
 * blanked, by the matched route's parameter names; a path no route matched is logged as it came.
 */
function loggedPath(c: Context): string {
  const route = matchedRoutes(c).filter((r) => r.method !== "ALL").at(-1)?.path;
  if (!route || !/:\w*(token|secret|key)/i.test(route)) return c.req.path;
  return route.replace(
    /:(\w+)/g,
    (_, name: string) => /token|secret|key/i.test(name) ? "***" : c.req.param(name) ?? "",
  );
}

/** Seconds a webhook sender waits before retrying a 503 that names no delay. */
const HOOK_RETRY_AFTER_S = 5;

/**
 * A webhook's error: its sender retries only 5xx (Alertmanager drops an alert
 * for good on any 4xx), so Tocsin's own failures and every load-shedding
 * answer are 503 with Retry-After. On PagerDuty's path (`pagerduty`) they are
 * PagerDuty's 429 with Retry-After instead, which its clients retry.
 */
function hookError(err: Error, pagerduty = false): ApiError {
  if (err instanceof ApiError && err.status !== 500) {
    const shed = err.status === 503 || err.status === 429;
    if (!shed) return err;
    const retryAfter = err.retryAfter ?? HOOK_RETRY_AFTER_S;
    return new ApiError(pagerduty ? "rate_limited" : "unavailable", err.message, retryAfter);
  }
  log.error("hooks: ingest failed", err);
  return new ApiError(
    "unavailable",
    "Tocsin could not store the alert; retry",
    (err as ApiError).retryAfter ?? HOOK_RETRY_AFTER_S,
  );
}

function renderError(c: Context, e: ApiError, style: ErrorStyle | undefined): Response {
  if (style?.kind === "page") {
    return htmlPage(c, style.title, `<p>${escapeHtml(e.message)}</p>`, e.status);
  }
  // The Events API answers bad input in PagerDuty's own shape.
  if (style?.kind === "hook" && style.events && e.status === 400) {
    return c.json({ status: "invalid event", message: e.message, errors: [e.message] }, 400);
  }
  if (style?.kind === "hook" && style.pagerduty && e.status === 429) {
    return c.json({ status: "throttle event", message: e.message }, 429);
  }
  return c.json(e.toJSON(), e.status as 400);
}
