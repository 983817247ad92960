/** An alert's timeline: one entry per change, stored beside the alert and listed in order. */
import type { TimelineEntry } from "./model.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { listAll } from "../core/kv_util.ts";

/** A new timeline entry at `now`, by a user (or null for a source or rule), through `via`. */
export function timelineEntry(
  now: number,
  kind: TimelineEntry["kind"],
  by: string | null,
  via: string,
  extra: Partial<TimelineEntry> = {},
): TimelineEntry {
  return { id: ulid(now), at: now, kind, by, via, ...extra };
}

/** Every entry of an alert's timeline, oldest first. */
export async function getTimeline(kv: Deno.Kv, alertId: string): Promise<TimelineEntry[]> {
  return (await listAll<TimelineEntry>(kv, keys.alertTimelineAll(alertId))).map((e) => e.value);
}
