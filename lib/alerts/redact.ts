/**
 * Credential redaction for what sources send. Senders put secrets where they should not: the
 * Events API's routing_key is the integration token, a label holds `postgres://user:secret@db`,
 * an annotation quotes `Authorization: Bearer …`. Everything an alert stores (its fields, items
 * and raw payload) passes through here first, so that no reader of the alert sees them.
 * Pure: strings in, strings out.
 */
import type { AlertEvent, AlertItem } from "./model.ts";
import { tryParseJson } from "./sources/shared.ts";

/** What a removed secret becomes. */
export const REDACTED = "***";

/** Field names whose string value is a credential, compared lower-case without `_` and `-`. */
const SECRET_FIELDS = new Set([
  "routingkey",
  "integrationkey",
  "servicekey",
  "token",
  "accesstoken",
  "authtoken",
  "apitoken",
  "apikey",
  "password",
  "passwd",
  "pwd",
  "secret",
  "clientsecret",
  "secretkey",
  "secretaccesskey",
  "accesskey",
  "privatekey",
  "authorization",
]);

/** Whether a field of this name holds a credential. */
export function isSecretField(name: string): boolean {
  return SECRET_FIELDS.has(name.toLowerCase().replace(/[_-]/g, ""));
}

/** `name=value` and `name: value` pairs whose value is a credential (queries, logs, summaries). */
const NAMED_PAIR =
  /(?<![A-Za-z0-9])((?:password|passwd|pwd|secret|client_secret|secret_key|secret_access_key|access_key|token|access_token|auth_token|api_token|api_key|apikey|private_key|routing_key|integration_key|service_key)"?\s*[=:]\s*"?)([^\s&"',;<>]+)/gi;
/** Shorter names that are credentials only as query parameters (`?key=`, DingTalk's `sign=`). */
const QUERY_PAIR = /([?&](?:key|sign|sig|signature|auth)=)([^\s&"'#<>]+)/gi;
/** URL user-info with a password: the password goes. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]*):([^\s/?#@]+)@/gi;
/** `Authorization`-style bearer credentials. */
const BEARER = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]{6,}/gi;
/** HTTP Basic credentials: base64 of `user:password`. */
const BASIC = /\b(Basic)\s+([A-Za-z0-9+/]{6,}={0,2})/gi;
/** Slack tokens (xoxb-, xoxp-, xoxa-, …) and incoming-webhook URLs. */
const SLACK_TOKEN = /\b(xox[abposre]-)[A-Za-z0-9-]{8,}/g;
const SLACK_HOOK = /(hooks\.slack\.com\/services\/[A-Za-z0-9]+\/[A-Za-z0-9]+\/)[A-Za-z0-9]+/gi;
/** AWS access key ids. */
const AWS_KEY = /\b((?:AKIA|ASIA)[0-9A-Z]{4})[0-9A-Z]{12}\b/g;
/** GitHub tokens: classic (ghp_, gho_, ghu_, ghs_, ghr_) and fine-grained. */
const GITHUB_TOKEN = /\b(gh[pousr]_|github_pat_)[A-Za-z0-9_]{20,}/g;
/** JSON Web Tokens: header.payload.signature, the first two base64url JSON ("eyJ"). */
const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g;
/** Google API keys, Stripe and GitLab secret tokens. */
const VENDOR_TOKEN = /\b(AIza|sk_live_|rk_live_|glpat-)[A-Za-z0-9_-]{16,}/g;
/** PEM private keys: the whole block. */
const PEM_PRIVATE =
  /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]{0,10000}?-----END \1PRIVATE KEY-----/g;

function isBasicCredential(b64: string): boolean {
  try {
    return atob(b64).includes(":");
  } catch {
    return false;
  }
}

/**
 * Whatever NAMED_PAIR or QUERY_PAIR can match contains one of these (case aside): a text without
 * any skips both.
 */
const PAIR_HINT = /pass|pwd|secret|token|key|sign|sig|auth/i;
/**
 * Whatever the token patterns below can match contains one of these (case aside): a text without
 * any, the common case, skips all of them in one scan.
 */
const TOKEN_HINT =
  /bearer|basic|xox[abposre]-|hooks\.slack\.com|AKIA|ASIA|gh[pousr]_|github_pat_|eyJ|AIza|[sr]k_live_|glpat-/i;

/** The text with every credential it recognises replaced by `***`. */
export function redactText(s: string): string {
  // Cheap pre-checks keep the common case (no credential-looking text) to a few scans.
  if (s.length < 6) return s;
  let out = s;
  if (out.includes("://")) out = out.replace(URL_USERINFO, `$1$2:${REDACTED}@`);
  if (/[=:]/.test(out) && PAIR_HINT.test(out)) {
    out = out.replace(NAMED_PAIR, `$1${REDACTED}`);
    out = out.replace(QUERY_PAIR, `$1${REDACTED}`);
  }
  if (out.includes("PRIVATE KEY-----")) out = out.replace(PEM_PRIVATE, REDACTED);
  if (!TOKEN_HINT.test(out)) return out;
  out = out.replace(BEARER, `$1 ${REDACTED}`)
    .replace(BASIC, (m, word, b64) => isBasicCredential(b64) ? `${word} ${REDACTED}` : m)
    .replace(SLACK_TOKEN, `$1${REDACTED}`)
    .replace(SLACK_HOOK, `$1${REDACTED}`)
    .replace(AWS_KEY, `$1${REDACTED}`)
    .replace(GITHUB_TOKEN, `$1${REDACTED}`)
    .replace(JWT, REDACTED)
    .replace(VENDOR_TOKEN, `$1${REDACTED}`);
  return out;
}

/** Deepest structure walked; sources bound JSON nesting far below this already. */
const WALK_DEPTH_MAX = 200;

/**
 * A copy of a JSON value with credentials removed: string values of credential-named fields
 * become `***`, every other string goes through `redactText`. Keys are kept as they are.
 */
export function redactValue(v: unknown, depth = 0): unknown {
  if (typeof v === "string") return redactString(v, depth);
  if (v === null || typeof v !== "object") return v;
  if (depth >= WALK_DEPTH_MAX) return REDACTED;
  if (Array.isArray(v)) return v.map((x) => redactValue(x, depth + 1));
  const out: Record<string, unknown> = {};
  // A name/value pair ({tag: "password", value: "…"}, as Zabbix tags are) names its own secret.
  const o = v as Record<string, unknown>;
  const pairName = Object.hasOwn(o, "value") ? o.tag ?? o.key ?? o.name : undefined;
  const secretPair = typeof pairName === "string" && isSecretField(pairName);
  for (const [k, x] of Object.entries(v)) {
    const value = typeof x === "string" && x !== "" &&
        (isSecretField(k) || (secretPair && k === "value"))
      ? REDACTED
      : redactValue(x, depth + 1);
    Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** A string; one that holds JSON (Zabbix's tags, a quoted payload) is redacted as JSON. */
function redactString(s: string, depth: number): string {
  const t = s.trimStart();
  if ((t.startsWith("{") || t.startsWith("[")) && depth < WALK_DEPTH_MAX) {
    const v = tryParseJson(s);
    if (v !== null && typeof v === "object") {
      // Re-serialised only when something was removed, so that harmless JSON keeps its layout.
      const out = JSON.stringify(redactValue(v, depth + 1));
      return out === JSON.stringify(v) ? s : out;
    }
  }
  return redactText(s);
}

/** A string map (labels, annotations) with credentials removed. */
export function redactMap(m: Record<string, string>): Record<string, string> {
  return redactValue(m) as Record<string, string>;
}

/**
 * A raw payload with credentials removed: JSON stays JSON (re-serialised), anything else is
 * redacted as text.
 */
export function redactRaw(raw: string): string {
  const trimmed = raw.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    const v = tryParseJson(raw);
    if (v !== null) return JSON.stringify(redactValue(v));
  }
  return redactText(raw);
}

/** A source event with credentials removed from every field an alert keeps of it. */
export function redactEvent(e: AlertEvent): AlertEvent {
  return {
    ...e,
    key: redactText(e.key),
    title: redactText(e.title),
    summary: redactText(e.summary),
    source: redactText(e.source),
    labels: redactMap(e.labels),
    annotations: redactMap(e.annotations),
    links: e.links.map((l) => ({ href: redactText(l.href), text: redactText(l.text) })),
    images: e.images.map((i) => ({ src: redactText(i.src), alt: redactText(i.alt) })),
    ...(e.items ? { items: e.items.map(redactItem) } : {}),
    ...(e.note !== undefined ? { note: redactText(e.note) } : {}),
  };
}

function redactItem(i: AlertItem): AlertItem {
  return {
    ...i,
    fingerprint: redactText(i.fingerprint),
    labels: redactMap(i.labels),
    annotations: redactMap(i.annotations),
    ...(i.generatorURL !== undefined ? { generatorURL: redactText(i.generatorURL) } : {}),
    ...(i.values ? { values: redactValue(i.values) as Record<string, unknown> } : {}),
  };
}

/**
 * A source event with `mask` (the admins' sensitive-word rules, lib/chat/sensitive_words.ts)
 * applied to every string it keeps; keys are kept as they are.
 */
export function maskEvent(e: AlertEvent, mask: (s: string) => string): AlertEvent {
  return maskStrings(e, mask, 0) as AlertEvent;
}

function maskStrings(v: unknown, mask: (s: string) => string, depth: number): unknown {
  if (typeof v === "string") return mask(v);
  if (v === null || typeof v !== "object") return v;
  if (depth >= WALK_DEPTH_MAX) return REDACTED;
  if (Array.isArray(v)) return v.map((x) => maskStrings(x, mask, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const value = maskStrings(x, mask, depth + 1);
    Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
