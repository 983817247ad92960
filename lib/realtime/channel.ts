/**
 * A channel per active conversation on this process: it reads new messages from KV once per
 * fanout hint into a small cache and hands them to every local subscriber; a subscriber behind
 * the cache catches up from KV on its own.
 */
import { CLOSE } from "../protocol.ts";
import type { Config } from "../core/config.ts";
import { keys } from "../core/keys.ts";
import { listMessages } from "../chat/messages.ts";
import type { Head, Message } from "../chat/model.ts";
import type { Alert } from "../alerts/model.ts";

/** Alerts of recent cards a channel keeps, to send each with its card. */
const CARDS_KEPT = 64;
import type { Subscriber } from "./subscriber.ts";
import { log } from "../core/log.ts";

/** Hands messages (in order, starting at or before the cursor + 1) to one subscriber. */
export type Deliver = (sub: Subscriber, conversationId: string, messages: Message[]) => void;

export class Channel {
  readonly subs = new Set<Subscriber>();
  /** New alerts that came with their cards (fanout `msg` hints), by id, the latest few. */
  readonly cards = new Map<string, Alert>();
  cache: Message[] = [];
  lastSeq = 0;
  initialized = false;
  readonly ready: Promise<void>;
  #pumping = false;
  #again = false;

  constructor(
    readonly id: string,
    private kv: Deno.Kv,
    private config: Pick<Config, "replayPage" | "channelCache">,
    private deliver: Deliver,
  ) {
    this.ready = this.#init();
  }

  async #init(): Promise<void> {
    try {
      const head = await this.kv.get<Head>(keys.head(this.id));
      this.lastSeq = head.value?.seq ?? 0;
    } finally {
      this.initialized = true;
    }
  }

  /**
   * A message that came inside its fanout log entry: handed out at once when it is the next
   * one this channel expects; otherwise (a gap, a read in progress) read from KV as usual.
   */
  offer(message: Message): void {
    if (this.#pumping || !this.initialized) return this.pump();
    if (message.seq <= this.lastSeq) return;
    if (message.seq !== this.lastSeq + 1) return this.pump();
    this.cache.push(message);
    this.lastSeq = message.seq;
    if (this.cache.length > this.config.channelCache) this.cache.shift();
    for (const sub of this.subs) this.advance(sub);
  }

  /** Keeps the alert of a new card, to be sent with it. */
  card(alert: Alert): void {
    this.cards.set(alert.id, alert);
    if (this.cards.size > CARDS_KEPT) this.cards.delete(this.cards.keys().next().value!);
  }

  /** Reads messages committed since the last read and hands them out. */
  pump(): void {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    (async () => {
      try {
        await this.ready;
        while (true) {
          this.#again = false;
          const page = await listMessages(this.kv, this.id, {
            after: this.lastSeq,
            limit: this.config.replayPage,
          });
          if (page.items.length) {
            this.#applyEvents(page.items);
            this.cache.push(...page.items);
            this.lastSeq = page.items[page.items.length - 1].seq;
            const excess = this.cache.length - this.config.channelCache;
            if (excess > 0) this.cache.splice(0, excess);
            for (const sub of this.subs) this.advance(sub);
          }
          if (page.cursor === null && !this.#again) break;
        }
      } catch (err) {
        log.error(`hub: reading conversation ${this.id} failed`, err);
      } finally {
        this.#pumping = false;
      }
    })();
  }

  /** Cached messages changed by these events (an edit, a recall) take their new state. */
  #applyEvents(items: Message[]): void {
    const first = this.cache[0]?.seq;
    if (first === undefined) return;
    for (const m of items) {
      const target = m.event?.message;
      const i = target ? target.seq - first : -1;
      if (target && i >= 0 && i < this.cache.length && this.cache[i].seq === target.seq) {
        this.cache[i] = target;
      }
    }
  }

  /** Gives `sub` everything after its cursor: from the cache, or from KV when it is further behind. */
  advance(sub: Subscriber): void {
    if (sub.closed || !this.subs.has(sub)) return;
    if (!this.initialized) {
      this.ready.then(() => this.advance(sub));
      return;
    }
    if (sub.catching?.has(this.id)) return;
    const cur = sub.cursors.get(this.id);
    if (cur === undefined || cur >= this.lastSeq) return;
    const first = this.cache.length ? this.cache[0].seq : this.lastSeq + 1;
    if (cur + 1 >= first) {
      this.deliver(sub, this.id, this.cache.slice(cur + 1 - first));
      return;
    }
    (sub.catching ??= new Set()).add(this.id);
    (async () => {
      try {
        while (!sub.closed && this.subs.has(sub)) {
          const c = sub.cursors.get(this.id)!;
          const upTo = (this.cache.length ? this.cache[0].seq : this.lastSeq + 1) - 1;
          if (c >= upTo) break;
          const page = await listMessages(this.kv, this.id, {
            after: c,
            limit: Math.min(this.config.replayPage, upTo - c),
          });
          const first = page.items[0]?.seq ?? upTo + 1;
          if (first > c + 1) {
            // Messages after the cursor are gone (retention deleted them): say so rather than
            // leave a silent gap. The client drops what it holds and reloads; the stream goes on.
            const seq = first - 1;
            sub.cursors.set(this.id, seq);
            sub.push({ type: "resync", conversationId: this.id, seq, reason: "retention" });
          }
          if (page.items.length === 0) break;
          this.deliver(sub, this.id, page.items);
        }
      } catch (err) {
        log.error(`hub: catch-up of ${this.id} failed; closing the subscriber`, err);
        sub.close(CLOSE.shutdown, "catch-up failed");
      } finally {
        sub.catching?.delete(this.id);
        if (sub.catching?.size === 0) sub.catching = null;
      }
      this.advance(sub);
    })();
  }
}
