/** The PagerDuty Events API v2: trigger, acknowledge and resolve by dedup_key. */
import { z } from "zod";
import { ApiError } from "../../core/errors.ts";
import { describeIssues } from "../../core/schemas.ts";
import type { AlertEvent, Link } from "../model.ts";
import { addLink, parseJson, safeUrl } from "./shared.ts";

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
