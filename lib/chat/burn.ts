/**
 * Burn after reading. A sender marks a message so (lib/chat/messages.ts keeps its text out of
 * previews, quotes, forwards and outside webhooks); each recipient opens it on purpose (an
 * "open" event, so all their devices show it and start the countdown), and once every
 * recipient opened it a durable timer destroys it `burn.ms` later: text, earlier versions,
 * reactions and files leave KV in one commit with a "burn" event of its own seq, so every
 * device removes it, live or after a resume. The timer's id is the message's, and it is
 * deleted in the commit that destroys the message: exactly once, across restarts.
 */
import type { Deps } from "../core/deps.ts";
import { ApiError } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import { listAll } from "../core/kv_util.ts";
import { deleteAttachmentsOf } from "../files/files.ts";
import { stageDeleteTimer, stageTimer, type Timer } from "../jobs/timers.ts";
import { commitEvent, stageEvent } from "./events.ts";
import { unindexMentions } from "./mentions.ts";
import type { Head, Member, Message } from "./model.ts";

/** The one timer of a message's end (its id makes a second one impossible). */
export function burnTimerId(convId: string, seq: number): string {
  return `burn:${convId}:${seq}`;
}

/**
 * A recipient opens a burn-after-reading message: it shows for them from now; when they are
 * the last recipient to open it, its end is scheduled.
 */
export async function openBurn(
  deps: Deps,
  userId: string,
  convId: string,
  seq: number,
): Promise<Message> {
  const { kv } = deps;
  return await commitEvent(deps, userId, convId, seq, async ({ target, now }, op) => {
    const m = target.value;
    if (!m.burn) throw new ApiError("invalid_input", "the message is not burn after reading");
    if (m.burned || m.recalled) throw new ApiError("conflict", "the message is gone");
    if (m.senderId === userId) throw new ApiError("invalid_input", "the sender does not open it");
    const opened: Record<string, number> = Object.create(null);
    for (const [k, v] of Object.entries(m.burn.opened ?? {})) opened[k] = v;
    if (Object.hasOwn(opened, userId)) return { unchanged: m };
    opened[userId] = now;
    const members = await listAll<Member>(kv, keys.members(convId));
    const waiting = members.filter((e) =>
      e.value.userId !== m.senderId && !Object.hasOwn(opened, e.value.userId)
    );
    if (!waiting.length) {
      const id = burnTimerId(convId, seq);
      op.check({ key: keys.timer(id), versionstamp: null });
      const timer: Timer = {
        id,
        kind: "burn",
        alertId: id,
        dueAt: now + m.burn.ms,
        n: 0,
        round: 0,
        conversationId: convId,
        seq,
      };
      stageTimer(op, now, timer);
    }
    return {
      updated: { ...m, burn: { ...m.burn, opened: { ...opened } } },
      event: { type: "open", target: seq },
    };
  });
}

/**
 * Destroys a burn-after-reading message when its timer is due: check-and-set on the timer in
 * the commit that empties the message. True when it destroyed it.
 */
export async function fireBurn(deps: Deps, timerId: string): Promise<boolean> {
  const { kv, clock, fanout } = deps;
  const first = await kv.get<Timer>(keys.timer(timerId));
  if (first.value?.kind !== "burn" || first.value.dueAt > clock.now()) return false;
  const { conversationId: c, seq } = first.value;
  const was: { message?: Message } = {};
  const burned = await fanout.commit<boolean>(fanout.shard(c), async (op) => {
    const [t, head, target] = await kv.getMany<[Timer, Head, Message]>([
      keys.timer(timerId),
      keys.head(c),
      keys.message(c, seq),
    ]);
    if (t.value?.kind !== "burn") return { done: false };
    op.check(t);
    stageDeleteTimer(op, t.value);
    const m = target.value;
    if (!m || m.burned || m.recalled) return { hints: [], result: false };
    for await (const e of kv.list({ prefix: keys.messageVersions(c, seq) }, { limit: 1000 })) {
      op.delete(e.key);
    }
    deleteAttachmentsOf(op, m);
    was.message = m;
    const { reactions: _r, editedAt: _e, files: _f, mentions: _m, burn: _b, ...rest } = m;
    const updated: Message = { ...rest, text: "", burned: true };
    const hint = stageEvent(op, head, target as Deno.KvEntry<Message>, updated, {
      type: "burn",
      target: seq,
      actorId: "system",
      now: clock.now(),
    });
    return { hints: [hint], result: true };
  });
  if (burned) {
    // The fanout log may carry the message inline, and the mentions index may name it.
    await fanout.forgetInlined(c, seq);
    if (was.message?.mentions) await unindexMentions(kv, was.message);
  }
  return burned;
}

/**
 * A burn-after-reading message as `userId` may still see it: once their window passed (others
 * in a group may not have opened it yet, so it is not destroyed) its text and files are gone
 * for them, in history as on screen.
 */
export function burnedFor(m: Message, userId: string, now: number): Message {
  const at = m.burn?.opened?.[userId];
  if (!m.burn || at === undefined || !Object.hasOwn(m.burn.opened!, userId)) return m;
  if (now < at + m.burn.ms) return m;
  const { files: _f, ...rest } = m;
  return { ...rest, text: "" };
}

/** Applies burnedFor to a page of history, events' target states included. */
export function hideBurnedFor(items: Message[], userId: string, now: number): Message[] {
  return items.map((m) => {
    const target = m.event?.message;
    if (target?.burn) {
      return { ...m, event: { ...m.event!, message: burnedFor(target, userId, now) } };
    }
    return m.burn ? burnedFor(m, userId, now) : m;
  });
}
