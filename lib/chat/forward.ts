/** Forwarding a message to another conversation, with its origin named. */
import type { Deps } from "../core/deps.ts";
import { notFound } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import { getMembership } from "./conversations.ts";
import { sendMessage, type SendResult } from "./messages.ts";
import type { Message } from "./model.ts";

/**
 * Sends a copy of message `seq` of `from` into `input.conversationId` as the caller, naming the
 * conversation and the person it came from. The caller must be a member of both.
 */
export async function forwardMessage(
  deps: Deps,
  user: { id: string },
  from: string,
  seq: number,
  input: { conversationId: string; clientId: string },
): Promise<SendResult> {
  const { conversation } = await getMembership(deps.kv, user.id, from);
  const m = (await deps.kv.get<Message>(keys.message(from, seq))).value;
  // A burn-after-reading message is not copied anywhere.
  if (!m || m.kind !== "text" || m.recalled || m.burn || m.burned) throw notFound("message");
  const sender = m.senderId
    ? (await deps.kv.get<{ name: string }>(keys.user(m.senderId))).value
    : null;
  const senderName = sender?.name ?? "";
  return await sendMessage(deps, user.id, input.conversationId, {
    clientId: input.clientId,
    text: m.text,
  }, {
    conversationId: from,
    title: conversation.kind === "direct" ? senderName : conversation.title,
    senderId: m.senderId,
    senderName,
  });
}
