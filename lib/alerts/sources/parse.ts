/**
 * Alert sources: each integration type's request format, parsed into normalized alert events.
 * Parsers are forgiving about fields they do not know (the raw payload is kept) and strict about
 * what they need. They are pure: no KV, no clock, no Deps.
 */
import type { AlertEvent, IntegrationType } from "../model.ts";
import { parseAlertmanager } from "./alertmanager.ts";
import { eventsToAlert, parseEventsBody } from "./events.ts";
import { parseText } from "./text.ts";
import { parseZabbix } from "./zabbix.ts";

/** Parses a delivery as an integration of `type` would (the Events API's routing_key is not checked here). */
export async function eventsFromBody(
  type: IntegrationType,
  body: string,
  opts: { title?: string; priority?: string; dedupKey?: string; now?: number } = {},
): Promise<AlertEvent[]> {
  switch (type) {
    case "alertmanager":
      return await parseAlertmanager(body, false);
    case "grafana":
      return await parseAlertmanager(body, true);
    case "zabbix":
      return await parseZabbix(body);
    case "text":
      return await parseText(body, opts);
    case "events": {
      const e = parseEventsBody(body);
      return [eventsToAlert(e, e.dedup_key ?? `dry-run-${opts.now ?? 0}`)];
    }
  }
}
