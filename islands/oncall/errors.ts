import type { HttpError } from "../../client/api.ts";
import type { Key, Translate } from "../../client/i18n.ts";

const KNOWN = new Set(["conflict", "forbidden", "not_found", "invalid_input", "network"]);

/**
 * An API error by its code, translated. For a refused change (409) and bad
 * input (400) the server's message follows: it names what is in the way.
 */
export function errorText(t: Translate, e: HttpError): string {
  const code = KNOWN.has(e.code) ? e.code : "other";
  const head = t(`oc_err_${code}` as Key);
  return e.code === "conflict" || e.code === "invalid_input" ? `${head} ${e.message}` : head;
}
