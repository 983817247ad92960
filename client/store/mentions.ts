/** Mentions of me, opening a burn-after-reading message, and a conversation's quick replies. */
import type { Message } from "../../lib/protocol.ts";
import { api } from "../api.ts";
import { replaceMessage } from "./state.ts";

/** The messages that mention me, newest first. */
export async function listMyMentions(): Promise<Message[]> {
  return (await api<{ items: Message[] }>("GET", "/api/v1/me/mentions?limit=50")).items;
}

/** Opens a burn-after-reading message for me: it shows from now for its window. */
export async function openBurn(convId: string, seq: number): Promise<void> {
  const r = await api<{ message: Message }>(
    "POST",
    `/api/v1/conversations/${convId}/messages/${seq}/open`,
  );
  replaceMessage(r.message);
}

/**
 * A conversation's quick replies: its team's own list, or [] for the defaults; `teamId` names
 * the team whose conversation it is (null for any other).
 */
export function loadQuickReplies(
  convId: string,
): Promise<{ teamId: string | null; items: string[] }> {
  return api("GET", `/api/v1/conversations/${convId}/quick-replies`);
}
