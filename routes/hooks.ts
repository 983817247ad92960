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
import {
  getIntegration,
  GRAFANA_SIGNATURE_HEADERS,
  GRAFANA_TIMESTAMP_HEADER,
  type Integration,
  tokenMatches,
} from "../lib/alerts/integrations.ts";
import type { AlertEvent } from "../lib/alerts/model.ts";
import { isTeamArchived } from "../lib/accounts/teams.ts";
import type { AppEnv } from "./middleware.ts";
import { alertsIngested } from "../lib/ops/metrics.ts";

/** Largest age of a Grafana signature timestamp, against replays. */
const SIGNATURE_MAX_AGE_S = 300;

/**
 * Grafana's optional HMAC: hex HMAC-SHA256 of the body, or of "timestamp:body" with a timestamp
 * header. The header names are the integration's, else Grafana's defaults (either name).
 */
async function checkGrafanaSignature(deps: Core, c: Context, i: Integration, body: string) {
  const secret = i.signingSecret ?? "";
  const names = i.signatureHeader ? [i.signatureHeader] : GRAFANA_SIGNATURE_HEADERS;
  const sig = names.map((n) => c.req.header(n)).find((v) => v !== undefined) ?? "";
  const ts = c.req.header(i.timestampHeader ?? GRAFANA_TIMESTAMP_HEADER);
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

/**
 * The credential a sender carries: `Authorization: Bearer <token>`, HTTP basic auth (the token
 * as the password, any user name; or as the user name with an empty password: Alertmanager's
 * `basic_auth`, Grafana's webhook user and password), or `?token=`.
 */
export function credentialOf(c: Context): string | null {
  const h = c.req.header("authorization");
  const m = h ? /^(Bearer|Basic)\s+(\S+)$/i.exec(h) : null;
  if (m && m[1].toLowerCase() === "basic") return basicPassword(m[2]);
  return m?.[2] ?? c.req.query("token") ?? null;
}

function basicPassword(b64: string): string | null {
  let text: string;
  try {
    text = new TextDecoder().decode(Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)));
  } catch {
    return null;
  }
  const colon = text.indexOf(":");
  if (colon < 0) return text || null;
  const user = text.slice(0, colon);
  const password = text.slice(colon + 1);
  return password || user || null;
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
  if (!(await tokenMatches(integration, credentialOf(c)))) {
    throw new ApiError("unauthorized", "missing or invalid token");
  }
  if (integration.type === "grafana" && integration.signingSecret) {
    await checkGrafanaSignature(deps, c, integration, body);
  }
}

/** The first of `headers`, then of `query`, that the request has (ntfy's aliases). */
function firstOf(c: Context, headers: string[], query: string[]): string | undefined {
  for (const h of headers) {
    const v = c.req.header(h);
    if (v !== undefined) return v;
  }
  for (const q of query) {
    const v = c.req.query(q);
    if (v !== undefined) return v;
  }
  return undefined;
}

/**
 * 503 with Retry-After while the integration is paused or its team archived: senders keep
 * their alerts (Alertmanager drops one for good on any 4xx).
 */
export async function assertAccepting(deps: Core, integration: Integration): Promise<void> {
  if (integration.disabled || await isTeamArchived(deps.kv, integration.teamId)) {
    throw new ApiError(
      "unavailable",
      "this integration is disabled in Tocsin; retry later or ask a team admin to enable it",
      deps.config.disabledHookRetryAfterS,
    );
  }
}

/** Applies a delivery's events (each its own commit), once the sender is known to be allowed. */
export async function ingestDelivery(
  deps: Core,
  c: Context,
  integration: Integration,
  events: AlertEvent[],
  body: string,
): Promise<IngestResult[]> {
  await assertAccepting(deps, integration);
  const idem = c.req.header("idempotency-key");
  const results: IngestResult[] = [];
  for (const ev of events) {
    if (idem && !ev.deliveryKey) ev.deliveryKey = "idem:" + idem.slice(0, 200);
    results.push(await applyEvent(deps, integration, ev, body));
    alertsIngested.inc({ integration: integration.type, outcome: results.at(-1)!.outcome });
  }
  return results;
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
      title: firstOf(c, ["x-title", "title", "t"], ["title", "t"]),
      priority: firstOf(c, ["x-priority", "priority", "prio", "p"], ["priority", "prio", "p"]),
      tags: firstOf(c, ["x-tags", "tags", "tag", "ta"], ["tags", "tag", "ta"]),
      dedupKey: c.req.header("dedup-key") ?? c.req.query("dedup_key"),
      newDedupKey: () => ulid(deps.clock.now()),
    });
    if (events) await checkCredentials(deps, c, integration, body, parsed.routingKey);
    if (parsed.test !== undefined) {
      await assertAccepting(deps, integration);
      return c.json({ ok: true, test: true, message: parsed.test, alerts: [] }, 200);
    }
    const results = await ingestDelivery(deps, c, integration, parsed.events, body);
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
