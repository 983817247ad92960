/** Helpers every source adapter uses: JSON with a clear error, and only http(s) links. */
import { ApiError } from "../../core/errors.ts";
import type { Link } from "../model.ts";

/**
 * Deepest nesting of arrays and objects a source's JSON may have. Real payloads (Grafana's
 * `values`, custom details) nest a handful of levels; 100,000 levels parse, then overflow the
 * stack of whatever walks them (validation, storage), which answered 503 forever.
 */
export const JSON_DEPTH_MAX = 64;

/** Whether `text` nests arrays and objects deeper than `max` (strings are skipped). Linear. */
export function jsonTooDeep(text: string, max: number = JSON_DEPTH_MAX): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

/** The body as JSON; 400 invalid_json when it is not JSON or nests too deep (never worth a retry). */
export function parseJson(body: string): unknown {
  if (jsonTooDeep(body)) {
    throw new ApiError("invalid_json", `the body nests deeper than ${JSON_DEPTH_MAX} levels`);
  }
  try {
    return JSON.parse(body);
  } catch {
    throw new ApiError("invalid_json", "the body is not valid JSON");
  }
}

/** The text as JSON, or null when it is not JSON or nests too deep (for JSON inside fields). */
export function tryParseJson(text: string): unknown | null {
  if (jsonTooDeep(text)) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The URL if it is a valid http or https one, else null. */
export function safeUrl(u: string | null | undefined): string | null {
  if (!u) return null;
  try {
    const url = new URL(u);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** Adds a safe link once (by its href). */
export function addLink(links: Link[], href: string | null | undefined, text: string) {
  const h = safeUrl(href);
  if (h && !links.some((l) => l.href === h)) links.push({ href: h, text });
}
