/**
 * Alert sources: each integration type's request format, parsed into
 * normalized alert events. Parsers are forgiving about fields they do not
 * know (the raw payload is kept) and strict about what they need.
 */
import type { IntegrationType } from "./model.ts";
import { z } from "zod";
import { sha256Hex } from "../core/crypto.ts";
import { ApiError } from "../core/errors.ts";
import { describeIssues } from "../core/schemas.ts";
import {
  type AlertEvent,
  type AlertItem,
  type Link,
  type Priority,
  PrioritySchema,
} from "./model.ts";

const Str = z.string().max(20_000);
const StrMap = z.record(z.string().max(1_000), z.coerce.string().max(20_000)).catch({});
const NULL_TIME = "0001-01-01T00:00:00Z";

const AmAlertSchema = z.looseObject({
  status: z.enum(["firing", "resolved"]),
  labels: StrMap,
  annotations: StrMap.optional().default({}),
  startsAt: Str.optional().default(""),
  endsAt: Str.optional().default(""),
  generatorURL: Str.optional().default(""),
  fingerprint: Str.optional(),
  // Grafana's additions.
  values: z.record(z.string(), z.unknown()).nullish(),
  silenceURL: Str.nullish(),
  dashboardURL: Str.nullish(),
  panelURL: Str.nullish(),
  imageURL: Str.nullish(),
});

const AmPayloadSchema = z.looseObject({
  receiver: Str.optional(),
  status: z.enum(["firing", "resolved"]),
  alerts: z.array(AmAlertSchema).min(1).max(1_000),
  groupLabels: StrMap.optional().default({}),
  commonLabels: StrMap.optional().default({}),
  commonAnnotations: StrMap.optional().default({}),
  externalURL: Str.optional().default(""),
  groupKey: Str.optional(),
  // Grafana's additions.
  title: Str.optional(),
  message: Str.optional(),
  state: Str.optional(),
  orgId: z.number().optional(),
});

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new ApiError("invalid_json", "the body is not valid JSON");
  }
}

