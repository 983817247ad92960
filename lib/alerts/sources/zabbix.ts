/** Zabbix, through the media type in integrations/zabbix. */
import { z } from "zod";
import { ApiError } from "../../core/errors.ts";
import { sha256Hex } from "../../core/crypto.ts";
import { describeIssues } from "../../core/schemas.ts";
import type { AlertEvent, Link } from "../model.ts";
import { addLink, tryParseJson } from "./shared.ts";

const ZabbixSchema = z.looseObject({
  event_id: z.coerce.string().min(1).max(64),
  event_value: z.coerce.string().max(8),
  event_update_status: z.coerce.string().max(8).optional().default("0"),
  event_ack_status: z.coerce.string().max(16).optional().default("No"),
  event_nseverity: z.coerce.string().max(8).optional().default("0"),
  event_name: z.string().max(2_000).optional().default(""),
  event_tags: z.union([
    z.string().max(20_000),
    z.array(z.looseObject({ tag: z.string(), value: z.string() })),
  ])
    .optional(),
  host_name: z.string().max(500).optional().default(""),
  trigger_id: z.coerce.string().max(64).optional(),
  trigger_name: z.string().max(2_000).optional(),
  trigger_description: z.string().max(20_000).optional(),
  event_url: z.string().max(2_048).optional(),
  zabbix_url: z.string().max(2_048).optional(),
  update_message: z.string().max(20_000).optional(),
  /** {EVENT.UPDATE.ACTION}, e.g. "acknowledged", "commented", "changed severity". */
  update_action: z.string().max(2_000).optional(),
  update_user: z.string().max(500).optional(),
  /** {ALERT.SUBJECT} and {ALERT.MESSAGE}: what the action's message template made of the event. */
  alert_subject: z.string().max(2_000).optional(),
  alert_message: z.string().max(20_000).optional(),
});

/** An unexpanded macro such as "{EVENT.ID}": what the media type's Test button sends. */
const MACRO = /^\{[A-Z0-9_.:#$]+\}$/;

/** The text unless it is empty or an unexpanded macro. */
function expanded(s: string | undefined): string | undefined {
  const t = s?.trim();
  return t && !MACRO.test(t) ? t : undefined;
}

/**
 * Whether the body is the media type's "Test" (macros not expanded, so no event id): it is
 * answered 2xx with a note saying so instead of a 400 that would look like a broken setup.
 */
export function isZabbixTest(json: unknown): boolean {
  if (!json || typeof json !== "object" || Array.isArray(json)) return false;
  const o = json as Record<string, unknown>;
  const macro = (v: unknown) => typeof v === "string" && MACRO.test(v.trim());
  if (macro(o.event_id)) return true;
  // No event id at all: a test only if it carries the dialog's unexpanded macros; a media type
  // that simply lacks the parameter must hear its 400.
  return (o.event_id === undefined || o.event_id === "") && Object.values(o).some(macro);
}

/** The Zabbix media type in integrations/zabbix: problem, recovery, acknowledgement, other updates. */
export async function parseZabbix(json: unknown): Promise<AlertEvent[]> {
  const r = ZabbixSchema.safeParse(json);
  if (!r.success) throw new ApiError("invalid_input", describeIssues(r.error));
  const z0 = r.data;
  let tags: { tag: string; value: string }[] = [];
  if (typeof z0.event_tags === "string" && z0.event_tags.trim()) {
    // Zabbix sends the macro unexpanded when there are no tags (not JSON: null).
    const parsed = tryParseJson(z0.event_tags);
    if (Array.isArray(parsed)) tags = parsed.filter((t) => t && typeof t.tag === "string");
  } else if (Array.isArray(z0.event_tags)) tags = z0.event_tags;
  const labels: Record<string, string> = { host: z0.host_name };
  for (const t of tags.slice(0, 50)) {
    labels[String(t.tag).slice(0, 100)] = String(t.value ?? "").slice(0, 500);
  }
  const update = z0.event_update_status === "1";
  const acked = /^(yes|1|true)$/i.test(z0.event_ack_status);
  // An update acknowledges when its action says so ({EVENT.UPDATE.ACTION}); without that macro,
  // fall back to the acknowledged status. Other updates become notes.
  const ackUpdate = z0.update_action !== undefined && !/^\{.*\}$/.test(z0.update_action)
    ? /(^|[^n])acknowledged/i.test(z0.update_action)
    : acked && !z0.update_message;
  const action: AlertEvent["action"] = z0.event_value === "0"
    ? "resolve"
    : update
    ? (ackUpdate ? "acknowledge" : "note")
    : "trigger";
  const links: Link[] = [];
  addLink(links, z0.event_url, "zabbix");
  return [{
    key: "event:" + z0.event_id,
    action,
    title: (expanded(z0.alert_subject) || z0.event_name || z0.trigger_name || "Zabbix problem")
      .slice(0, 300),
    summary: (expanded(z0.alert_message) ?? z0.trigger_description ?? "").slice(0, 2_000),
    source: z0.host_name || "zabbix",
    severity: z0.event_nseverity,
    labels,
    annotations: {},
    links,
    images: [],
    note: update ? [z0.update_user, z0.update_message].filter(Boolean).join(": ") : undefined,
    deliveryKey: await sha256Hex(
      [
        z0.event_id,
        z0.event_value,
        z0.event_update_status,
        z0.event_ack_status,
        z0.update_message ?? "",
      ]
        .join("|"),
    ),
  }];
}
