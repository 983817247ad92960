/**
 * `GET /metrics`: Prometheus text format (lib/ops/metrics.ts), for a scraper that carries
 * TOCSIN_METRICS_TOKEN as a bearer token, or that connects from an address in
 * TOCSIN_METRICS_ALLOW (this host only, by default). Also the middleware that counts every HTTP
 * request by its matched route pattern.
 */
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { Core } from "../lib/runtime.ts";
import { ApiError } from "../lib/core/errors.ts";
import { timingSafeEqual } from "../lib/core/crypto.ts";
import { type Cidr, inAnyCidr, parseCidr, parseIp } from "../lib/core/ip.ts";
import {
  httpRequests,
  METRICS_CONTENT_TYPE,
  renderMetrics,
  statusClass,
} from "../lib/ops/metrics.ts";
import { readTimerState } from "../lib/ops/timer_state.ts";
import { type AppEnv, clientIp } from "./middleware.ts";

export function metricsRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  const allow = deps.config.metricsAllow.map(parseCidr).filter((r): r is Cidr => r !== null);
  app.get("/", async (c) => {
    if (!admitted(deps, c, allow)) {
      throw new ApiError(
        "unauthorized",
        "metrics need the bearer token (TOCSIN_METRICS_TOKEN) or an allowed address",
      );
    }
    const body = await renderMetrics({
      hub: deps.hub,
      fanout: deps.fanout,
      timerCounts: () => readTimerState(deps),
    });
    return c.body(body, 200, {
      "content-type": METRICS_CONTENT_TYPE,
      "cache-control": "no-store",
    });
  });
  return app;
}

function admitted(deps: Core, c: Context, allow: Cidr[]): boolean {
  const token = deps.config.metricsToken;
  const m = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
  if (token && m && timingSafeEqual(m[1], token)) return true;
  // A request relayed by a proxy Tocsin does not trust comes from the proxy's address, often
  // loopback: that address says nothing about the client, so only the token admits it.
  const relayed = ["x-forwarded-for", "forwarded", "x-real-ip"].some((h) => c.req.header(h));
  if (relayed && !deps.config.trustProxy) return false;
  const ip = parseIp(clientIp(deps, c));
  return ip !== null && inAnyCidr(ip, allow);
}

/**
 * Counts each request by the route pattern that answered it (`/api/v1/alerts/:id`, never the raw
 * path, so that ids do not make new series), its method and its status class.
 */
export function countRequests(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    try {
      await next();
    } finally {
      const routes = matchedRoutes(c).filter((r) => r.method !== "ALL");
      const route = routes.at(-1)?.path ?? "unmatched";
      const method = /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$/.test(c.req.method)
        ? c.req.method
        : "OTHER";
      httpRequests.inc({ route, method, status_class: statusClass(c.res.status) });
    }
  };
}