function safeUrl(u: string | null | undefined): string | null {
  if (!u) return null;
  try {
    const url = new URL(u);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

function addLink(links: Link[], href: string | null | undefined, text: string) {
  const h = safeUrl(href);
  if (h && !links.some((l) => l.href === h)) links.push({ href: h, text });
}

/** Alertmanager webhook v4 (and Grafana's superset of it): one event per group. */
export async function parseAlertmanager(body: string, grafana: boolean): Promise<AlertEvent[]> {
  const r = AmPayloadSchema.safeParse(parseJson(body));
  if (!r.success) throw new ApiError("invalid_input", describeIssues(r.error));
  const p = r.data;
  const items: AlertItem[] = p.alerts.map((a) => ({
    fingerprint: a.fingerprint ?? JSON.stringify(Object.entries(a.labels).sort()),
    status: a.status,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.startsAt,
    endsAt: a.endsAt && a.endsAt !== NULL_TIME ? a.endsAt : null,
    ...(a.generatorURL ? { generatorURL: a.generatorURL } : {}),
    ...(a.values ? { values: a.values } : {}),
  }));
  const groupKey = p.groupKey ?? JSON.stringify(Object.entries(p.groupLabels).sort());
  const first = p.alerts[0];
  const labels = Object.keys(p.commonLabels).length ? p.commonLabels : first.labels;
  const annotations = Object.keys(p.commonAnnotations).length
    ? p.commonAnnotations
    : first.annotations;
  const alertname = labels.alertname ?? p.groupLabels.alertname ?? "alert";
  const title = p.title && grafana
    ? p.title
    : `${alertname}${
      Object.entries(p.groupLabels).filter(([k]) => k !== "alertname").map(([, v]) => ` ${v}`).join(
        "",
      )
    }`;
  const summary = annotations.summary ?? annotations.description ?? first.annotations.summary ??
    (grafana ? p.message ?? "" : "");
  const links: Link[] = [];
  for (const a of p.alerts) {
    addLink(links, a.annotations.runbook_url, "runbook");
    addLink(links, a.generatorURL, "source");
    addLink(links, a.silenceURL, "silence");
    addLink(links, a.dashboardURL, "dashboard");
    addLink(links, a.panelURL, "panel");
  }
  if (!grafana && p.externalURL) addLink(links, p.externalURL, "alertmanager");
  const images = p.alerts.flatMap((a) => {
    const src = safeUrl(a.imageURL);
    return src ? [{ src, alt: a.labels.alertname ?? "graph" }] : [];
  });
  const severities = p.alerts.map((a) => a.labels.severity ?? "").filter(Boolean);
  const state = items.map((i) => `${i.fingerprint}|${i.status}|${i.startsAt}|${i.endsAt}`).sort()
    .join(";");
  return [{
    key: "group:" + groupKey,
    action: "group",
    title: title.slice(0, 300),
    summary: summary.slice(0, 2_000),
    source: grafana ? "grafana" : "alertmanager",
    severity: severities.length ? severities.sort(bySeverity)[0] : null,
    labels,
    annotations,
    links,
    images,
    items,
    deliveryKey: await sha256Hex(groupKey + "\n" + state),
  }];
}

const SEVERITY_RANK = ["critical", "p1", "error", "high", "p2", "warning", "p3", "info", "low"];
function bySeverity(a: string, b: string): number {
  const ra = SEVERITY_RANK.indexOf(a.toLowerCase());
  const rb = SEVERITY_RANK.indexOf(b.toLowerCase());
  return (ra < 0 ? 99 : ra) - (rb < 0 ? 99 : rb);
}

const EventsSchema = z.looseObject({
  routing_key: z.string().min(1).max(200),
  event_action: z.enum(["trigger", "acknowledge", "resolve"]),
  dedup_key: z.string().min(1).max(255).optional(),
  payload: z.looseObject({
    summary: z.string().min(1).max(1024),
    source: z.string().min(1).max(255),
    severity: z.enum(["critical", "error", "warning", "info"]),
    timestamp: z.string().max(64).optional(),
    component: z.string().max(255).optional(),
    group: z.string().max(255).optional(),
    class: z.string().max(255).optional(),
    custom_details: z.unknown().optional(),
  }).optional(),
  links: z.array(
    z.looseObject({ href: z.string().max(2048), text: z.string().max(255).optional() }),
  )
    .max(50).optional(),
  images: z.array(
    z.looseObject({
      src: z.string().max(2048),
      href: z.string().optional(),
      alt: z.string().max(255).optional(),
    }),
  ).max(50).optional(),
});

/** The PagerDuty Events API v2 body; its routing_key is checked by the caller. */
export function parseEventsBody(body: string): z.infer<typeof EventsSchema> {
  const r = EventsSchema.safeParse(parseJson(body));
  if (!r.success) throw new ApiError("invalid_input", describeIssues(r.error));
  if (r.data.event_action === "trigger" && !r.data.payload) {
    throw new ApiError("invalid_input", "payload: required for trigger events");
  }
  if (r.data.event_action !== "trigger" && !r.data.dedup_key) {
    throw new ApiError("invalid_input", "dedup_key: required for acknowledge and resolve events");
  }
  return r.data;
}

/** PagerDuty Events API v2 event -> alert event. `dedupKey` is generated when absent. */
export function eventsToAlert(e: z.infer<typeof EventsSchema>, dedupKey: string): AlertEvent {
  const p = e.payload;
  const labels: Record<string, string> = {};
  if (p?.component) labels.component = p.component;
  if (p?.group) labels.group = p.group;
  if (p?.class) labels.class = p.class;
  const annotations: Record<string, string> = {};
  if (p?.custom_details !== undefined) {
    if (
      p.custom_details && typeof p.custom_details === "object" && !Array.isArray(p.custom_details)
    ) {
      for (const [k, v] of Object.entries(p.custom_details).slice(0, 50)) {
        annotations[k.slice(0, 100)] = (typeof v === "string" ? v : JSON.stringify(v)).slice(
          0,
          2_000,
        );
      }
    } else annotations.details = JSON.stringify(p.custom_details).slice(0, 2_000);
  }
  const links: Link[] = [];
  for (const l of e.links ?? []) addLink(links, l.href, l.text ?? l.href);
  return {
    key: "dedup:" + dedupKey,
    action: e.event_action,
    title: p?.summary ?? "",
    summary: p?.summary ?? "",
    source: p?.source ?? "events",
    severity: p?.severity ?? null,
    labels,
    annotations,
    links,
    images: (e.images ?? []).flatMap((i) => {
      const src = safeUrl(i.src);
      return src ? [{ src, alt: i.alt ?? "" }] : [];
    }),
  };
}

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
});

