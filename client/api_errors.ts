/**
 * An API error as the user reads it: its code, translated, with the server's
 * message where the translation has a place for it. Every island shows errors
 * through this one map.
 */
import type { Key, Translate } from "./i18n.ts";

const BY_CODE = new Map<string, Key>([
  ["forbidden", "al_err_forbidden"],
  ["not_found", "al_err_not_found"],
  ["conflict", "al_err_conflict"],
  ["invalid_input", "al_err_invalid_input"],
  ["invalid_json", "al_err_invalid_input"],
  ["network", "al_err_network"],
  ["unavailable", "al_err_unavailable"],
  ["rate_limited", "al_err_rate_limited"],
  ["wrong_password", "pp_err_wrong_password"],
  ["unauthorized", "pp_err_unauthorized"],
  ["payload_too_large", "pp_err_payload_too_large"],
  ["internal", "pp_err_internal"],
  ["setup_done", "pp_err_setup_done"],
  ["origin_forbidden", "pp_err_origin_forbidden"],
  ["muted", "ca_err_muted"],
  ["quota_exceeded", "ca_err_quota"],
  ["unsupported_type", "ca_err_type"],
  ["blocked_word", "ca_err_blocked"],
]);

export function errorText(
  t: Translate,
  e: unknown,
  /** A page's own reading of some codes (e.g. 401 on the login form is a wrong password). */
  overrides: Partial<Record<string, Key>> = {},
): string {
  const err = e as { code?: string; message?: string };
  const code = err.code ?? "";
  const key = (Object.hasOwn(overrides, code) ? overrides[code] : undefined) ??
    BY_CODE.get(code) ?? "al_err_other";
  return t(key, { message: err.message ?? String(e) });
}
