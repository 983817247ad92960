/**
 * The alert model every domain shares: an alert, its timeline entries, the
 * events sources report, priorities and integration types, as zod schemas
 * with their inferred types. A leaf: it imports nothing from the domain.
 */
import { z } from "zod";

export const IntegrationTypeSchema = z.enum([
  "alertmanager",
  "grafana",
  "zabbix",
  "events",
  "text",
]);
export type IntegrationType = z.infer<typeof IntegrationTypeSchema>;

export const PrioritySchema = z.enum(["urgent", "high", "medium", "low"]);
export type Priority = z.infer<typeof PrioritySchema>;

const StringMapSchema = z.record(z.string(), z.string());

/** One alert of a group (an Alertmanager/Grafana alert) as shown on the group's card. */
export const AlertItemSchema = z.object({
  fingerprint: z.string(),
  status: z.enum(["firing", "resolved"]),
  labels: StringMapSchema,
  annotations: StringMapSchema,
  startsAt: z.string(),
  endsAt: z.string().nullable(),
  generatorURL: z.string().optional(),
  values: z.record(z.string(), z.unknown()).optional(),
});
export type AlertItem = z.infer<typeof AlertItemSchema>;

export const LinkSchema = z.object({ href: z.string(), text: z.string() });
export type Link = z.infer<typeof LinkSchema>;

export const ImageSchema = z.object({ src: z.string(), alt: z.string() });

/** What a source said happened. */
export const AlertEventSchema = z.object({
  /** Dedup key within the integration: a repeat updates the open alert with this key. */
  key: z.string(),
  action: z.enum(["trigger", "acknowledge", "resolve", "note", "group"]),
  title: z.string(),
  summary: z.string(),
  source: z.string(),
  /** The source's own severity word or number, mapped to a priority by the integration. */
  severity: z.string().nullable(),
  /** An explicit priority (text integration header), winning over severity. */
  priority: PrioritySchema.optional(),
  labels: StringMapSchema,
  annotations: StringMapSchema,
  links: z.array(LinkSchema),
  images: z.array(ImageSchema),
  /** For action "group": the group's alerts, each with its own status. */
  items: z.array(AlertItemSchema).optional(),
  note: z.string().optional(),
  /** Hash of what this delivery says; an identical one within the dedup window is a duplicate. */
  deliveryKey: z.string().optional(),
});
export type AlertEvent = z.infer<typeof AlertEventSchema>;

export const AlertStatusSchema = z.enum(["triggered", "acknowledged", "resolved"]);
export type AlertStatus = z.infer<typeof AlertStatusSchema>;

/** Escalation state: the policy (null: notify the whole team), its level and round. */
export const PagingSchema = z.object({
  policyId: z.string().nullable(),
  level: z.number(),
  round: z.number(),
});
export type Paging = z.infer<typeof PagingSchema>;

/** How many chunks each list of paged people has (the lists are beside the alert: people.ts). */
export const PeopleCountsSchema = z.object({ notified: z.number(), personal: z.number() });
export type PeopleCounts = z.infer<typeof PeopleCountsSchema>;

export const AlertSchema = z.object({
  id: z.string(),
  integrationId: z.string(),
  integrationType: IntegrationTypeSchema,
  teamId: z.string(),
  conversationId: z.string(),
  /** Seq of the card message in the conversation. */
  seq: z.number(),
  key: z.string(),
  status: AlertStatusSchema,
  priority: PrioritySchema,
  title: z.string(),
  summary: z.string(),
  source: z.string(),
  labels: StringMapSchema,
  annotations: StringMapSchema,
  links: z.array(LinkSchema),
  images: z.array(ImageSchema),
  /** Alerts of an Alertmanager/Grafana group, each with its own status. */
  items: z.array(AlertItemSchema),
  /** Group members beyond the itemised ones. */
  itemsOmitted: z.number(),
  firingCount: z.number(),
  firstSeenAt: z.number(),
  lastSeenAt: z.number(),
  createdAt: z.number(),
  updatedAt: z.number(),
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: z.number().nullable(),
  resolvedBy: z.string().nullable(),
  resolvedAt: z.number().nullable(),
  assigneeId: z.string().nullable(),
  dueAt: z.number().nullable(),
  paging: PagingSchema,
  people: PeopleCountsSchema,
  /** Recent firing times (for "fired N times within T" automation rules). */
  firings: z.array(z.number()),
  /** Automation rules that already fired for this alert (each fires once). */
  automations: z.array(z.string()),
  /** Times reopened: personal timers from before a reopen no longer notify. */
  epoch: z.number().optional(),
  /** The silence that matched when the alert opened: stored and shown, but it pages nobody. */
  silencedBy: z.string().nullable().optional(),
  /** The group conversation opened as this alert's war room (lib/alerts/war_room.ts). */
  warRoomId: z.string().nullable().optional(),
});
export type Alert = z.infer<typeof AlertSchema>;

export const TimelineKindSchema = z.enum([
  "triggered",
  "repeated",
  "acknowledged",
  "resolved",
  "reopened",
  "note",
  "assigned",
  "priority",
  "notified",
  "escalated",
  "routed",
  "automation",
  "webhook",
  "delivery",
  "ding",
  "silenced",
  "overdue",
  "war_room",
]);

export const TimelineEntrySchema = z.object({
  id: z.string(),
  at: z.number(),
  kind: TimelineKindSchema,
  /** The user, or null when the source did it. */
  by: z.string().nullable(),
  /** Through what: "api", "card", "command", or "source:<type>". */
  via: z.string(),
  note: z.string().optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;
