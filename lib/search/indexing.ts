/**
 * Keeping the search index in step with what it indexes, inside the very commit that changes it.
 *
 * A document's postings are a pure function of its current state (tokens.ts), so every change
 * stages the difference between the postings of the state it read and of the state it writes:
 * a new message adds its tokens, an edit swaps the changed ones, a recall (empty text) removes
 * them all, retention removes the postings of what it deletes. Each token has two postings: one
 * in its scope (`search_msg/<conv>`, `search_alert/<team>`) and one in the site-wide list
 * (`search_all`, the scope in its value) that search reads for people in many scopes. Postings
 * hold a few bytes (seq and sender; the alert id) and never the text: a reader re-reads the
 * document, so nothing removed from it can come back through the index. Older postings are later
 * packed into blocks (blocks.ts); a removal deletes the single postings and leaves one marker for
 * the blocks (stageUnpost).
 */
import type { Alert, TimelineEntry } from "../alerts/model.ts";
import type { Message } from "../chat/model.ts";
import { keys } from "../core/keys.ts";
import { tokenize } from "./tokens.ts";
import { mayBePacked, notePosted, stageUnpost } from "./blocks.ts";

/** Stages one posting and counts it towards its list's packing (blocks.ts). */
function post(op: Deno.AtomicOperation, key: Deno.KvKey, value: unknown): void {
  op.set(key, value);
  notePosted(key.slice(0, -1));
}

/** The indexed text of a message: the text of a text message that was not recalled. */
export function messageTokens(m: Pick<Message, "kind" | "text" | "recalled"> | null): string[] {
  if (!m || m.kind !== "text" || m.recalled) return [];
  return tokenize(m.text);
}

/** The indexed text of an alert: title, summary, source, and its labels and annotations. */
export function alertText(a: Alert): string {
  const parts = [a.title, a.summary, a.source];
  for (const [k, v] of Object.entries(a.labels)) parts.push(k, v);
  for (const v of Object.values(a.annotations)) parts.push(v);
  return parts.join("\n");
}

/** The indexed tokens of an alert (alertText). */
export function alertTokens(a: Alert | null): string[] {
  return a ? tokenize(alertText(a)) : [];
}

/** The indexed tokens of a timeline entry: its note (a note, or one given with an ack or resolve). */
export function noteTokens(t: Pick<TimelineEntry, "kind" | "note">): string[] {
  return t.note ? tokenize(t.note) : [];
}

/**
 * Stages the index change of a message going from `before` to `after` (null: absent) in `op`:
 * the commit that appends, edits or recalls it.
 */
export function stageMessageIndex(
  op: Deno.AtomicOperation,
  before: Message | null,
  after: Message | null,
): void {
  const m = after ?? before;
  if (!m) return;
  const old = new Set(messageTokens(before));
  const next = messageTokens(after);
  const kept = new Set(next);
  const gone: Deno.KvKey[] = [];
  for (const t of old) {
    if (kept.has(t)) continue;
    gone.push(keys.searchMessage(m.conversationId, t, m.id), keys.searchAll(t, m.id));
  }
  // A recall happens within the recall window, younger than anything packed (packAgeMs): its
  // postings are only single ones, and no marker keeps its words. So is an early edit.
  const young = after?.editedAt !== undefined && !mayBePacked(m.createdAt, after.editedAt);
  stageUnpost(op, gone, after?.recalled !== true && !young);
  for (const t of next) {
    if (old.has(t)) continue;
    post(op, keys.searchMessage(m.conversationId, t, m.id), [m.seq, m.senderId]);
    post(op, keys.searchAll(t, m.id), ["c", m.conversationId, m.seq, m.senderId]);
  }
}

/**
 * The posting keys of a message (for retention, which removes them with the message through
 * stageUnpost, blocks.ts: two mutations more per commit).
 */
export function messageIndexKeys(m: Message): Deno.KvKey[] {
  return messageTokens(m).flatMap((t) => [
    keys.searchMessage(m.conversationId, t, m.id),
    keys.searchAll(t, m.id),
  ]);
}

/**
 * Stages the index change of an alert going from `before` (null: new) to `after` in the alert's
 * commit; a move to another team moves its postings.
 */
export function stageAlertSearch(
  op: Deno.AtomicOperation,
  before: Alert | null,
  after: Alert,
): void {
  const sameTeam = before?.teamId === after.teamId;
  const old = new Set(alertTokens(before));
  const next = alertTokens(after);
  const kept = new Set(sameTeam ? next : []);
  if (before) {
    const gone: Deno.KvKey[] = [];
    for (const t of old) {
      if (kept.has(t)) continue;
      gone.push(keys.searchAlert(before.teamId, t, before.id));
      // A token the moved alert still holds gets its site-wide posting rewritten below.
      if (!next.includes(t)) gone.push(keys.searchAll(t, before.id));
    }
    // An alert changed while young (most changes) cannot have packed postings.
    stageUnpost(op, gone, mayBePacked(before.createdAt, after.updatedAt));
  }
  for (const t of next) {
    if (sameTeam && old.has(t)) continue;
    post(op, keys.searchAlert(after.teamId, t, after.id), after.id);
    post(op, keys.searchAll(t, after.id), ["t", after.teamId, after.id]);
  }
}

/** Stages the postings of a note written to an alert's timeline in the same commit. */
export function stageNoteIndex(op: Deno.AtomicOperation, a: Alert, entry: TimelineEntry): void {
  for (const t of noteTokens(entry)) {
    post(op, keys.searchAlert(a.teamId, t, entry.id), a.id);
    post(op, keys.searchAll(t, entry.id), ["t", a.teamId, a.id]);
  }
}

/** Every posting key of an alert and its notes (for alert retention, through stageUnpost). */
export function alertIndexKeys(a: Alert, timeline: TimelineEntry[]): Deno.KvKey[] {
  const out = alertTokens(a).flatMap((t) => [
    keys.searchAlert(a.teamId, t, a.id),
    keys.searchAll(t, a.id),
  ]);
  for (const e of timeline) {
    for (const t of noteTokens(e)) {
      out.push(keys.searchAlert(a.teamId, t, e.id), keys.searchAll(t, e.id));
    }
  }
  return out;
}
