/** Helpers every source adapter uses: JSON with a clear error, and only http(s) links. */
import { ApiError } from "../../core/errors.ts";
import type { Link } from "../model.ts";

/** The body as JSON, or 400 invalid_json. */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new ApiError("invalid_json", "the body is not valid JSON");
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
