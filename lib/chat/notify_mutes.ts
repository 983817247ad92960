/**
 * Each member may mute a conversation's notifications (sound, desktop notifications) for a
 * time or for good. A mention still notifies. Stored per user with the entry expiring with
 * the mute, so the list never holds stale mutes for long.
 */
import type { Deps } from "../core/deps.ts";
import { keys } from "../core/keys.ts";
import { listAll } from "../core/kv_util.ts";
import { getMembership } from "./conversations.ts";

/**
 * Mutes (`muted`, until `until` or, without it, until unmuted; stored as 0) or unmutes a
 * conversation's notifications for one member.
 */
export async function setNotifyMute(
  deps: Deps,
  userId: string,
  convId: string,
  input: { muted: boolean; until?: number },
): Promise<void> {
  const { kv, clock } = deps;
  await getMembership(kv, userId, convId);
  const key = keys.notifyMute(userId, convId);
  const until = input.until;
  if (!input.muted || (until !== undefined && until <= clock.now())) {
    await kv.delete(key);
    return;
  }
  await kv.set(key, until ?? 0, until === undefined ? {} : { expireIn: until - clock.now() });
}

/** The user's muted conversations: `{conversationId: until}` (0: until unmuted). */
export async function listNotifyMutes(deps: Deps, userId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = Object.create(null);
  const now = deps.clock.now();
  for (const e of await listAll<number>(deps.kv, keys.notifyMutes(userId))) {
    if (e.value === 0 || e.value > now) out[String(e.key[2])] = e.value;
  }
  return out;
}
