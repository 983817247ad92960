/**
 * Inbound webhooks: POST (or PUT) /hooks/:integrationId. Answers 2xx only
 * after the alert is committed; 4xx only for input that will never succeed;
 * 503 for Tocsin's own failures, so that senders retry.
 */
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { parseDelivery } from "../lib/alerts/sources/parse.ts";
import { applyEvent, type IngestResult } from "../lib/alerts/ingest.ts";
import { hmacSha256Hex, timingSafeEqual } from "../lib/core/crypto.ts";
import type { Core } from "../lib/runtime.ts";
import { ApiError } from "../lib/core/errors.ts";
import { isUlid, ulid } from "../lib/core/ids.ts";
import { getIntegration, type Integration, tokenMatches } from "../lib/alerts/integrations.ts";
import { isTeamArchived } from "../lib/accounts/teams.ts";
import type { AppEnv } from "./middleware.ts";
import { alertsIngested } from "../lib/ops/metrics.ts";

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

/** 401 unless the request carries the integration's credential (and Grafana's signature, when set). */
async function checkCredentials(
  deps: Core,
  c: Context,
  integration: Integration,
  body: string,
  routingKey: string | null,
) {
  if (integration.type === "events") {
    if (!(await tokenMatches(integration, routingKey))) {
      throw new ApiError("unauthorized", "invalid routing_key");
    }
    return;
  }
  if (!(await tokenMatches(integration, bearerOrQuery(c)))) {
    throw new ApiError("unauthorized", "missing or invalid token");
  }
  if (integration.type === "grafana" && integration.signingSecret) {
    await checkGrafanaSignature(deps, c, integration.signingSecret, body);
  }
}

export function hookRoutes(deps: Core) {
  const app = new Hono<AppEnv>();

  const route = async (c: Context<AppEnv>) => {
    c.set("errorStyle", { kind: "hook", events: false });
    const id = c.req.param("id") ?? "";
    const integration = isUlid(id) ? await getIntegration(deps.kv, id) : null;
    if (!integration) throw new ApiError("not_found", "no such integration");
    const events = integration.type === "events";
    c.set("errorStyle", { kind: "hook", events });
    const body = await c.req.text();

    // The Events API carries its credential in the body, so its body is read first;
    // the others are refused before their body is looked at.
    if (!events) await checkCredentials(deps, c, integration, body, null);
    const parsed = await parseDelivery(integration.type, body, {
      title: c.req.header("title") ?? c.req.query("title"),
      priority: c.req.header("priority") ?? c.req.query("priority"),
      dedupKey: c.req.header("dedup-key") ?? c.req.query("dedup_key"),
      newDedupKey: () => ulid(deps.clock.now()),
    });
    if (events) await checkCredentials(deps, c, integration, body, parsed.routingKey);
    // An archived team's integrations answer like paused ones: senders keep their alerts.
    if (integration.disabled || await isTeamArchived(deps.kv, integration.teamId)) {
      // Paused, not gone: a 5xx makes Alertmanager, Grafana and PagerDuty clients keep the
      // alert and retry, where any 4xx would make Alertmanager drop it for good.
      throw new ApiError(
        "unavailable",
        "this integration is disabled in Tocsin; retry later or ask a team admin to enable it",
        deps.config.disabledHookRetryAfterS,
      );
    }

    const idem = c.req.header("idempotency-key");
    const results: IngestResult[] = [];
    for (const ev of parsed.events) {
      if (idem && !ev.deliveryKey) ev.deliveryKey = "idem:" + idem.slice(0, 200);
      results.push(await applyEvent(deps, integration, ev, body));
      alertsIngested.inc({ integration: integration.type, outcome: results.at(-1)!.outcome });
    }
    if (events) {
      return c.json(
        { status: "success", message: "Event processed", dedup_key: parsed.dedupKey },
        202,
      );
    }
    return c.json({ ok: true, alerts: results }, 202);
  };

  app.use(
    "/:id",
    bodyLimit({
      maxSize: deps.config.hookMaxBodyBytes,
      onError: () => {
        throw new ApiError("payload_too_large", `body over ${deps.config.hookMaxBodyBytes} bytes`);
      },
    }),
  );
  app.post("/:id", route);
  app.put("/:id", route);
  return app;
}
