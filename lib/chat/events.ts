/**
 * Changes to earlier messages (edit, recall, reaction) as events in the conversation's log: one
 * atomic commit rewrites the message and appends an entry of kind "event" with the next seq, so
 * the change reaches every device through the same cursor rule as a new message, live and after a
 * resume, and nothing a client holds is rewritten behind its back.
 */
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import type { Hint } from "../core/fanout.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { preview } from "./messages.ts";
import type { Head, Member, Message, MessageEvent } from "./model.ts";
import { stageMessageIndex } from "../search/indexing.ts";

/** What one attempt read: the actor's membership, the head and the message changed. */
export interface EventContext {
  member: Deno.KvEntryMaybe<Member>;
  head: Deno.KvEntryMaybe<Head>;
  target: Deno.KvEntry<Message>;
  now: number;
}

/** The decision of an event builder: the message's new state and the event, or no change. */
export type EventPlan = { updated: Message; event: Omit<MessageEvent, "message"> } | {
  unchanged: Message;
};

/**
 * Reads the message `seq`, lets `plan` decide (it may stage more mutations on `op`, and throws
 * to refuse), then commits the new message state and the event entry through the fanout.
 * Resolves to the message's new state.
 */
export async function commitEvent(
  deps: Deps,
  userId: string,
  conversationId: string,
  seq: number,
  plan: (ctx: EventContext, op: Deno.AtomicOperation) => Promise<EventPlan> | EventPlan,
): Promise<Message> {
  const { kv, fanout, clock } = deps;
  if (!deps.limits.allowSend(userId)) {
    throw new ApiError("rate_limited", "changing messages too fast; slow down", 1);
  }
  return await fanout.commit<Message>(fanout.shard(conversationId), async (op) => {
    const [member, head, target] = await kv.getMany<[Member, Head, Message]>([
      keys.member(conversationId, userId),
      keys.head(conversationId),
      keys.message(conversationId, seq),
    ]);
    if (!member.value) throw notFound("conversation");
    const msg = target.value;
    if (!msg || (msg.kind !== "text" && msg.kind !== "alert")) throw notFound("message");
    const decided = await plan(
      { member, head, target: target as Deno.KvEntry<Message>, now: clock.now() },
      op,
    );
    if ("unchanged" in decided) return { done: decided.unchanged };
    const hint = stageEvent(op, head, target, decided.updated, {
      ...decided.event,
      actorId: userId,
      now: clock.now(),
    });
    op.check(member);
    return { hints: [hint], result: decided.updated };
  }, conversationId);
}

/** Stages the new state of a message and the event entry after the head; returns the hint. */
export function stageEvent(
  op: Deno.AtomicOperation,
  head: Deno.KvEntryMaybe<Head>,
  target: Deno.KvEntry<Message>,
  updated: Message,
  e: Omit<MessageEvent, "message"> & { actorId: string; now: number },
): Hint {
  const c = updated.conversationId;
  const seq = (head.value?.seq ?? 0) + 1;
  const event: Message = {
    id: ulid(e.now),
    conversationId: c,
    seq,
    kind: "event",
    senderId: e.actorId,
    text: "",
    createdAt: e.now,
    event: {
      type: e.type,
      target: e.target,
      ...(e.emoji !== undefined ? { emoji: e.emoji } : {}),
      ...(e.on !== undefined ? { on: e.on } : {}),
    },
  };
  let last = head.value?.last ?? null;
  if (last?.replyTo?.seq === updated.seq && updated.recalled) {
    // The preview is a reply quoting the recalled message: its excerpt goes too.
    last = { ...last, replyTo: { ...last.replyTo, excerpt: "" } };
  }
  // An event does not move the conversation up the list, nor replace its preview, unless it
  // changed the message the preview shows.
  const nextHead: Head = {
    seq,
    lastAt: head.value?.lastAt ?? e.now,
    last: last && last.seq === updated.seq ? preview(updated) : last,
  };
  op.check(head).check(target)
    .set(keys.message(c, updated.seq), updated)
    .set(keys.message(c, seq), event)
    .set(keys.head(c), nextHead);
  // An edit swaps the changed tokens, a recall removes them all; a reaction changes none.
  stageMessageIndex(op, target.value, updated);
  return { t: "msg", c, s: seq };
}
