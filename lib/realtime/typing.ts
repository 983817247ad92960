/**
 * "Typing…": a member's typing notice goes to the other members' open streams on every
 * process through the fanout log (which expires; nothing is stored as a message). Each user
 * may announce typing in one conversation at most once per TYPING_INTERVAL_MS; clients show a
 * notice for TYPING_SHOW_MS after the last one.
 */
import type { Deps } from "../core/deps.ts";
import { getMember } from "../chat/conversations.ts";
import { notFound } from "../core/errors.ts";

/** A typist is announced at most this often per conversation: one commit per 3 s of typing. */
export const TYPING_INTERVAL_MS = 3_000;

/** When each user last announced typing in each conversation, per running app. */
const lastByDeps = new WeakMap<Deps, Map<string, number>>();

/**
 * Announces that `userId` is typing in `convId`. Returns false when rate-limited (silently
 * dropped). `isMember` skips the membership read when the caller already knows (a socket
 * subscribed to the conversation).
 */
export async function announceTyping(
  deps: Deps,
  userId: string,
  convId: string,
  isMember = false,
): Promise<boolean> {
  let last = lastByDeps.get(deps);
  if (!last) lastByDeps.set(deps, last = new Map());
  const key = userId + "\u0000" + convId;
  const now = deps.clock.now();
  if (now - (last.get(key) ?? -Infinity) < TYPING_INTERVAL_MS) return false;
  if (!isMember && !(await getMember(deps.kv, convId, userId))) throw notFound("conversation");
  last.set(key, now);
  if (last.size > 10_000) {
    for (const [k, at] of last) if (now - at >= TYPING_INTERVAL_MS) last.delete(k);
  }
  const { fanout } = deps;
  await fanout.commit(
    fanout.shard(convId),
    () =>
      Promise.resolve({ hints: [{ t: "typing" as const, c: convId, u: userId }], result: null }),
  );
  return true;
}
