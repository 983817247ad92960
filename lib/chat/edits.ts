/**
 * Editing and recalling one's own messages, within windows from the config. An edit keeps the
 * earlier text for admins' audit; a recall deletes the text, its earlier versions, its reactions
 * and the excerpts of replies quoting it. Each is an event in the log (lib/chat/events.ts).
 */
import { deleteAttachmentsOf } from "../files/files.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import { getMembership } from "./conversations.ts";
import { commitEvent } from "./events.ts";
import type { Message } from "./model.ts";
import {
  indexMentionsRest,
  MENTION_INDEX_INLINE,
  mentionsAnything,
  reachedBy,
  type ResolvedMentions,
  stageMentionIndex,
  unindexMentions,
} from "./mentions.ts";

/** An earlier text of a message, as its sender wrote it before editing. */
export interface MessageVersion {
  n: number;
  text: string;
  /** When this text was written (sent, or the edit that produced it). */
  at: number;
}

function windowText(ms: number): string {
  return ms % 3600_000 === 0 ? `${ms / 3600_000} h` : `${Math.round(ms / 60_000)} min`;
}

function assertOwn(m: Message, userId: string, what: string): void {
  if (m.kind !== "text" || m.senderId !== userId) {
    throw new ApiError("forbidden", `only the sender may ${what} their message`);
  }
  if (m.recalled) throw new ApiError("conflict", "the message was recalled");
}

async function listKeys(kv: Deno.Kv, prefix: Deno.KvKey, limit: number): Promise<Deno.KvKey[]> {
  const out: Deno.KvKey[] = [];
  for await (const e of kv.list({ prefix }, { limit })) out.push(e.key);
  return out;
}

/**
 * Replaces the text of the sender's own message within the edit window. `mentioned` (resolved
 * by lib/chat/mention_targets.ts) replaces its mentions; only people it did not reach before
 * are notified. Without it the mentions stay as they were.
 */
export async function editMessage(
  deps: Deps,
  userId: string,
  conversationId: string,
  seq: number,
  text: string,
  mentioned?: ResolvedMentions,
): Promise<Message> {
  const { kv, config } = deps;
  if (text.length > config.maxMessageChars) {
    throw new ApiError(
      "payload_too_large",
      `message text is longer than ${config.maxMessageChars} characters`,
    );
  }
  let fresh: string[] = [];
  let dropped: string[] = [];
  const edited = await commitEvent(
    deps,
    userId,
    conversationId,
    seq,
    async ({ target, now }, op) => {
      const m = target.value;
      assertOwn(m, userId, "edit");
      if (m.burn) throw new ApiError("conflict", "a burn-after-reading message cannot be edited");
      if (now - m.createdAt > config.messageEditWindowMs) {
        throw new ApiError(
          "forbidden",
          `a message can be edited for ${windowText(config.messageEditWindowMs)} after sending`,
        );
      }
      const before = new Set(mentioned ? await reachedBy(kv, m) : []);
      fresh = mentioned ? mentioned.notify.filter((u) => !before.has(u)) : [];
      const after = new Set(mentioned?.notify ?? []);
      dropped = mentioned ? [...before].filter((u) => !after.has(u)) : [];
      const { mentions: _m, ...bare } = m;
      const next: Message = !mentioned
        ? m
        : mentionsAnything(mentioned.mentions)
        ? { ...m, mentions: mentioned.mentions }
        : bare;
      if (m.text === text && JSON.stringify(next.mentions) === JSON.stringify(m.mentions)) {
        fresh = [];
        return { unchanged: m };
      }
      const versions = await listKeys(
        kv,
        keys.messageVersions(conversationId, seq),
        config.messageMaxEdits,
      );
      if (versions.length >= config.messageMaxEdits) {
        throw new ApiError(
          "conflict",
          `a message can be edited at most ${config.messageMaxEdits} times`,
        );
      }
      const n = versions.length + 1;
      const version: MessageVersion = { n, text: m.text, at: m.editedAt ?? m.createdAt };
      // The check makes two edits racing for number n commit one after the other.
      const vkey = keys.messageVersion(conversationId, seq, n);
      op.check({ key: vkey, versionstamp: null }).set(vkey, version);
      stageMentionIndex(op, m, fresh.slice(0, MENTION_INDEX_INLINE));
      return { updated: { ...next, text, editedAt: now }, event: { type: "edit", target: seq } };
    },
  );
  if (fresh.length > MENTION_INDEX_INLINE) {
    await indexMentionsRest(kv, edited, fresh.slice(MENTION_INDEX_INLINE));
  }
  // People the edit no longer mentions lose the entry and, if it is the latest, the marker.
  if (dropped.length) await unindexMentions(kv, edited, dropped);
  return edited;
}

