/** Plain text: `curl -d "disk full" host/hooks/<id>` opens an alert. */
import { ApiError } from "../../core/errors.ts";
import { sha256Hex } from "../../core/crypto.ts";
import type { AlertEvent } from "../model.ts";
import { normalizePriority } from "./priority.ts";

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
