/**
 * Tocsin's one logger: every log line of the server goes through here, one line per event.
 *
 * - `text` (the default): the message as written, then its details as `console` would print
 *   them, with control characters escaped (a newline becomes `\n`, ESC `\u001b`), so that text a
 *   request controls can neither forge a second log line nor send escape codes to a terminal.
 * - `json`: one object per line, `{ts, level, msg, ...fields}`; an Error detail becomes
 *   `error` (its stack), any other detail `detail` (several: an array). JSON escapes control
 *   characters by itself.
 *
 * `info` goes to stdout, `warn` and `error` to stderr, as the `console` calls they replace did.
 * main.ts sets the format once from TOCSIN_LOG_FORMAT; tests may capture lines with `setLogSink`.
 */
import type { LogFormat } from "./config.ts";

export type LogLevel = "info" | "warn" | "error";

/** Where finished lines go; the default writes to stdout/stderr. */
export type LogSink = (level: LogLevel, line: string) => void;

const consoleSink: LogSink = (level, line) => {
  if (level === "info") console.log(line);
  else console.error(line);
};

let format: LogFormat = "text";
let sink: LogSink = consoleSink;

/** Chooses the line format (main.ts, from the config). */
export function setLogFormat(f: LogFormat): void {
  format = f;
}

/** Sends lines elsewhere (tests); `null` restores stdout/stderr. */
export function setLogSink(s: LogSink | null): void {
  sink = s ?? consoleSink;
}

/**
 * Escapes C0 and C1 control characters, DEL, and the Unicode line and paragraph separators
 * (`\n`, `\r`, `\t`, `\x1b`, `\u2028`), so that the result is one line that a terminal shows
 * as plain text. A backslash is kept as is: the escapes are for a reader, not for parsing back.
 */
export function escapeControl(s: string): string {
  // deno-lint-ignore no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (ch) => {
    if (ch === "\n") return "\\n";
    if (ch === "\r") return "\\r";
    if (ch === "\t") return "\\t";
    const code = ch.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

function errorText(e: Error): string {
  return e.stack ?? `${e.name}: ${e.message}`;
}

/** One event as one line of the current format. */
export function formatLine(
  level: LogLevel,
  msg: string,
  details: unknown[],
  now: Date = new Date(),
): string {
  if (format === "json") {
    const rec: Record<string, unknown> = { ts: now.toISOString(), level, msg };
    const plain = details.filter((d) => !(d instanceof Error));
    const errors = details.filter((d): d is Error => d instanceof Error);
    if (errors.length) rec.error = errors.map(errorText).join("\n");
    if (plain.length) rec.detail = plain.length === 1 ? plain[0] : plain;
    return safeStringify(rec);
  }
  const parts = [msg];
  for (const d of details) {
    parts.push(
      typeof d === "string"
        ? d
        : d instanceof Error
        ? errorText(d)
        : Deno.inspect(d, { colors: false, depth: 4 }),
    );
  }
  return escapeControl(parts.join(" "));
}

/** JSON.stringify that never throws (bigints as strings, cycles cut). */
function safeStringify(rec: Record<string, unknown>): string {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(rec, (_k, v) => {
      if (typeof v === "bigint") return v.toString();
      if (v instanceof Error) return errorText(v);
      if (typeof v === "object" && v !== null) {
        if (seen.has(v)) return "[circular]";
        seen.add(v);
      }
      return v;
    });
  } catch {
    return JSON.stringify({ ts: rec.ts, level: rec.level, msg: rec.msg });
  }
}

/** Error lines the admin System page lists (newest last); a small ring of this process only. */
export const RECENT_ERRORS_MAX = 50;
/** Characters of one remembered error line (a stack is cut). */
const RECENT_ERROR_CHARS = 1_000;
const recent: { at: number; line: string }[] = [];

/**
 * Credential shapes a log line might quote by mistake (an Authorization header, a `token=` query,
 * a URL's password, a JSON `"password": …` field): blanked before a line is shown to admins.
 */
const SECRET_SHAPES: [RegExp, string][] = [
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi, "$1 ***"],
  [/([?&;](?:[a-z_]*token|key|secret|password|code|signature|sig)=)[^&\s"']+/gi, "$1***"],
  [/(\/\/[^/\s:@]+:)[^/\s@]+@/g, "$1***@"],
  [
    /(["']?\b(?:password|passwd|secret|[a-z_]*token|api_?key|auth_?token)["']?\s*[:=]\s*["']?)[^"'\s,}&]+/gi,
    "$1***",
  ],
];

/** A line with the credential shapes above blanked. */
export function scrubSecrets(line: string): string {
  return SECRET_SHAPES.reduce((s, [re, to]) => s.replace(re, to), line);
}

/** The last RECENT_ERRORS_MAX error lines of this process, oldest first, credentials blanked. */
export function recentErrors(): { at: number; line: string }[] {
  return recent.map((e) => ({ ...e }));
}

function emit(level: LogLevel, msg: string, details: unknown[]): void {
  try {
    const line = formatLine(level, msg, details);
    if (level === "error") {
      recent.push({ at: Date.now(), line: scrubSecrets(line).slice(0, RECENT_ERROR_CHARS) });
      if (recent.length > RECENT_ERRORS_MAX) recent.shift();
    }
    sink(level, line);
  } catch {
    // Logging must never take the server down (a closed stdout, a throwing sink).
  }
}

/** The logger: `log.error("timers: sweep failed", err)`. */
export const log = {
  info: (msg: string, ...details: unknown[]): void => emit("info", msg, details),
  warn: (msg: string, ...details: unknown[]): void => emit("warn", msg, details),
  error: (msg: string, ...details: unknown[]): void => emit("error", msg, details),
};
