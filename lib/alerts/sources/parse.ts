/**
 * Alert sources: each integration type's request format, parsed into normalized alert events.
 * Parsers are forgiving about fields they do not know (the raw payload is kept) and strict about
 * what they need. They are pure: no KV, no clock, no Deps.
 */
import type { AlertEvent, IntegrationType } from "../model.ts";
import { parseAlertmanager } from "./alertmanager.ts";
import { eventsToAlert, parseEventsBody } from "./events.ts";
import { parseText } from "./text.ts";
import { isZabbixTest, parseZabbix } from "./zabbix.ts";
import { parseJson } from "./shared.ts";

/** What one delivery says, as parseDelivery reads it. */
export interface ParsedDelivery {
  events: AlertEvent[];
  /** The Events API's routing_key, for the caller to check against the token; null for other types. */
  routingKey: string | null;
  /** The Events API's dedup_key, as sent or generated (answered back); null for other types. */
  dedupKey: string | null;
  /** A sender's test (Zabbix's Test button): no events, answered 2xx with this text. */
  test?: string;
}

/** How a text delivery is refined (headers or query), and where a missing Events API dedup_key comes from. */
export interface DeliveryOptions {
  title?: string;
  priority?: string;
  tags?: string;
  dedupKey?: string;
  newDedupKey?: () => string;
}

/**
 * The one entry point for a delivery to an integration of `type`: its
 * events, or 400 for a body that can never be accepted. Credentials are the
 * caller's: the Events API's routing_key is returned, not checked.
 */
export async function parseDelivery(
  type: IntegrationType,
  body: string,
  opts: DeliveryOptions = {},
): Promise<ParsedDelivery> {
  const only = (events: AlertEvent[]) => ({ events, routingKey: null, dedupKey: null });
  switch (type) {
    case "alertmanager":
      return only(await parseAlertmanager(body, false));
    case "grafana":
      return only(await parseAlertmanager(body, true));
    case "zabbix": {
      const json = parseJson(body);
      if (isZabbixTest(json)) {
        return {
          ...only([]),
          test: "Tocsin received the Zabbix test. Its macros are not expanded " +
            "({EVENT.ID} and the like), so no alert was opened; real problems will open alerts.",
        };
      }
      return only(await parseZabbix(json));
    }
    case "text":
      return only(await parseText(body, opts));
    case "events": {
      const e = parseEventsBody(body);
      const dedupKey = e.dedup_key ?? opts.newDedupKey?.() ?? crypto.randomUUID();
      return { events: [eventsToAlert(e, dedupKey)], routingKey: e.routing_key, dedupKey };
    }
  }
}
