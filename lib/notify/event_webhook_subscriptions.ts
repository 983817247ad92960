/**
 * Which event-webhook subscriptions an alert's or a message's commit stages deliveries for: the
 * enabled ones of a team, and of a conversation, the latter cached per process behind a version
 * counter. Generic over the record (EventWebhook in event_webhook_delivery.ts, which imports this).
 */
import { keys } from "../core/keys.ts";
import { listByIndex } from "../core/kv_util.ts";

/** What this module needs of a subscription. */
interface Enabled {
  enabled: boolean;
}

/** The enabled subscriptions an index lists. */
export async function subscriptions<T extends Enabled>(
  kv: Deno.Kv,
  index: Deno.KvKey,
): Promise<T[]> {
  return (await listByIndex<T>(kv, index, keys.eventWebhook)).filter((s) => s.enabled);
}

/** Conversations whose subscription lists one process keeps at most (then it starts over). */
const CACHED_LISTS_MAX = 10_000;

/**
 * Per process and KV: each conversation's enabled subscriptions, valid while the version record
 * (`keys.eventWebhooksVersion()`, moved by every change to a subscription's indexes) keeps the
 * versionstamp they were read under. Nearly every conversation has none, and a send would
 * otherwise list them on every message.
 */
const cachedLists = new WeakMap<
  Deno.Kv,
  { stamp: string | null; lists: Map<string, Enabled[]> }
>();

/**
 * The subscriptions to `convId`'s messages, given the version record as the caller read it
 * (with the rest of its reads). A list read after that version is at least as new as it.
 */
export async function conversationSubscriptions<T extends Enabled>(
  kv: Deno.Kv,
  convId: string,
  version: Deno.KvEntryMaybe<unknown>,
): Promise<T[]> {
  let c = cachedLists.get(kv);
  if (!c || c.stamp !== version.versionstamp) {
    cachedLists.set(kv, c = { stamp: version.versionstamp, lists: new Map() });
  }
  const hit = c.lists.get(convId);
  if (hit) return hit as T[];
  const subs = await subscriptions<T>(kv, keys.eventWebhooksByConversation(convId));
  // Kept only if no newer version replaced the cache meanwhile.
  if (cachedLists.get(kv) === c) {
    if (c.lists.size >= CACHED_LISTS_MAX) c.lists.clear();
    c.lists.set(convId, subs);
  }
  return subs;
}
