/** What a person does to a message: edit, recall, react, forward, and finding the original of a reply. */
import { batch } from "@preact/signals";
import type { Message } from "../../lib/protocol.ts";
import { api, newClientId } from "../api.ts";
import { addMessages } from "./messages.ts";
import { focusSeq, hasOlder, messages, replaceMessage } from "./state.ts";

const at = (convId: string, seq: number) => `/api/v1/conversations/${convId}/messages/${seq}`;

/**
 * Edits my message; the list shows the new text at once (the event confirms it). `mentions`
 * replaces its mentions (the server notifies only people newly mentioned).
 */
export async function editMessage(
  convId: string,
  seq: number,
  text: string,
  mentions?: string[],
): Promise<void> {
  const body = mentions ? { text, mentions } : { text };
  const r = await api<{ message: Message }>("PATCH", at(convId, seq), body);
  replaceMessage(r.message);
}

/** Recalls my message for everyone. */
export async function recallMessage(convId: string, seq: number): Promise<void> {
  const r = await api<{ message: Message }>("DELETE", at(convId, seq));
  replaceMessage(r.message);
}

/** Adds my reaction with `emoji`, or takes it back. */
export async function toggleReaction(convId: string, seq: number, emoji: string): Promise<void> {
  const r = await api<{ message: Message }>("POST", `${at(convId, seq)}/reactions`, { emoji });
  replaceMessage(r.message);
}

/** Forwards a message to another conversation. */
export async function forwardMessage(convId: string, seq: number, to: string): Promise<void> {
  await api("POST", `${at(convId, seq)}/forward`, {
    conversationId: to,
    clientId: newClientId(),
  });
}

/** Longest stretch of history loaded in one request to reach an old message. */
const JUMP_PAGE = 200;

/**
 * Brings message `seq` into view: loads the history between it and what is shown (in pages, so
 * the list stays contiguous), then asks the list to scroll to it.
 */
export async function jumpTo(convId: string, seq: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const list = messages.value[convId] ?? [];
    const first = list[0]?.seq;
    if (first === undefined || first <= seq) break;
    const after = Math.max(0, seq - 11, first - 1 - JUMP_PAGE);
    const page = await api<{ items: Message[] }>(
      "GET",
      `/api/v1/conversations/${convId}/messages?after=${after}&before=${first}&limit=${JUMP_PAGE}`,
    );
    batch(() => {
      addMessages(convId, page.items);
      const nowFirst = (messages.value[convId] ?? [])[0]?.seq ?? 1;
      hasOlder.value = { ...hasOlder.value, [convId]: nowFirst > 1 };
    });
    if (!page.items.length) break;
  }
  focusSeq.value = { convId, seq };
}
