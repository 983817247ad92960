/**
 * The fanout hints of a changed alert: one for the conversation its card was posted to and,
 * when it has a war room, one for the room, whose pinned card shows the same live state. A leaf
 * (types only), so that every module that changes an alert can use it.
 */
import type { Hint } from "../core/fanout.ts";
import type { Alert } from "./model.ts";

export function alertHints(a: Pick<Alert, "id" | "conversationId" | "warRoomId">): Hint[] {
  const hints: Hint[] = [{ t: "alert", c: a.conversationId, a: a.id }];
  if (a.warRoomId) hints.push({ t: "alert", c: a.warRoomId, a: a.id });
  return hints;
}
