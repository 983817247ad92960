/** Emoji reactions: toggling one is an event in the log (lib/chat/events.ts) like any change. */
import type { Deps } from "../core/deps.ts";
import { ApiError } from "../core/errors.ts";
import { commitEvent } from "./events.ts";
import type { Message } from "./model.ts";

/** Adds the caller's `emoji` to message `seq`, or takes it back if it is there. */
export async function toggleReaction(
  deps: Deps,
  userId: string,
  conversationId: string,
  seq: number,
  emoji: string,
): Promise<{ message: Message; on: boolean }> {
  const { config } = deps;
  let on = false;
  const message = await commitEvent(deps, userId, conversationId, seq, ({ target }) => {
    const m = target.value;
    if (m.recalled) throw new ApiError("conflict", "the message was recalled");
    const reactions: Record<string, string[]> = Object.create(null);
    for (const [k, v] of Object.entries(m.reactions ?? {})) reactions[k] = v;
    const had = Object.hasOwn(reactions, emoji) ? reactions[emoji] : [];
    on = !had.includes(userId);
    if (on) {
      const total = Object.values(reactions).reduce((n, l) => n + l.length, 0);
      if (total >= config.messageMaxReactions) {
        throw new ApiError(
          "conflict",
          `a message holds at most ${config.messageMaxReactions} reactions`,
        );
      }
      if (!had.length && Object.keys(reactions).length >= config.messageMaxEmoji) {
        throw new ApiError("conflict", `a message holds at most ${config.messageMaxEmoji} emoji`);
      }
      reactions[emoji] = [...had, userId];
    } else {
      const rest = had.filter((u) => u !== userId);
      if (rest.length) reactions[emoji] = rest;
      else delete reactions[emoji];
    }
    const { reactions: _old, ...base } = m;
    const updated: Message = Object.keys(reactions).length
      ? { ...base, reactions: { ...reactions } }
      : base;
    return { updated, event: { type: "react", target: seq, emoji, on } };
  });
  return { message, on };
}
