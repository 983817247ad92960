/**
 * Log lines that outside text cannot forge: a path, a header or a name with a
 * newline in it would otherwise start a line of its own, and an escape
 * sequence would drive the operator's terminal. Every console line that
 * prints request-controlled text goes through `logSafe`.
 */

/** C0 and C1 controls, DEL, and the Unicode line and paragraph separators. */
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** `text` with every control character written as an escape (`\n`, `\x1b`, `\u2028`). */
export function logSafe(text: string): string {
  return text.replace(CONTROL, (ch) => {
    if (ch === "\n") return "\\n";
    if (ch === "\r") return "\\r";
    if (ch === "\t") return "\\t";
    const code = ch.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** An error on one line: its stack (or message), escaped; its message may quote outside text. */
export function logError(err: unknown): string {
  return logSafe(err instanceof Error ? err.stack ?? `${err.name}: ${err.message}` : String(err));
}