/** The Zabbix media type in integrations/zabbix: problem, recovery, acknowledgement, other updates. */
export async function parseZabbix(body: string): Promise<AlertEvent[]> {
  const r = ZabbixSchema.safeParse(parseJson(body));
  if (!r.success) throw new ApiError("invalid_input", describeIssues(r.error));
  const z0 = r.data;
  let tags: { tag: string; value: string }[] = [];
  if (typeof z0.event_tags === "string" && z0.event_tags.trim()) {
    try {
      const parsed = JSON.parse(z0.event_tags);
      if (Array.isArray(parsed)) tags = parsed.filter((t) => t && typeof t.tag === "string");
    } catch {
      // Zabbix sends the macro unexpanded when there are no tags.
    }
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
    title: (z0.event_name || z0.trigger_name || "Zabbix problem").slice(0, 300),
    summary: (z0.trigger_description ?? "").slice(0, 2_000),
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

/** Plain text: the body is the alert; Title, Priority and Dedup-Key headers or query parameters refine it. */
export async function parseText(
  body: string,
  opts: { title?: string; priority?: string; dedupKey?: string },
): Promise<AlertEvent[]> {
  const text = body.trim();
  if (!text && !opts.title) throw new ApiError("invalid_input", "the body is empty");
  const priority = opts.priority ? normalizePriority(opts.priority) : undefined;
  if (opts.priority && !priority) {
    throw new ApiError(
      "invalid_input",
      "priority: one of urgent, high, medium, low (or 1-5, critical, ...)",
    );
  }
  const title = (opts.title ?? text.split("\n")[0]).slice(0, 300);
  return [{
    key: "text:" + (opts.dedupKey ?? await sha256Hex(title + "\n" + text)),
    action: "trigger",
    title,
    summary: text.slice(0, 8_000),
    source: "text",
    severity: null,
    ...(priority ? { priority } : {}),
    labels: {},
    annotations: {},
    links: [],
    images: [],
  }];
}

/** Maps a word or number to a priority (used for explicit priorities). */
export function normalizePriority(s: string): Priority | undefined {
  const v = s.trim().toLowerCase();
  if (PrioritySchema.safeParse(v).success) return v as Priority;
  return DEFAULT_SEVERITY_MAP[v];
}

/** Default severity -> priority mapping; an integration may override entries. */
export const DEFAULT_SEVERITY_MAP: Record<string, Priority> = {
  critical: "urgent",
  p1: "urgent",
  "1": "urgent",
  disaster: "urgent",
  error: "high",
  high: "high",
  p2: "high",
  "2": "high",
  warning: "medium",
  average: "medium",
  p3: "medium",
  "3": "medium",
  info: "low",
  information: "low",
  low: "low",
  p4: "low",
  p5: "low",
  "4": "low",
  "5": "low",
};

/** Zabbix NSEVERITY: 5 disaster, 4 high, 3 average, 2 warning, 1 information, 0 not classified. */
const ZABBIX_SEVERITY: Record<string, Priority> = {
  "5": "urgent",
  "4": "high",
  "3": "medium",
  "2": "medium",
  "1": "low",
  "0": "low",
};

/** The priority of an event: explicit, else the integration's mapping of its severity, else medium. */
export function priorityOf(
  type: IntegrationType,
  event: AlertEvent,
  overrides: Record<string, Priority> = {},
): Priority {
  if (event.priority) return event.priority;
  const sev = (event.severity ?? "").toLowerCase();
  if (sev && overrides[sev]) return overrides[sev];
  if (type === "zabbix") return ZABBIX_SEVERITY[sev] ?? "medium";
  return DEFAULT_SEVERITY_MAP[sev] ?? "medium";
}

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
