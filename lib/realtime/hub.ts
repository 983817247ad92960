/**
 * The hub: this process's subscribers (sockets, SSE streams, long polls)
 * and the conversations they follow.
 *
 * Delivery rule: a subscriber holds a cursor per conversation (the last seq
 * it was given) and is only ever given the message with seq cursor + 1.
 * Replay after (re)connect and live traffic both go through that rule, so a
 * commit that races with a replay is neither duplicated nor skipped.
 *
 * A channel per active conversation (channel.ts) reads new messages from KV
 * once per fanout hint into a small cache and hands them to every local
 * subscriber (subscriber.ts); a subscriber behind the cache catches up from
 * KV on its own.
 */
import { CLOSE, type ServerFrame } from "../protocol.ts";
import type { Config } from "../core/config.ts";
import { summarize } from "../chat/conversations.ts";
import type { Hint } from "../core/fanout.ts";
import { keys } from "../core/keys.ts";
import { getManyChunked, lastPart, listAll } from "../core/kv_util.ts";
import type { Alert } from "../alerts/model.ts";
import { whoCanSeeAlert } from "../alerts/queries.ts";
import type { Cursors } from "../protocol.ts";
import type { Head, Member, Message } from "../chat/model.ts";
import { ConnectionLimits } from "./admission.ts";
import { Channel } from "./channel.ts";
import { type Sink, Subscriber } from "./subscriber.ts";
import { KeepaliveRing } from "./keepalive.ts";
import { log } from "../core/log.ts";
import { messagesDelivered } from "../ops/metrics.ts";

export class Hub {
  #channels = new Map<string, Channel>();
  #users = new Map<string, Set<Subscriber>>();
  #closing = false;
  /** Whether a user may see a team's alerts, per team, until a time (see #audience). */
  #verdicts = new Map<string, Map<string, { ok: boolean; until: number }>>();
  /** The frames of a message, shared by every subscriber it goes to. */
  #frames = new WeakMap<Message, { plain?: ServerFrame; withAlert?: ServerFrame }>();
  onDelivered: (sub: Subscriber, conversationId: string, seq: number) => void = () => {};

  /** Caps on open sockets, SSE streams and long polls per user and per address. */
  readonly connections: ConnectionLimits;
  /** Every open socket's keepalive frames, from one timer (routes/ws.ts adds and removes). */
  readonly keepalives: KeepaliveRing;

  constructor(readonly kv: Deno.Kv, readonly config: Config, now: () => number = Date.now) {
    this.connections = new ConnectionLimits(config);
    this.keepalives = new KeepaliveRing(config.wsKeepaliveMs, now);
  }