/** Recalls the sender's own message within the recall window: its content leaves KV. */
export async function recallMessage(
  deps: Deps,
  userId: string,
  conversationId: string,
  seq: number,
): Promise<Message> {
  const { kv, config } = deps;
  const was: { message?: Message } = {};
  const recalled = await commitEvent(
    deps,
    userId,
    conversationId,
    seq,
    async ({ target, now }, op) => {
      const m = target.value;
      if (m.recalled && m.senderId === userId) return { unchanged: m };
      assertOwn(m, userId, "recall");
      if (now - m.createdAt > config.messageRecallWindowMs) {
        throw new ApiError(
          "forbidden",
          `a message can be recalled for ${windowText(config.messageRecallWindowMs)} after sending`,
        );
      }
      for (const k of await listKeys(kv, keys.messageVersions(conversationId, seq), 1000)) {
        op.delete(k);
      }
      // Replies quoting it keep their place but lose the excerpt (the window is short: few replies).
      const replies = await listKeys(kv, keys.messageReplies(conversationId, seq), 200);
      const quoting = await kv.getMany<Message[]>(
        replies.slice(0, 10).map((k) => keys.message(conversationId, k[3] as number)),
      );
      for (let i = 10; i < replies.length; i += 10) {
        quoting.push(
          ...await kv.getMany<Message[]>(
            replies.slice(i, i + 10).map((k) => keys.message(conversationId, k[3] as number)),
          ),
        );
      }
      for (const r of quoting) {
        if (!r.value?.replyTo) continue;
        op.check(r).set(r.key, { ...r.value, replyTo: { ...r.value.replyTo, excerpt: "" } });
      }
      // Its files go with it: deleted now, their chunks swept later (lib/files/sweep.ts).
      deleteAttachmentsOf(op, m);
      was.message = m;
      const { reactions: _r, editedAt: _e, files: _f, mentions: _m, ...rest } = m;
      return {
        updated: { ...rest, text: "", recalled: true },
        event: { type: "recall", target: seq },
      };
    },
  );
  // The fanout log may carry the message inline: take that copy out too.
  await deps.fanout.forgetInlined(conversationId, seq);
  // Nobody is left with an "@" marker or a listed mention for it.
  if (was.message?.mentions) await unindexMentions(kv, was.message);
  return recalled;
}

/** Earlier versions of a message, oldest first: for admins (a member of the conversation). */
export async function listVersions(
  deps: Deps,
  user: { id: string; role: string },
  conversationId: string,
  seq: number,
): Promise<{ message: Message; versions: MessageVersion[] }> {
  if (user.role !== "admin") throw new ApiError("forbidden", "admins only");
  await getMembership(deps.kv, user.id, conversationId);
  const m = await deps.kv.get<Message>(keys.message(conversationId, seq));
  if (!m.value || m.value.kind === "event") throw notFound("message");
  const versions: MessageVersion[] = [];
  for await (
    const e of deps.kv.list<MessageVersion>({ prefix: keys.messageVersions(conversationId, seq) })
  ) versions.push(e.value);
  return { message: m.value, versions };
}
