/** Who is typing where (from `typing` frames), and my own throttled typing notices. */
import { signal } from "@preact/signals";

/** How long a typing notice shows after the last one arrived. */
export const TYPING_SHOW_MS = 5_000;
/** My own notices go out at most this often per conversation (the server's limit too). */
const SEND_EVERY_MS = 3_000;

/** conversationId -> userId -> when their last notice arrived. */
export const typingNow = signal<Record<string, Record<string, number>>>({});

export function noteTyping(conversationId: string, userId: string, now = Date.now()): void {
  const conv = { ...(typingNow.value[conversationId] ?? {}), [userId]: now };
  typingNow.value = { ...typingNow.value, [conversationId]: conv };
}

/** A message from someone ends their typing notice. */
export function stopTyping(conversationId: string, userId: string): void {
  const conv = typingNow.value[conversationId];
  if (!conv || !(userId in conv)) return;
  const next = { ...conv };
  delete next[userId];
  typingNow.value = { ...typingNow.value, [conversationId]: next };
}

/** The users typing in a conversation now. */
export function typists(conversationId: string, now = Date.now()): string[] {
  const conv = typingNow.value[conversationId] ?? {};
  return Object.keys(conv).filter((u) => now - conv[u] < TYPING_SHOW_MS);
}

const lastSent = new Map<string, number>();
/** Calls `send` unless a notice for this conversation went out within SEND_EVERY_MS. */
export function throttleTyping(conversationId: string, send: () => void, now = Date.now()): void {
  if (now - (lastSent.get(conversationId) ?? 0) < SEND_EVERY_MS) return;
  lastSent.set(conversationId, now);
  send();
}
