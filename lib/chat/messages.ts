/**
 * Messages: the per-conversation log. One atomic commit per message assigns
 * the next seq (checking the head), stores the message, remembers its
 * clientId, moves the sender's receipts and publishes a fanout hint.
 */
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { noteAppended, noteHead, stagedHead } from "../core/staged_op.ts";
import type {
  Conversation,
  ForwardRef,
  Head,
  Member,
  Message,
  ReplyRef,
  SendInput,
} from "./model.ts";
import {
  indexMentionsRest,
  MENTION_INDEX_INLINE,
  mentionsAnything,
  type ResolvedMentions,
  stageMentionIndex,
} from "./mentions.ts";
import { stageMessageWebhooks } from "../notify/event_webhook_delivery.ts";
import { assertMayPost, type GroupSettings, groupSettingsOf } from "./post_rules.ts";
import { applyWordRules, type WordRule } from "./sensitive_words.ts";
import { stageMessageIndex } from "../search/indexing.ts";

/** Longest text kept in a conversation head's preview of its last message. */
export const PREVIEW_CHARS = 200;

export type MessageDraft = Pick<
  Message,
  | "kind"
  | "senderId"
  | "text"
  | "clientId"
  | "system"
  | "alertId"
  | "replyTo"
  | "forwardedFrom"
  | "files"
  | "mentions"
  | "burn"
>;

/** Longest excerpt of the original kept in a reply's quote. */
export const REPLY_EXCERPT_CHARS = 140;

/** The head's preview of a message: its text cut to PREVIEW_CHARS (none for burn after reading). */
export function preview(message: Message): Message {
  if (message.burn) return { ...message, text: "" };
  return message.text.length > PREVIEW_CHARS
    ? { ...message, text: message.text.slice(0, PREVIEW_CHARS) + "…" }
    : message;
}

/**
 * Adds the mutations that append `draft` to an atomic operation: checks the
 * head it was read from, writes the message and the new head. Returns the
 * message as it will be stored.
 */
export function stageAppend(
  op: Deno.AtomicOperation,
  head: Deno.KvEntryMaybe<Head>,
  conversationId: string,
  draft: MessageDraft,
  now: number,
): Message {
  // In a group commit, an earlier write may have appended to this conversation already: follow
  // it (its check on the head covers both); otherwise check the head read.
  const chained = stagedHead(op, conversationId) as Head | null;
  const seq = ((chained ?? head.value)?.seq ?? 0) + 1;
  const message: Message = { id: ulid(now), conversationId, seq, createdAt: now, ...draft };
  if (message.clientId === undefined) delete message.clientId;
  if (message.system === undefined) delete message.system;
  if (message.alertId === undefined) delete message.alertId;
  if (message.replyTo === undefined) delete message.replyTo;
  if (message.forwardedFrom === undefined) delete message.forwardedFrom;
  if (message.files === undefined) delete message.files;
  if (message.mentions === undefined) delete message.mentions;
  if (message.burn === undefined) delete message.burn;
  const next: Head = { seq, lastAt: now, last: preview(message) };
  if (!chained) op.check(head);
  op.set(keys.message(conversationId, seq), message).set(keys.head(conversationId), next);
  // Its search postings commit with it (lib/search/indexing.ts).
  stageMessageIndex(op, null, message);
  noteHead(op, conversationId, next);
  // Fanout puts a small message into its log entry, so that readers need not read it back.
  noteAppended(op, message);
  return message;
}

/** The seq the next append of `op` to the conversation follows (see stageAppend). */
export function appendBase(
  op: Deno.AtomicOperation,
  head: Deno.KvEntryMaybe<Head>,
  conversationId: string,
): number {
  return ((stagedHead(op, conversationId) as Head | null) ?? head.value)?.seq ?? 0;
}

export interface SendResult {
  message: Message;
  /** False when the clientId was seen before and the original message is returned. */
  created: boolean;
  /** Sensitive words of `warn` rules the text contains (lib/chat/sensitive_words.ts). */
  warnings?: string[];
}

/**
 * Appends a text message from `userId`. A retry with the same clientId
 * returns the original message and never stores a second one. `mentioned` is what
 * lib/chat/mention_targets.ts resolved from `input.mentions`.
 */
