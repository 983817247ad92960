/** Plain text: `curl -d "disk full" host/hooks/<id>` opens an alert, ntfy's headers refine it. */
import { ApiError } from "../../core/errors.ts";
import { sha256Hex } from "../../core/crypto.ts";
import type { AlertEvent, Priority } from "../model.ts";
import { normalizePriority } from "./priority.ts";

/**
 * ntfy's priorities: its numbers run the other way from P1-P5 (5 = max, 1 = min), and its
 * words are min, low, default, high, max and urgent.
 */
const NTFY_PRIORITY: ReadonlyMap<string, Priority> = new Map([
  ["5", "urgent"],
  ["4", "high"],
  ["3", "medium"],
  ["2", "low"],
  ["1", "low"],
  ["max", "urgent"],
  ["urgent", "urgent"],
  ["high", "high"],
  ["default", "medium"],
  ["low", "low"],
  ["min", "low"],
]);

/** A text delivery's priority: ntfy's scale first, then Tocsin's words (medium, critical, p1...). */
export function textPriority(s: string): Priority | undefined {
  const v = s.trim().toLowerCase();
  return NTFY_PRIORITY.get(v) ?? (/^\d+$/.test(v) ? undefined : normalizePriority(v));
}

/** Plain text: the body is the alert; Title, Priority, Tags and Dedup-Key (or ntfy's aliases) refine it. */
export async function parseText(
  body: string,
  opts: { title?: string; priority?: string; dedupKey?: string; tags?: string },
): Promise<AlertEvent[]> {
  const text = body.trim();
  if (!text && !opts.title) throw new ApiError("invalid_input", "the body is empty");
  const priority = opts.priority ? textPriority(opts.priority) : undefined;
  if (opts.priority && !priority) {
    throw new ApiError(
      "invalid_input",
      "priority: one of urgent, high, medium, low, ntfy's max, default, min, or 1-5 (5 = max)",
    );
  }
  const title = (opts.title ?? text.split("\n")[0]).slice(0, 300);
  const tags = (opts.tags ?? "").split(",").map((t) => t.trim()).filter(Boolean).slice(0, 20);
  return [{
    key: "text:" + (opts.dedupKey ?? await sha256Hex(title + "\n" + text)),
    action: "trigger",
    title,
    summary: text.slice(0, 8_000),
    source: "text",
    severity: null,
    ...(priority ? { priority } : {}),
    labels: tags.length ? { tags: tags.join(",").slice(0, 500) } : {},
    annotations: {},
    links: [],
    images: [],
  }];
}
