/**
 * Inbound webhooks: POST (or PUT) /hooks/:integrationId. Answers 2xx only
 * after the alert is committed; 4xx only for input that will never succeed;
 * 503 for Tocsin's own failures, so that senders retry.
 */
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { type AlertEvent } from "../lib/alerts/model.ts";
import {
  eventsToAlert,
  parseAlertmanager,
  parseEventsBody,
  parseText,
  parseZabbix,
} from "../lib/alerts/sources.ts";
import { applyEvent, type IngestResult } from "../lib/alerts/alerts.ts";
import { hmacSha256Hex, timingSafeEqual } from "../lib/core/crypto.ts";
import type { Core } from "../lib/runtime.ts";
import { ApiError } from "../lib/core/errors.ts";
import { isUlid, ulid } from "../lib/core/ids.ts";
import { getIntegration, type Integration, tokenMatches } from "../lib/alerts/integrations.ts";

/** Largest age of a Grafana signature timestamp, against replays. */
const SIGNATURE_MAX_AGE_S = 300;

/** Grafana's optional HMAC: hex HMAC-SHA256 of the body, or of "timestamp:body" with a timestamp header. */
async function checkGrafanaSignature(deps: Core, c: Context, secret: string, body: string) {
  const sig = c.req.header("x-grafana-alerting-signature") ?? "";
  const ts = c.req.header("x-grafana-alerting-timestamp");
  if (ts !== undefined) {
    const age = Math.abs(deps.clock.now() / 1000 - Number(ts));
    if (!Number.isFinite(age) || age > SIGNATURE_MAX_AGE_S) {
      throw new ApiError("unauthorized", "the signature timestamp is missing or too old");
    }
  }
  const want = await hmacSha256Hex(secret, ts !== undefined ? `${ts}:${body}` : body);
  if (!timingSafeEqual(sig.toLowerCase(), want)) {
    throw new ApiError("unauthorized", "bad signature");
  }
}

function bearerOrQuery(c: Context): string | null {
  const h = c.req.header("authorization");
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m?.[1] ?? c.req.query("token") ?? null;
}

export function hookRoutes(deps: Core) {
  const app = new Hono();

  const handle = async (c: Context, integration: Integration) => {
    const body = await c.req.text();

    let events: AlertEvent[];
    let dedupKey: string | null = null;
    if (integration.type === "events") {
      const e = parseEventsBody(body);
      if (!(await tokenMatches(integration, e.routing_key))) {
        throw new ApiError("unauthorized", "invalid routing_key");
      }
      dedupKey = e.dedup_key ?? ulid(deps.clock.now());
      events = [eventsToAlert(e, dedupKey)];
    } else {
      if (!(await tokenMatches(integration, bearerOrQuery(c)))) {
        throw new ApiError("unauthorized", "missing or invalid token");
      }
      if (integration.type === "grafana" && integration.signingSecret) {
        await checkGrafanaSignature(deps, c, integration.signingSecret, body);
      }
      events = integration.type === "alertmanager"
        ? await parseAlertmanager(body, false)
        : integration.type === "grafana"
        ? await parseAlertmanager(body, true)
        : integration.type === "zabbix"
        ? await parseZabbix(body)
        : await parseText(body, {
          title: c.req.header("title") ?? c.req.query("title"),
          priority: c.req.header("priority") ?? c.req.query("priority"),
          dedupKey: c.req.header("dedup-key") ?? c.req.query("dedup_key"),
        });
    }
    const idem = c.req.header("idempotency-key");
    const results: IngestResult[] = [];
    for (const ev of events) {
      if (idem && !ev.deliveryKey) ev.deliveryKey = "idem:" + idem.slice(0, 200);
      results.push(await applyEvent(deps, integration, ev, body));
    }
    if (integration.type === "events") {
      return c.json({ status: "success", message: "Event processed", dedup_key: dedupKey }, 202);
    }
    return c.json({ ok: true, alerts: results }, 202);
  };

  const route = async (c: Context) => {
    let type: Integration["type"] | null = null;
    try {
      const id = c.req.param("id") ?? "";
      const integration = isUlid(id) ? await getIntegration(deps.kv, id) : null;
      if (!integration) throw new ApiError("not_found", "no such integration");
      type = integration.type;
      return await handle(c, integration);
    } catch (err) {
      const e = err instanceof ApiError && err.status !== 500 ? err : null;
      if (!e) console.error("hooks: ingest failed", err);
      const status = e?.status ?? 503;
      const message = e?.message ?? "Tocsin could not store the alert; retry";
      if (status === 503) c.header("retry-after", String((err as ApiError).retryAfter ?? 5));
      // The Events API answers bad input in PagerDuty's own shape.
      if (type === "events" && status === 400) {
        return c.json({ status: "invalid event", message, errors: [message] }, 400);
      }
      return c.json({ error: { code: e?.code ?? "unavailable", message } }, status as 400);
    }
  };

  app.use(
    "/:id",
    bodyLimit({
      maxSize: deps.config.hookMaxBodyBytes,
      onError: (c) =>
        c.json({
          error: {
            code: "payload_too_large",
            message: `body over ${deps.config.hookMaxBodyBytes} bytes`,
          },
        }, 413),
    }),
  );
  app.post("/:id", route);
  app.put("/:id", route);
  return app;
}
