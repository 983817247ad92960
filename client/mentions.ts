/**
 * @mentions in the browser: what the composer's "@" is looking for, who matches, and what a
 * message's stored mentions look like (highlighted names, whether one names me). Pure helpers.
 */
import type { Message } from "../lib/protocol.ts";
import type { MentionMark } from "./markdown.ts";

/** A person or a special target the composer may offer after "@". */
export interface MentionCandidate {
  /** A user id, or "all", "team", "oncall". */
  id: string;
  /** What is inserted after "@" (a person's name; the special's own word). */
  label: string;
  /** A second line: an e-mail address, or what the special reaches. */
  detail: string;
}

export const SPECIAL_TARGETS = ["all", "team", "oncall"] as const;

/** The "@query" being typed just before the caret, or null. */
export function mentionQuery(
  text: string,
  caret: number,
): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  // Not inside an address ("ops@example.com"); anywhere else, Chinese text included ("你好@王").
  const m = /(^|[^A-Za-z0-9._%+-])@([^\s@]{0,40})$/u.exec(before);
  if (!m) return null;
  return { start: caret - m[2].length - 1, query: m[2] };
}

/** Candidates whose name, a word of it, or e-mail starts with `query` (case-insensitive). */
export function matchCandidates(
  all: MentionCandidate[],
  query: string,
  max = 8,
): MentionCandidate[] {
  const q = query.toLowerCase();
  return all.filter((c) => {
    if (!q) return true;
    const l = c.label.toLowerCase();
    return l.startsWith(q) || l.split(/\s+/).some((w) => w.startsWith(q)) ||
      c.detail.toLowerCase().startsWith(q);
  }).slice(0, max);
}

/** The ids of the candidates whose "@label" is still in `text` (deleted ones drop out). */
export function keptMentions(text: string, chosen: MentionCandidate[]): string[] {
  return [...new Set(chosen.filter((c) => text.includes("@" + c.label)).map((c) => c.id))];
}

/** Whether a message mentions me (by name, @all, @team, or as on call). */
export function mentionsMe(m: Message, myId: string | null): boolean {
  const x = m.mentions;
  if (!x || !myId || m.senderId === myId) return false;
  return x.userIds.includes(myId) || !!x.all || !!x.team || !!x.oncall?.includes(myId);
}

/** The names to highlight in a message, from its stored mentions. */
export function mentionMarks(
  m: Message,
  myId: string | null,
  userName: (id: string) => string,
): MentionMark[] {
  const x = m.mentions;
  if (!x) return [];
  const out: MentionMark[] = x.userIds.map((id) => ({ label: userName(id), me: id === myId }));
  const mine = m.senderId !== myId;
  if (x.all) out.push({ label: "all", me: mine });
  if (x.team) out.push({ label: "team", me: mine });
  if (x.oncall) out.push({ label: "oncall", me: mine && !!myId && x.oncall.includes(myId) });
  return out;
}
