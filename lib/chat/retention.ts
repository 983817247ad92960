/**
 * Message retention (TOCSIN_MESSAGE_RETENTION_DAYS). A periodic sweep deletes
 * each conversation's messages older than the retention, oldest first, in
 * atomic batches that also move the conversation's floor
 * (`["message_floors", conv]`: every seq at or below it is gone). The
 * conversation list's preview of a deleted message is cleared in the same
 * commit. A client that resumes from a cursor below the floor gets a `resync`
 * frame (reason `retention`) rather than a silent gap; `GET .../messages?after=`
 * answers with `resync` likewise. Several processes may sweep at once: each
 * batch checks the floor it read.
 */
import type { Deps } from "../core/deps.ts";
import { keys } from "../core/keys.ts";
import type { Head, Message } from "./model.ts";
import { log } from "../core/log.ts";
import { deleteAttachmentsOf, MUTATIONS_PER_FILE } from "../files/files.ts";
import { messageIndexKeys } from "../search/indexing.ts";
import { stageUnpost } from "../search/blocks.ts";

/** Messages deleted per commit (KV allows 1,000 mutations). */
const BATCH = 200;
/** Mutations per commit, counting the files deleted with their messages. */
const MAX_MUTATIONS = 900;
/** Bytes of search posting keys per commit, under KV's 80 KiB of keys per commit. */
const MAX_INDEX_KEY_BYTES = 50_000;
const DAY_MS = 86_400_000;

/** The seq at or below which retention removed a conversation's messages (0: none removed). */
export async function messageFloor(kv: Deno.Kv, conversationId: string): Promise<number> {
  return (await kv.get<number>(keys.messageFloor(conversationId))).value ?? 0;
}

/** Deletes one conversation's messages created before `cutoff`. Returns how many were deleted. */
export async function trimConversation(
  deps: Deps,
  conversationId: string,
  cutoff: number,
): Promise<number> {
  const { kv } = deps;
  let deleted = 0;
  for (let attempt = 0; attempt < 1000; attempt++) {
    const floor = await kv.get<number>(keys.messageFloor(conversationId));
    const from = (floor.value ?? 0) + 1;
    const old: Message[] = [];
    let more = false;
    let mutations = 0;
    let keyBytes = 0;
    for await (
      const e of kv.list<Message>({
        start: keys.message(conversationId, from),
        end: [...keys.messages(conversationId), Number.MAX_SAFE_INTEGER],
      }, { limit: BATCH + 1 })
    ) {
      if (e.value.createdAt >= cutoff) break;
      // Its search postings go in the same commit (at most MAX_TOKENS_PER_DOC of them).
      const index = messageIndexKeys(e.value);
      const cost = 1 + MUTATIONS_PER_FILE * (e.value.files?.length ?? 0) + index.length;
      const bytes = index.reduce((n, k) => n + JSON.stringify(k).length * 2, 0);
      if (
        old.length === BATCH ||
        (old.length && (mutations + cost > MAX_MUTATIONS || keyBytes + bytes > MAX_INDEX_KEY_BYTES))
      ) {
        more = true;
        break;
      }
      mutations += cost;
      keyBytes += bytes;
      old.push(e.value);
    }
    if (!old.length) return deleted;
    await dropSideRecords(kv, conversationId, old);
    const newFloor = old[old.length - 1].seq;
    const op = kv.atomic().check(floor).set(keys.messageFloor(conversationId), newFloor);
    for (const m of old) {
      op.delete(keys.message(conversationId, m.seq));
      deleteAttachmentsOf(op, m);
    }
    // Packed blocks lose them later (lib/search/blocks.ts).
    stageUnpost(op, old.flatMap(messageIndexKeys));
    const head = await kv.get<Head>(keys.head(conversationId));
    if (head.value?.last && head.value.last.seq <= newFloor) {
      // The list preview shows a message that is being deleted: it goes too.
      op.check(head).set(keys.head(conversationId), { ...head.value, last: null });
    }
    if ((await op.commit()).ok) {
      deleted += old.length;
      if (!more) return deleted;
    }
    // Not committed: another sweep or a new message moved on; read again.
  }
  return deleted;
}

/**
 * Deletes what hangs off messages about to go: the earlier versions of edited ones (audit copies
 * of their text) and the reply index entries of replies. Done before the messages themselves, in
 * commits of their own, because an edited message may have many versions.
 */
async function dropSideRecords(kv: Deno.Kv, conversationId: string, old: Message[]): Promise<void> {
  const doomed: Deno.KvKey[] = [];
  for (const m of old) {
    if (m.replyTo) doomed.push(keys.messageReply(conversationId, m.replyTo.seq, m.seq));
    if (m.editedAt === undefined) continue;
    for await (const e of kv.list({ prefix: keys.messageVersions(conversationId, m.seq) })) {
      doomed.push(e.key);
    }
  }
  for (let i = 0; i < doomed.length; i += 500) {
    const op = kv.atomic();
    for (const k of doomed.slice(i, i + 500)) op.delete(k);
    await op.commit();
  }
}

/** One retention sweep over every conversation. */
export async function sweepRetention(
  deps: Deps,
): Promise<{ conversations: number; deleted: number }> {
  const days = deps.config.messageRetentionDays;
  if (!days) return { conversations: 0, deleted: 0 };
  const cutoff = deps.clock.now() - days * DAY_MS;
  let conversations = 0;
  let deleted = 0;
  for await (const e of deps.kv.list({ prefix: keys.heads() })) {
    const n = await trimConversation(deps, String(e.key[1]), cutoff);
    if (n) {
      conversations++;
      deleted += n;
    }
  }
  return { conversations, deleted };
}

/** Runs the sweep every `retentionSweepMs` while retention is on. */
export class RetentionService {
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<unknown> | null = null;

  constructor(private deps: Deps) {}

  start(): void {
    const { messageRetentionDays, retentionSweepMs } = this.deps.config;
    if (!messageRetentionDays || !retentionSweepMs) return;
    this.#timer = setInterval(() => this.run(), retentionSweepMs);
    this.run();
  }

  run(): Promise<unknown> {
    this.#running ??= sweepRetention(this.deps)
      .then((r) => {
        if (r.deleted) {
          log.info(
            `retention: deleted ${r.deleted} messages in ${r.conversations} conversations`,
          );
        }
      })
      .catch((err) => log.error("retention: sweep failed", err))
      .finally(() => this.#running = null);
    return this.#running;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}