  /** Counts for /metrics and benchmarks. */
  stats(): { subscribers: number; users: number; channels: number } {
    let subscribers = 0;
    for (const s of this.#users.values()) subscribers += s.size;
    return { subscribers, users: this.#users.size, channels: this.#channels.size };
  }

  /** Users with at least one open stream on this process (for presence). */
  connectedUsers(): string[] {
    return [...this.#users.keys()];
  }

  /** A new subscriber, not yet attached. */
  subscriber(userId: string, sessionHash: string | null, sink: Sink): Subscriber {
    const sub = this.#newSubscriber(userId, sessionHash, sink);
    // Shutting down: clients reconnect at once, and an accepted socket would keep the
    // server's graceful shutdown waiting for ever. Refuse them.
    if (this.#closing) queueMicrotask(() => sub.close(CLOSE.shutdown, "server shutting down"));
    return sub;
  }

  #newSubscriber(userId: string, sessionHash: string | null, sink: Sink): Subscriber {
    return new Subscriber(
      userId,
      sessionHash,
      sink,
      this.config.wsCoalesceMs,
      this.config.wsMaxBufferedBytes,
      (s) => this.detach(s),
    );
  }

  /**
   * Starts streaming the user's conversations to `sub`: a `ready` frame, then
   * everything after the client's cursors, then live traffic. Conversations
   * the client has no cursor for start at their current head.
   */
  async attach(sub: Subscriber, cursors: Cursors): Promise<void> {
    let set = this.#users.get(sub.userId);
    if (!set) this.#users.set(sub.userId, set = new Set());
    set.add(sub);
    const ids = (await listAll(this.kv, keys.conversationsByUser(sub.userId))).map((e) =>
      lastPart(e.key)
    );
    const heads = await getManyChunked<Head>(this.kv, ids.map((id) => keys.head(id)));
    if (sub.closed) return;
    const fresh: { id: string; seq: number }[] = [];
    const later: (() => void)[] = [];
    ids.forEach((id, i) => {
      if (sub.cursors.has(id)) return;
      const headSeq = heads[i].value?.seq ?? 0;
      const c = cursors[id];
      let start = c ?? headSeq;
      if (c === undefined) fresh.push({ id, seq: headSeq });
      else if (c > headSeq) {
        later.push(() =>
          sub.push({ type: "resync", conversationId: id, seq: headSeq, reason: "cursor_ahead" })
        );
        start = headSeq;
      } else if (c > 0) this.onDelivered(sub, id, c);
      later.push(() => this.subscribe(sub, id, start));
    });
    const member = new Set(ids);
    for (const id of Object.keys(cursors)) {
      if (!member.has(id)) {
        later.push(() => sub.push({ type: "membership", conversationId: id, change: "removed" }));
      }
    }
    sub.push({ type: "ready", userId: sub.userId, conversations: fresh });
    for (const f of later) f();
  }

  subscribe(sub: Subscriber, conversationId: string, cursor: number): void {
    if (sub.closed || sub.cursors.has(conversationId)) return;
    sub.cursors.set(conversationId, cursor);
    let ch = this.#channels.get(conversationId);
    if (!ch) {
      ch = new Channel(conversationId, this.kv, this.config, (s, c, m) => this.#deliver(s, c, m));
      this.#channels.set(conversationId, ch);
    }
    ch.subs.add(sub);
    ch.advance(sub);
  }

  #unsubscribe(sub: Subscriber, conversationId: string): void {
    sub.cursors.delete(conversationId);
    const ch = this.#channels.get(conversationId);
    if (!ch) return;
    ch.subs.delete(sub);
    if (ch.subs.size === 0) this.#channels.delete(conversationId);
  }

  /** Hands messages (already in order, starting at or before cursor + 1) to one subscriber. */
  #deliver(sub: Subscriber, conversationId: string, messages: Message[]): void {
    for (const m of messages) {
      const cur = sub.cursors.get(conversationId);
      if (cur === undefined || sub.closed) return;
      if (m.seq <= cur) continue;
      sub.cursors.set(conversationId, m.seq);
      sub.push(this.#messageFrame(m, sub.userId));
      messagesDelivered.inc();
      const s = m.system;
      if (
        s && ((s.event === "member_removed" && s.userIds?.includes(sub.userId)) ||
          (s.event === "member_left" && s.actorId === sub.userId))
      ) {
        // The notice of their own removal is the last thing a former member receives.
        this.#unsubscribe(sub, conversationId);
        sub.push({ type: "membership", conversationId, change: "removed" });
        return;
      }
    }
  }

  /**
   * The frame of message `m` for `userId`: a new alert's card carries the alert for those who
   * may see it (a known verdict), so that they need not fetch it. Frames are shared between
   * subscribers (one object per message and variant), so that they are serialised once.
   */
  #messageFrame(m: Message, userId: string): ServerFrame {
    let cached = this.#frames.get(m);
    if (!cached) this.#frames.set(m, cached = {});
    const al = m.alertId ? this.#channels.get(m.conversationId)?.cards.get(m.alertId) : undefined;
    if (al && this.#verdict(al.teamId, userId) === true) {
      return cached.withAlert ??= { type: "message", message: m, alert: al };
    }
    return cached.plain ??= { type: "message", message: m };
  }

  /** A known, unexpired verdict of whether `userId` may see team `teamId`'s alerts. */
  #verdict(teamId: string, userId: string): boolean | undefined {
    const v = this.#verdicts.get(teamId)?.get(userId);
    return v && v.until > performance.now() ? v.ok : undefined;
  }

  detach(sub: Subscriber): void {
    for (const id of [...sub.cursors.keys()]) this.#unsubscribe(sub, id);
    const set = this.#users.get(sub.userId);
    set?.delete(sub);
    if (set?.size === 0) this.#users.delete(sub.userId);
  }

  /** Subscribers of a user on this process. */
  subscribersOf(userId: string): Subscriber[] {
    return [...(this.#users.get(userId) ?? [])];
  }

  /** Applies fanout hints (called by Fanout, in commit order per shard). */
  onHints(hints: Hint[]): void {
    for (const h of hints) {
      switch (h.t) {
        case "msg": {
          const ch = this.#channels.get(h.c);
          if (!ch) break;
          const m = h.m as Message | undefined;
          const go = () => m && m.conversationId === h.c && m.seq === h.s ? ch.offer(m) : ch.pump();
          const al = h.al as Alert | undefined;
          if (al && typeof al === "object" && al.conversationId === h.c) {
            ch.card(al);
            // The card goes with its alert to those who may see it: learn who first, if unknown.
            const users = new Set([...ch.subs].map((s) => s.userId));
            if ([...users].some((u) => this.#verdict(al.teamId, u) === undefined)) {
              this.#audience(al, users).catch((err) => log.error("hub: audience failed", err))
                .finally(go);
              break;
            }
          }
          go();
          break;
        }
        case "rcpt": {
          const ch = this.#channels.get(h.c);
          if (!ch) break;
          const frame: ServerFrame = {
            type: "receipt",
            conversationId: h.c,
            userId: h.u,
            delivered: h.d,
            read: h.r,
          };
          for (const sub of ch.subs) sub.push(frame);
          break;
        }
        case "typing": {
          const frame: ServerFrame = { type: "typing", conversationId: h.c, userId: h.u };
          for (const sub of this.#channels.get(h.c)?.subs ?? []) {
            if (sub.userId !== h.u) sub.push(frame);
          }
          break;
        }
        case "alert": {
          const ch = this.#channels.get(h.c);
          // A card replayed after this change must not carry the alert as it was created.
          ch?.cards.delete(h.a);
          if (ch?.subs.size) this.#alertChanged(ch, h.a);
          break;
        }
        case "join":
          for (const u of h.u) {
            const subs = this.#users.get(u);
            if (subs?.size) this.#joined(u, [...subs], h.c, h.s - 1);
          }
          break;
        case "user":
          for (const sub of this.subscribersOf(h.u)) {
            if (h.s && sub.sessionHash !== h.s) continue;
            // The session that changed the password stays; so do sockets opened with API tokens.
            if (h.keep && (sub.sessionHash === h.keep || sub.sessionHash === null)) continue;
            sub.close(
              h.why === "disabled" ? CLOSE.accountDisabled : CLOSE.sessionEnded,
              h.why === "disabled" ? "account disabled" : "session ended",
            );
          }
          break;
      }
    }
  }

  async #alertChanged(ch: Channel, alertId: string): Promise<void> {
    try {
      // One read per process, then the same frame to every local member who may see the
      // alert (canSeeAlert, the REST rule): a conversation the alert was routed to may hold
      // people outside its team, and they get no frame (their card says "not your team").
      const alert = (await this.kv.get<Alert>(keys.alert(alertId))).value;
      if (!alert) return;
      const allowed = await this.#audience(alert, new Set([...ch.subs].map((s) => s.userId)));
      const frame: ServerFrame = { type: "alert", alert };
      for (const sub of ch.subs) if (allowed.has(sub.userId)) sub.push(frame);
    } catch (err) {
      log.error("hub: reading a changed alert failed", err);
    }
  }

  /**
   * Of `users`, those who may see `alert` (whoCanSeeAlert), with each verdict kept for
   * TOCSIN_ALERT_AUDIENCE_CACHE_MS so that a storm of alert changes does not re-read the
   * team for every one.
   */
  async #audience(alert: Alert, users: Set<string>): Promise<Set<string>> {
    const now = performance.now();
    let verdicts = this.#verdicts.get(alert.teamId);
    if (!verdicts) this.#verdicts.set(alert.teamId, verdicts = new Map());
    for (const [u, v] of verdicts) if (v.until <= now) verdicts.delete(u);
    const unknown = [...users].filter((u) => !verdicts.has(u));
    if (unknown.length) {
      const ok = await whoCanSeeAlert(this.kv, unknown, alert);
      const until = now + this.config.alertAudienceCacheMs;
      for (const u of unknown) verdicts.set(u, { ok: ok.has(u), until });
    }
    if (verdicts.size === 0) this.#verdicts.delete(alert.teamId);
    return new Set([...users].filter((u) => verdicts.get(u)?.ok === true));
  }

  async #joined(userId: string, subs: Subscriber[], conversationId: string, cursor: number) {
    try {
      const [summary] = await summarize(this.kv, userId, [conversationId]);
      if (!summary) return;
      for (const sub of subs) {
        if (sub.closed || sub.cursors.has(conversationId)) continue;
        sub.push({ type: "membership", conversationId, change: "added", conversation: summary });
        this.subscribe(sub, conversationId, cursor);
      }
    } catch (err) {
      log.error("hub: announcing a new conversation failed", err);
    }
  }

  /**
   * After missed fanout entries: re-read every active conversation and every
   * local user's membership, so that no subscriber misses anything.
   */
  resync(): void {
    for (const ch of this.#channels.values()) ch.pump();
    for (const [userId, subs] of this.#users) this.#refreshUser(userId, [...subs]);
  }

  async #refreshUser(userId: string, subs: Subscriber[]): Promise<void> {
    try {
      const members = await listAll(this.kv, keys.conversationsByUser(userId));
      const ids = members.map((e) => lastPart(e.key));
      const ms = await getManyChunked<Member>(this.kv, ids.map((id) => keys.member(id, userId)));
      ids.forEach((id, i) => {
        const m = ms[i].value;
        if (!m) return;
        const missing = subs.filter((s) => !s.closed && !s.cursors.has(id));
        if (missing.length) this.#joined(userId, missing, id, m.joinedSeq);
      });
    } catch (err) {
      log.error("hub: refreshing memberships failed", err);
    }
  }

  /** Closes every subscriber and refuses new ones (shutdown). */
  closeAll(code: number = CLOSE.shutdown, reason = "server shutting down"): void {
    this.#closing = true;
    for (const set of [...this.#users.values()]) {
      for (const sub of [...set]) sub.close(code, reason);
    }
    this.keepalives.close();
  }
}