export async function sendMessage(
  deps: Deps,
  userId: string,
  conversationId: string,
  input: SendInput,
  forwardedFrom?: ForwardRef,
  mentioned?: ResolvedMentions,
): Promise<SendResult> {
  const { kv, config, fanout, clock } = deps;
  assertSendable(deps, userId, input);
  const clientKey = keys.messageByClientId(conversationId, userId, input.clientId);
  const sent = await fanout.commit<SendResult>(fanout.shard(conversationId), async (op) => {
    // One read for all of it (the sensitive-word rules too): reads, not JavaScript, are what a
    // send costs under load.
    const [member, head, dup, quoted, conv, rules, settings, hooks] = await kv.getMany<
      [Member, Head, number, Message, Conversation, WordRule[], GroupSettings, unknown]
    >([
      keys.member(conversationId, userId),
      keys.head(conversationId),
      clientKey,
      keys.message(conversationId, input.replyTo ?? 0),
      keys.conversation(conversationId),
      keys.sensitiveWords(),
      keys.groupSettings(conversationId),
      keys.eventWebhooksVersion(),
    ]);
    if (!member.value) throw notFound("conversation");
    // Sensitive words: blocked (throws), replaced with ***, or a warning for the sender.
    const { text, warnings } = rules.value?.length
      ? applyWordRules(rules.value, input.text)
      : { text: input.text, warnings: [] };
    await assertMayPost(deps, conversationId, member.value, groupSettingsOf(settings));
    if (dup.value !== null) {
      const original = await kv.get<Message>(keys.message(conversationId, dup.value));
      if (original.value) return { done: { message: original.value, created: false } };
    }
    if (input.burn && (conv.value?.memberCount ?? 0) > config.burnMaxMembers) {
      throw new ApiError(
        "invalid_input",
        `burn after reading works in conversations of at most ${config.burnMaxMembers} members`,
      );
    }
    const replyTo = input.replyTo === undefined ? undefined : quote(quoted, input.replyTo);
    const message = stageAppend(op, head, conversationId, {
      kind: "text",
      senderId: userId,
      text,
      clientId: input.clientId,
      replyTo,
      forwardedFrom,
      mentions: mentionsAnything(mentioned?.mentions) ? mentioned.mentions : undefined,
      burn: input.burn ? { ms: config.burnAfterReadingMs } : undefined,
    }, clock.now());
    if (mentioned) stageMentionIndex(op, message, mentioned.notify.slice(0, MENTION_INDEX_INLINE));
    if (replyTo) {
      // A recall of the original empties this reply's excerpt: the index finds it.
      op.check(quoted).set(keys.messageReply(conversationId, replyTo.seq, message.seq), true);
    }
    // Sending implies having read everything up to one's own message; clients
    // infer this from the message itself, so no receipt hint is published.
    op.check(member).check(dup)
      .set(clientKey, message.seq, { expireIn: config.clientIdTtlMs })
      .max(keys.read(conversationId, userId), BigInt(message.seq))
      .max(keys.delivered(conversationId, userId), BigInt(message.seq));
    // A burn-after-reading text never leaves for outside receivers.
    if (!message.burn) await stageMessageWebhooks(deps, op, message, message.createdAt, hooks);
    return {
      hints: [{ t: "msg", c: conversationId, s: message.seq }],
      result: { message, created: true, ...(warnings.length ? { warnings } : {}) },
    };
  }, conversationId);
  if (sent.created && mentioned && mentioned.notify.length > MENTION_INDEX_INLINE) {
    await indexMentionsRest(kv, sent.message, mentioned.notify.slice(MENTION_INDEX_INLINE));
  }
  return sent;
}

/** What a send is refused for before anything is read: an over-long text, or a sender over the rate. */
function assertSendable(deps: Deps, userId: string, input: SendInput): void {
  const max = deps.config.maxMessageChars;
  if (input.text.length > max) {
    throw new ApiError("payload_too_large", `message text is longer than ${max} characters`);
  }
  if (!deps.limits.allowSend(userId)) {
    throw new ApiError("rate_limited", "sending too fast; slow down", 1);
  }
}

/** The quote of the message a reply answers; only a text or alert message can be answered. */
function quote(entry: Deno.KvEntryMaybe<Message>, seq: number): ReplyRef {
  const m = entry.value;
  if (!m || (m.kind !== "text" && m.kind !== "alert")) throw notFound(`message ${seq}`);
  return {
    seq: m.seq,
    id: m.id,
    senderId: m.senderId,
    excerpt: m.recalled || m.burn ? "" : m.text.slice(0, REPLY_EXCERPT_CHARS),
  };
}

export interface HistoryPage {
  items: Message[];
  /** For `after` paging: the next `after`; for backwards paging: the next `before`; null at the end. */
  cursor: number | null;
}

/**
 * Pages a conversation's history in seq order. `after` pages forwards;
 * `before` (or neither: the latest page) pages backwards.
 */
export async function listMessages(
  kv: Deno.Kv,
  conversationId: string,
  q: { after?: number; before?: number; limit: number },
): Promise<HistoryPage> {
  const prefix = keys.messages(conversationId);
  if (q.after !== undefined) {
    const items: Message[] = [];
    const end = q.before !== undefined ? { end: keys.message(conversationId, q.before) } : {
      end: [...prefix, Number.MAX_SAFE_INTEGER] as Deno.KvKey,
    };
    for await (
      const e of kv.list<Message>({ start: keys.message(conversationId, q.after + 1), ...end }, {
        limit: q.limit,
      })
    ) items.push(e.value);
    await withTargets(kv, conversationId, items);
    return { items, cursor: items.length === q.limit ? items[items.length - 1].seq : null };
  }
  const items: Message[] = [];
  const sel = q.before !== undefined
    ? { start: keys.message(conversationId, 1), end: keys.message(conversationId, q.before) }
    : { prefix };
  for await (const e of kv.list<Message>(sel, { limit: q.limit, reverse: true })) {
    items.push(e.value);
  }
  items.reverse();
  await withTargets(kv, conversationId, items);
  const first = items[0]?.seq ?? 0;
  return { items, cursor: items.length === q.limit && first > 1 ? first : null };
}

/**
 * Fills each event's `message` with its target's current state, so that applying an event is
 * replacing one message: the newest state wins whatever the client saw before.
 */
async function withTargets(kv: Deno.Kv, conversationId: string, items: Message[]): Promise<void> {
  const targets = [...new Set(items.flatMap((m) => m.event ? [m.event.target] : []))];
  if (!targets.length) return;
  const found = new Map<number, Message>();
  for (let i = 0; i < targets.length; i += 10) {
    const entries = await kv.getMany<Message[]>(
      targets.slice(i, i + 10).map((s) => keys.message(conversationId, s)),
    );
    for (const e of entries) if (e.value) found.set(e.value.seq, e.value);
  }
  for (let i = 0; i < items.length; i++) {
    const ev = items[i].event;
    const target = ev ? found.get(ev.target) : undefined;
    if (ev && target) items[i] = { ...items[i], event: { ...ev, message: target } };
  }
}
