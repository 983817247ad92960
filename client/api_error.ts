/** An API error as a person reads it: the code, translated, then the server's message. */
import type { HttpError } from "./api.ts";
import type { Key, Translate } from "./i18n.ts";

const CODES = new Set([
  "invalid_input",
  "invalid_json",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "rate_limited",
  "unavailable",
  "payload_too_large",
  "network",
  "internal",
]);

export function apiErrorText(t: Translate, e: unknown): string {
  const err = e as Partial<HttpError>;
  const code = typeof err.code === "string" && CODES.has(err.code) ? err.code : "other";
  const label = t(`rules_err_${code}` as Key);
  return err.message && err.message !== "network error" ? `${label}: ${err.message}` : label;
}
