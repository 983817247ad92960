/**
 * PagerDuty's Events API v2 at its own path, POST /v2/enqueue: the `routing_key` in the body
 * selects the integration, so a PagerDuty sender (pdjs, go-pagerduty, Alertmanager's
 * `pagerduty_configs`, Grafana's PagerDuty contact point, Zabbix's PagerDuty media type) only
 * needs its base URL changed. It answers in PagerDuty's own shapes: 202 {status, message,
 * dedup_key}, 400 {status: "invalid event", message, errors}, 429 with Retry-After.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { parseDelivery } from "../lib/alerts/sources/parse.ts";
import { getIntegrationByToken } from "../lib/alerts/integrations.ts";
import type { Core } from "../lib/runtime.ts";
import { ApiError } from "../lib/core/errors.ts";
import { ulid } from "../lib/core/ids.ts";
import { ingestDelivery } from "./hooks.ts";
import type { AppEnv } from "./middleware.ts";

export function pagerdutyRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  app.post(
    "/enqueue",
    async (c, next) => {
      c.set("errorStyle", { kind: "hook", events: true, pagerduty: true });
      await next();
    },
    bodyLimit({
      maxSize: deps.config.hookMaxBodyBytes,
      onError: () => {
        throw new ApiError("payload_too_large", `body over ${deps.config.hookMaxBodyBytes} bytes`);
      },
    }),
    async (c) => {
      const body = await c.req.text();
      const parsed = await parseDelivery("events", body, {
        newDedupKey: () => ulid(deps.clock.now()),
      });
      const integration = parsed.routingKey
        ? await getIntegrationByToken(deps.kv, parsed.routingKey)
        : null;
      // An unknown key can never succeed: 400, as PagerDuty answers it (never a retry loop).
      if (!integration || integration.type !== "events") {
        throw new ApiError(
          "invalid_input",
          "routing_key: no events integration in Tocsin has this routing key",
        );
      }
      await ingestDelivery(deps, c, integration, parsed.events, body);
      return c.json(
        { status: "success", message: "Event processed", dedup_key: parsed.dedupKey },
        202,
      );
    },
  );
  return app;
}
