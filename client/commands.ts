/**
 * Slash commands typed in a conversation's composer: the ones an alert's
 * thread understands (/ack, /acknowledge, /resolve, /reopen). Pure code: the
 * island finds the conversation's alerts and performs the change.
 */
import type { Alert } from "../lib/protocol.ts";

export type AlertCommand = "ack" | "resolve" | "reopen";

/** The same words as the alert thread (lib/alerts/alerts.ts noteOrCommand). */
const COMMAND = /^\/(ack|acknowledge|resolve|reopen)\b/i;

/** The command `text` starts with, or null for ordinary text (which is sent as a message). */
export function parseCommand(text: string): { kind: AlertCommand; word: string } | null {
  const m = COMMAND.exec(text.trim());
  if (!m) return null;
  const word = m[1].toLowerCase();
  return { kind: word === "acknowledge" ? "ack" : word as AlertCommand, word: "/" + word };
}

/**
 * Which alert of the conversation a command is for: the only open one (/ack, /resolve), or the
 * only resolved one (/reopen). Anything else is ambiguous, and nothing is done.
 */
export function commandTarget(
  kind: AlertCommand,
  alerts: Alert[],
): { alert: Alert } | { none: true } | { many: number } {
  const byId = new Map(alerts.map((a) => [a.id, a]));
  const fits = [...byId.values()].filter((a) =>
    kind === "reopen" ? a.status === "resolved" : a.status !== "resolved"
  );
  if (fits.length === 1) return { alert: fits[0] };
  return fits.length === 0 ? { none: true } : { many: fits.length };
}
