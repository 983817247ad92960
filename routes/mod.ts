/**
 * createApp: the one mount table of Tocsin's HTTP API. Handlers live in the
 * sub-apps; errors of every kind are rendered here, once.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import type { Assets } from "../lib/assets.ts";
import type { Core } from "../lib/runtime.ts";
import { ApiError } from "../lib/core/errors.ts";
import { alertRoutes } from "./api/alerts.ts";
import { authRoutes } from "./api/auth.ts";
import { automationRoutes } from "./api/automation.ts";
import { conversationRoutes } from "./api/conversations.ts";
import { integrationRoutes } from "./api/integrations.ts";
import { notificationRoutes } from "./api/notifications.ts";
import { ackRoutes } from "./ack.ts";
import { pagingRoutes, policyRoutes, scheduleRoutes } from "./api/oncall.ts";
import { teamRoutes } from "./api/teams.ts";
import { tokenRoutes } from "./api/tokens.ts";
import { userRoutes } from "./api/users.ts";
import { eventRoutes } from "./events.ts";
import { hookRoutes } from "./hooks.ts";
import { type AppEnv, authenticateRequest, checkOrigin } from "./middleware.ts";
import { pageRoutes } from "./pages.tsx";
import { wsRoutes } from "./ws.ts";

/** Builds the app. `assets` is the built browser bundle; without it pages answer 503 and the API works. */
export function createApp(deps: Core, opts: { assets?: Assets | null } = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use(secureHeaders({ crossOriginResourcePolicy: "same-origin" }));
  app.use("/api/*", async (c, next) => {
    await next();
    c.header("cache-control", "no-store");
  });
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: deps.config.maxBodyBytes,
      onError: () => {
        throw new ApiError(
          "payload_too_large",
          `request body over ${deps.config.maxBodyBytes} bytes`,
        );
      },
    }),
  );
  app.use("/api/*", checkOrigin(deps));
  app.use("/api/*", authenticateRequest(deps));

  app.get("/healthz", async (c) => {
    await deps.kv.get(["healthz"]);
    return c.json({ ok: true, ...deps.hub.stats() });
  });

  app.route("/api/v1", authRoutes(deps));
  app.route("/api/v1/users", userRoutes(deps));
  app.route("/api/v1/tokens", tokenRoutes(deps));
  app.route("/api/v1/teams", teamRoutes(deps));
  app.route("/api/v1/conversations", conversationRoutes(deps));
  app.route("/api/v1/ws", wsRoutes(deps));
  app.route("/api/v1/integrations", integrationRoutes(deps));
  app.route("/api/v1/alerts", alertRoutes(deps));
  app.route("/api/v1/schedules", scheduleRoutes(deps));
  app.route("/api/v1/escalation-policies", policyRoutes(deps));
  app.route("/api/v1/automation-rules", automationRoutes(deps));
  app.route("/api/v1", pagingRoutes(deps));
  app.route("/api/v1", notificationRoutes(deps));
  app.route("/ack", ackRoutes(deps));
  app.route("/api/v1", eventRoutes(deps));
  app.route("/hooks", hookRoutes(deps));
  app.route("/", pageRoutes(deps, opts.assets ?? null));

  app.notFound((c) =>
    c.json(new ApiError("not_found", `no route for ${c.req.method} ${c.req.path}`).toJSON(), 404)
  );

  app.onError((err, c) => {
    let e: ApiError;
    if (err instanceof ApiError) e = err;
    else if (err instanceof HTTPException && err.status === 400) {
      e = new ApiError("invalid_json", "the body is not valid JSON");
    } else if (err instanceof HTTPException && err.status === 413) {
      e = new ApiError("payload_too_large", "request body too large");
    } else {
      console.error(`${c.req.method} ${c.req.path} failed`, err);
      e = new ApiError("internal", "internal error");
    }
    if (e.retryAfter) c.header("retry-after", String(e.retryAfter));
    return c.json(e.toJSON(), e.status as 400);
  });

  return app;
}
