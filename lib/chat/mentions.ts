/**
 * Mentions once resolved (lib/chat/mention_targets.ts resolves them): each person a message
 * mentions gets an entry in their "mentions of me" index and the conversation's "@" marker,
 * which is the seq of the latest message mentioning them: shown while it is above their read
 * cursor, so reading clears it, muted conversation or not.
 */
import type { Deps } from "../core/deps.ts";
import { keys } from "../core/keys.ts";
import { getManyChunked, listAll } from "../core/kv_util.ts";
import type { Member, Mentions, Message } from "./model.ts";

/** People indexed in the message's own commit (two mutations each, far under KV's 1,000). */
export const MENTION_INDEX_INLINE = 200;
/** People indexed per follow-up commit, for an `@all` of a large group. */
const MENTION_INDEX_PER_COMMIT = 400;

/** One entry of a person's mentions index. */
export interface MentionEntry {
  conversationId: string;
  seq: number;
}

/** A resolved mention: what the message stores, and everyone it reaches but the sender. */
export interface ResolvedMentions {
  mentions: Mentions;
  notify: string[];
}

/** Whether a resolved mention names anyone or anything (an empty one is not stored). */
export function mentionsAnything(m: Mentions | undefined): m is Mentions {
  return !!m && (m.userIds.length > 0 || !!m.all || !!m.team || m.oncall !== undefined);
}

/** Stages the index entries and markers of `userIds` for `message` on `op`. */
export function stageMentionIndex(
  op: Deno.AtomicOperation,
  message: Message,
  userIds: string[],
): void {
  const entry: MentionEntry = { conversationId: message.conversationId, seq: message.seq };
  for (const u of userIds) {
    op.set(keys.mentionOf(u, message.id), entry)
      .max(keys.mentionMark(u, message.conversationId), BigInt(message.seq));
  }
}

/** Indexes the people left over after the message's own commit (an `@all` of a large group). */
export async function indexMentionsRest(
  kv: Deno.Kv,
  message: Message,
  userIds: string[],
): Promise<void> {
  for (let i = 0; i < userIds.length; i += MENTION_INDEX_PER_COMMIT) {
    const op = kv.atomic();
    stageMentionIndex(op, message, userIds.slice(i, i + MENTION_INDEX_PER_COMMIT));
    await op.commit();
  }
}

/** Everyone a stored mention reached (the sender excluded): `@all` and `@team` read the members. */
export async function reachedBy(kv: Deno.Kv, message: Message): Promise<string[]> {
  const m = message.mentions;
  if (!m) return [];
  const out = new Set([...m.userIds, ...(m.oncall ?? [])]);
  if (m.all || m.team) {
    for (const e of await listAll<Member>(kv, keys.members(message.conversationId))) {
      out.add(e.value.userId);
    }
  }
  if (message.senderId) out.delete(message.senderId);
  return [...out];
}

/**
 * Takes a recalled or destroyed message out of the mentions of everyone it mentioned (or of
 * `only`: people an edit no longer mentions); a marker that pointed at it falls back to their
 * previous mention in that conversation, if any.
 */
export async function unindexMentions(
  kv: Deno.Kv,
  message: Message,
  only?: string[],
): Promise<void> {
  const ids = only ?? await reachedBy(kv, message);
  const c = message.conversationId;
  const marks = await getManyChunked<Deno.KvU64>(kv, ids.map((u) => keys.mentionMark(u, c)));
  for (let i = 0; i < ids.length; i += MENTION_INDEX_PER_COMMIT) {
    const op = kv.atomic();
    for (let j = i; j < Math.min(ids.length, i + MENTION_INDEX_PER_COMMIT); j++) {
      const u = ids[j];
      op.delete(keys.mentionOf(u, message.id));
      const mark = marks[j];
      if (mark.value && Number(mark.value.value) === message.seq) {
        const prev = await previousMention(kv, u, c, message.seq);
        if (prev) op.check(mark).set(mark.key, new Deno.KvU64(BigInt(prev)));
        else op.check(mark).delete(mark.key);
      }
    }
    await op.commit();
  }
}

/** The seq of `userId`'s latest mention in conversation `c` before `seq` (among their last 200). */
async function previousMention(
  kv: Deno.Kv,
  userId: string,
  c: string,
  seq: number,
): Promise<number | null> {
  for await (
    const e of kv.list<MentionEntry>({ prefix: keys.mentionsOf(userId) }, {
      reverse: true,
      limit: 200,
    })
  ) {
    if (e.value.conversationId === c && e.value.seq < seq) return e.value.seq;
  }
  return null;
}

/** Longest page of "mentions of me". */
export const MENTIONS_PAGE_MAX = 100;

/**
 * The messages mentioning `userId`, newest first, in conversations they are still in; recalled,
 * destroyed and deleted messages are left out. `before` (a message id) pages back.
 */
export async function listMentions(
  deps: Deps,
  userId: string,
  q: { limit: number; before?: string },
): Promise<{ items: Message[]; cursor: string | null }> {
  const { kv } = deps;
  const prefix = keys.mentionsOf(userId);
  const sel = q.before ? { prefix, end: keys.mentionOf(userId, q.before) } : { prefix };
  const entries: Deno.KvEntry<MentionEntry>[] = [];
  for await (const e of kv.list<MentionEntry>(sel, { reverse: true, limit: q.limit })) {
    entries.push(e);
  }
  const [messages, members] = await Promise.all([
    getManyChunked<Message>(
      kv,
      entries.map((e) => keys.message(e.value.conversationId, e.value.seq)),
    ),
    getManyChunked<Member>(kv, entries.map((e) => keys.member(e.value.conversationId, userId))),
  ]);
  const items = messages.flatMap((m, i) =>
    m.value && members[i].value && !m.value.recalled && !m.value.burned ? [m.value] : []
  );
  const last = entries[entries.length - 1];
  return {
    items,
    cursor: entries.length === q.limit && last ? String(last.key[2]) : null,
  };
}
