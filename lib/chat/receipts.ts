/**
 * Receipts: per member, "delivered up to seq" (some device of theirs got it)
 * and "read up to seq". Both are KvU64 cursors moved with the `max` mutation,
 * so concurrent writers and replays can never move one backwards.
 */
import { getMembership } from "./conversations.ts";
import type { Deps } from "../core/deps.ts";
import type { Fanout, Hint } from "../core/fanout.ts";
import { keys } from "../core/keys.ts";
import { getManyChunked, listAll, u64 } from "../core/kv_util.ts";
import type { Head, Member } from "./model.ts";
import { log } from "../core/log.ts";

export interface Receipt {
  userId: string;
  delivered: number;
  read: number;
}

/** Every member's receipts in a conversation (the caller must be a member; checked by the route). */
export async function getReceipts(kv: Deno.Kv, conversationId: string): Promise<Receipt[]> {
  const members = await listAll<Member>(kv, keys.members(conversationId));
  const ids = members.map((m) => m.value.userId);
  const [delivered, read] = await Promise.all([
    getManyChunked<Deno.KvU64>(kv, ids.map((u) => keys.delivered(conversationId, u))),
    getManyChunked<Deno.KvU64>(kv, ids.map((u) => keys.read(conversationId, u))),
  ]);
  return ids.map((userId, i) => {
    const r = u64(read[i]);
    // Read implies delivered, even if the delivered write is still buffered.
    return { userId, delivered: Math.max(u64(delivered[i]), r), read: r };
  });
}

/**
 * Marks a conversation read up to `seq` (clamped to the latest message) and
 * tells the other members. Answers the caller's cursors after the change.
 */
export async function markRead(
  deps: Deps,
  userId: string,
  conversationId: string,
  seq: number,
): Promise<Receipt> {
  const { kv, fanout } = deps;
  await getMembership(kv, userId, conversationId);
  return await fanout.commit<Receipt>(fanout.shard(conversationId), async (op) => {
    const [member, head, read, delivered] = await kv.getMany<
      [Member, Head, Deno.KvU64, Deno.KvU64]
    >([
      keys.member(conversationId, userId),
      keys.head(conversationId),
      keys.read(conversationId, userId),
      keys.delivered(conversationId, userId),
    ]);
    if (!member.value) return { done: { userId, read: 0, delivered: 0 } };
    const target = Math.min(seq, head.value?.seq ?? 0);
    const current = { userId, read: u64(read), delivered: Math.max(u64(delivered), u64(read)) };
    if (target <= current.read) return { done: current };
    op.check(member)
      .max(keys.read(conversationId, userId), BigInt(target))
      .max(keys.delivered(conversationId, userId), BigInt(target));
    const receipt = { userId, read: target, delivered: Math.max(current.delivered, target) };
    return {
      hints: [{ t: "rcpt", c: conversationId, u: userId, d: receipt.delivered, r: target }],
      result: receipt,
    };
  }, conversationId);
}

/** Largest number of receipts in one commit (each is a mutation plus a share of the hint). */
const DELIVERED_BATCH = 300;

/**
 * Buffers "delivered up to" marks and writes them in batches. A mark only
 * ever moves forward, so merging marks and writing late loses nothing but
 * latency; a crash loses at most one flush interval, and the client's next
 * hello (whose cursors count as delivered) repairs it.
 */
export class DeliveredBuffer {
  #pending = new Map<string, { c: string; u: string; seq: number }>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #flushing: Promise<void> | null = null;

  constructor(private kv: Deno.Kv, private fanout: Fanout, private flushMs: number) {}

  /** Notes that some device of `userId` holds `conversationId` up to `seq`. */
  mark(conversationId: string, userId: string, seq: number): void {
    if (seq <= 0) return;
    const k = conversationId + "|" + userId;
    const cur = this.#pending.get(k);
    if (cur && cur.seq >= seq) return;
    this.#pending.set(k, { c: conversationId, u: userId, seq });
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, this.flushMs);
  }

  /** Writes everything buffered so far. */
  flush(): Promise<void> {
    const run = async () => {
      await this.#flushing;
      const batch = [...this.#pending.values()];
      this.#pending.clear();
      if (batch.length === 0) return;
      const current = await getManyChunked<Deno.KvU64>(
        this.kv,
        batch.map((b) => keys.delivered(b.c, b.u)),
      );
      const moving = batch.filter((b, i) => b.seq > u64(current[i]));
      const byShard = new Map<number, typeof moving>();
      for (const b of moving) {
        const s = this.fanout.shard(b.c);
        byShard.set(s, [...(byShard.get(s) ?? []), b]);
      }
      await Promise.all([...byShard].map(async ([shard, items]) => {
        for (let i = 0; i < items.length; i += DELIVERED_BATCH) {
          const chunk = items.slice(i, i + DELIVERED_BATCH);
          await this.fanout.commit(shard, (op) => {
            const hints: Hint[] = [];
            for (const b of chunk) {
              op.max(keys.delivered(b.c, b.u), BigInt(b.seq));
              hints.push({ t: "rcpt", c: b.c, u: b.u, d: b.seq, r: 0 });
            }
            return Promise.resolve({ hints, result: null });
          });
        }
      }));
    };
    const p = run().catch((err) => log.error("receipts: delivered flush failed", err));
    this.#flushing = p;
    return p;
  }

  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }
}
