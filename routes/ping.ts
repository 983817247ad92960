/**
 * Heartbeat pings: GET or POST /ping/:id, the token in `?token=` or `Authorization: Bearer`.
 * Answers 200 once the ping is committed; 404 and 401 for a wrong id or token, and 503 (with
 * Retry-After) for Tocsin's own failures, so that a job's retry loop tries again.
 */
import { type Context, Hono } from "hono";
import { pingHeartbeat } from "../lib/alerts/heartbeats.ts";
import { ApiError } from "../lib/core/errors.ts";
import { isUlid } from "../lib/core/ids.ts";
import type { Core } from "../lib/runtime.ts";
import type { AppEnv } from "./middleware.ts";

export function pingRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  const route = async (c: Context<AppEnv>) => {
    c.set("errorStyle", { kind: "hook", events: false });
    const id = c.req.param("id") ?? "";
    if (!isUlid(id)) throw new ApiError("not_found", "no such heartbeat");
    const h = c.req.header("authorization");
    const bearer = h ? /^Bearer\s+(\S+)$/i.exec(h)?.[1] : undefined;
    const r = await pingHeartbeat(deps, id, bearer ?? c.req.query("token") ?? null);
    return c.json({ ok: true, ...r });
  };
  app.get("/:id", route);
  app.post("/:id", route);
  return app;
}
