/**
 * DING: an urgent message to chosen members of a conversation. Sending one appends a `ding`
 * system event (so every device hears of it live and after a resume, like any message), keeps a
 * banner pending for each recipient until they confirm, and stages, per recipient, durable steps
 * outside the app for when they have not confirmed: push, then SMS, then a call, as far as the
 * sender chose (lib/notify/ding_steps.ts fires them). The sender sees per recipient delivered,
 * read and confirmed, and may DING the unconfirmed again after TOCSIN_DING_AGAIN_MS. One atomic
 * commit per change, through the fanout of the conversation's shard.
 */
import { z } from "zod";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { getManyChunked, listAll, u64 } from "../core/kv_util.ts";
import { take } from "../core/ratelimit.ts";
import { IdSchema } from "../core/schemas.ts";
import type { Hint } from "../core/fanout.ts";
import type { TimelineEntry } from "../alerts/model.ts";
import type { User } from "../accounts/model.ts";
import { stageTimer } from "../jobs/timers.ts";
import type { Conversation, Head, Member, Message } from "./model.ts";
import { stageAppend } from "./messages.ts";

/** How far a DING goes outside the app for someone who has not confirmed. */
export const DingModeSchema = z.enum(["app", "sms", "call"]);
export type DingMode = z.infer<typeof DingModeSchema>;

export const DingInputSchema = z.strictObject({
  /** The message (or alert card) the DING is about. */
  seq: z.number().int().positive(),
  userIds: z.array(IdSchema).min(1).max(500),
  mode: DingModeSchema.default("app"),
});
export type DingInput = z.infer<typeof DingInputSchema>;

const StepSchema = z.object({
  at: z.number(),
  channel: z.enum(["push", "sms", "voice"]),
  ok: z.boolean(),
  detail: z.string(),
});
export type DingStep = z.infer<typeof StepSchema>;

const RecipientSchema = z.object({
  userId: z.string(),
  confirmedAt: z.number().nullable(),
  /** When they were last DINGed (the first time or again). */
  lastDingAt: z.number(),
  /** The seq of the `ding` event that last reached them (delivered and read are measured on it). */
  eventSeq: z.number(),
  steps: z.array(StepSchema),
});

/** A stored DING (`dings/<id>`). */
export const DingSchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  /** The seq of the message it is about. */
  ref: z.number(),
  alertId: z.string().nullable(),
  senderId: z.string(),
  mode: DingModeSchema,
  /** The start of the message's text (for banners, SMS and push). */
  text: z.string(),
  createdAt: z.number(),
  recipients: z.array(RecipientSchema),
});
export type Ding = z.infer<typeof DingSchema>;

/** How much of the message a DING quotes. */
const EXCERPT = 200;

/** The last step a DING takes outside the app: 1 push, 2 SMS, 3 a call. */
export function lastStep(mode: DingMode): number {
  return mode === "app" ? 1 : mode === "sms" ? 2 : 3;
}

/** Stages recipient `userId`'s first step outside the app. */
function stageFirstStep(
  op: Deno.AtomicOperation,
  deps: Deps,
  d: Ding,
  userId: string,
  now: number,
) {
  stageTimer(op, now, {
    id: ulid(now),
    kind: "ding",
    alertId: `ding:${d.id}`,
    dingId: d.id,
    userId,
    dueAt: now + deps.config.dingStepMs,
    n: 1,
    round: now,
  });
}

/** Counts a DING against the sender's hourly limit; 429 past it. */
async function takeDingRate(deps: Deps, userId: string): Promise<void> {
  const wait = await take(deps.kv, deps.clock, [{
    scope: "ding",
    id: userId,
    windowMs: 3_600_000,
    max: deps.config.dingPerHour,
  }]);
  if (wait > 0) {
    throw new ApiError("rate_limited", `at most ${deps.config.dingPerHour} DINGs an hour`, wait);
  }
}

/** A timeline entry for a DING about an alert card. */
function stageTimeline(
  op: Deno.AtomicOperation,
  alertId: string,
  by: string,
  now: number,
  detail: Record<string, unknown>,
): void {
  const e: TimelineEntry = { id: ulid(now), at: now, kind: "ding", by, via: "app", detail };
  op.set(keys.alertTimeline(alertId, e.id), e);
}

/**
 * Sends a DING about message `input.seq` of a conversation to members `input.userIds` (not the
 * sender). 404 when the sender is not a member or there is no such message; 400 for a recipient
 * who is not a member.
 */
export async function sendDing(
  deps: Deps,
  sender: User,
  conversationId: string,
  input: DingInput,
): Promise<Ding> {
  const { kv, fanout, clock, config } = deps;
  const userIds = [...new Set(input.userIds)];
  if (userIds.includes(sender.id)) {
    throw new ApiError("invalid_input", "a DING goes to others, not to yourself");
  }
  if (userIds.length > config.dingMaxRecipients) {
    throw new ApiError("invalid_input", `at most ${config.dingMaxRecipients} people per DING`);
  }
  await takeDingRate(deps, sender.id);
  return await fanout.commit<Ding>(fanout.shard(conversationId), async (op) => {
    const [member, head, target] = await kv.getMany<[Member, Head, Message]>([
      keys.member(conversationId, sender.id),
      keys.head(conversationId),
      keys.message(conversationId, input.seq),
    ]);
    if (!member.value) throw notFound("conversation");
    if (!target.value || target.value.kind === "system") throw notFound("message");
    const members = await getManyChunked<Member>(
      kv,
      userIds.map((u) => keys.member(conversationId, u)),
    );
    const outside = userIds.filter((_, i) => !members[i].value);
    if (outside.length) {
      throw new ApiError("invalid_input", "every recipient must be a member of the conversation");
    }
    const now = clock.now();
    const id = ulid(now);
    const event = stageAppend(op, head, conversationId, {
      kind: "system",
      senderId: null,
      text: "",
      system: { event: "ding", actorId: sender.id, userIds, ref: input.seq, dingId: id },
    }, now);
    const d: Ding = {
      id,
      conversationId,
      ref: input.seq,
      alertId: target.value.kind === "alert" ? target.value.alertId ?? null : null,
      senderId: sender.id,
      mode: input.mode,
      text: target.value.text.slice(0, EXCERPT),
      createdAt: now,
      recipients: userIds.map((userId) => ({
        userId,
        confirmedAt: null,
        lastDingAt: now,
        eventSeq: event.seq,
        steps: [],
      })),
    };
    op.check(member, target).set(keys.ding(d.id), d)
      .set(keys.dingByConversation(conversationId, d.id), now);
    for (const u of userIds) {
      op.set(keys.dingPending(u, d.id), now);
      stageFirstStep(op, deps, d, u, now);
    }
    const hints: Hint[] = [{ t: "msg", c: conversationId, s: event.seq }];
    if (d.alertId) {
      stageTimeline(op, d.alertId, sender.id, now, { dingId: d.id, userIds, mode: d.mode });
      hints.push({ t: "alert", c: conversationId, a: d.alertId });
    }
    return { hints, result: d };
  });
}

/** A DING, or 404. */
async function getDing(kv: Deno.Kv, id: string): Promise<Deno.KvEntry<Ding>> {
  const e = await kv.get<Ding>(keys.ding(id));
  if (!e.value) throw notFound("DING");
  return e as Deno.KvEntry<Ding>;
}

/** The recipient confirms (idempotent). Only a recipient may; others get 404. */
export async function confirmDing(deps: Deps, user: User, dingId: string): Promise<Ding> {
  const { kv, fanout, clock } = deps;
  const first = await getDing(kv, dingId);
  return await fanout.commit<Ding>(fanout.shard(first.value.conversationId), async (op) => {
    const e = await getDing(kv, dingId);
    const d = structuredClone(e.value);
    const r = d.recipients.find((x) => x.userId === user.id);
    if (!r) throw notFound("DING");
    if (r.confirmedAt !== null) return { done: d };
    const now = clock.now();
    r.confirmedAt = now;
    op.check(e).set(e.key, d).delete(keys.dingPending(user.id, d.id));
    const hints: Hint[] = [];
    if (d.alertId) {
      stageTimeline(op, d.alertId, user.id, now, { dingId: d.id, confirmed: true });
      hints.push({ t: "alert", c: d.conversationId, a: d.alertId });
    }
    return { hints, result: d };
  });
}

/**
 * The sender DINGs those who have not confirmed again: a new event, new steps outside the app
 * (the old ones stop). At most once per TOCSIN_DING_AGAIN_MS (429 with the wait before).
 */
export async function dingAgain(deps: Deps, sender: User, dingId: string): Promise<Ding> {
  const { kv, fanout, clock, config } = deps;
  const first = await getDing(kv, dingId);
  if (first.value.senderId !== sender.id) throw notFound("DING");
  const pending = first.value.recipients.filter((r) => r.confirmedAt === null);
  if (pending.length === 0) throw new ApiError("conflict", "everyone has confirmed");
  const last = Math.max(...pending.map((r) => r.lastDingAt));
  const wait = last + config.dingAgainMs - clock.now();
  if (wait > 0) {
    throw new ApiError(
      "rate_limited",
      `a DING can be repeated once every ${Math.round(config.dingAgainMs / 60_000)} minutes`,
      Math.ceil(wait / 1000),
    );
  }
  await takeDingRate(deps, sender.id);
  const conversationId = first.value.conversationId;
  return await fanout.commit<Ding>(fanout.shard(conversationId), async (op) => {
    const e = await getDing(kv, dingId);
    const [member, head] = await kv.getMany<[Member, Head]>([
      keys.member(conversationId, sender.id),
      keys.head(conversationId),
    ]);
    if (!member.value) throw notFound("conversation");
    const d = structuredClone(e.value);
    const now = clock.now();
    const again = d.recipients.filter((r) => r.confirmedAt === null);
    const event = stageAppend(op, head, conversationId, {
      kind: "system",
      senderId: null,
      text: "",
      system: {
        event: "ding",
        actorId: sender.id,
        userIds: again.map((r) => r.userId),
        ref: d.ref,
        dingId: d.id,
      },
    }, now);
    for (const r of again) {
      r.lastDingAt = now;
      r.eventSeq = event.seq;
      stageFirstStep(op, deps, d, r.userId, now);
    }
    op.check(e, member).set(e.key, d);
    return { hints: [{ t: "msg", c: conversationId, s: event.seq }], result: d };
  });
}

/** A recipient's view of one status row, for the sender's panel. */
export interface DingRecipientView {
  userId: string;
  name: string;
  delivered: boolean;
  read: boolean;
  confirmedAt: number | null;
  lastDingAt: number;
  steps: DingStep[];
}

/**
 * A DING with, per recipient, whether the event reached a device (delivered), was seen (read),
 * and was confirmed. For members of its conversation only (404 for others).
 */
export async function dingStatus(deps: Deps, user: User, dingId: string) {
  const { kv } = deps;
  const { value: d } = await getDing(kv, dingId);
  const me = await kv.get<Member>(keys.member(d.conversationId, user.id));
  if (!me.value) throw notFound("DING");
  const ids = d.recipients.map((r) => r.userId);
  const [delivered, read, users] = await Promise.all([
    getManyChunked<Deno.KvU64>(kv, ids.map((u) => keys.delivered(d.conversationId, u))),
    getManyChunked<Deno.KvU64>(kv, ids.map((u) => keys.read(d.conversationId, u))),
    getManyChunked<User>(kv, ids.map((u) => keys.user(u))),
  ]);
  const recipients: DingRecipientView[] = d.recipients.map((r, i) => ({
    userId: r.userId,
    name: users[i].value?.name ?? "",
    delivered: u64(delivered[i]) >= r.eventSeq,
    read: u64(read[i]) >= r.eventSeq,
    confirmedAt: r.confirmedAt,
    lastDingAt: r.lastDingAt,
    steps: r.steps,
  }));
  const sender = (await kv.get<User>(keys.user(d.senderId))).value;
  return {
    id: d.id,
    conversationId: d.conversationId,
    ref: d.ref,
    alertId: d.alertId,
    senderId: d.senderId,
    senderName: sender?.name ?? "",
    mode: d.mode,
    text: d.text,
    createdAt: d.createdAt,
    recipients,
  };
}
export type DingStatus = Awaited<ReturnType<typeof dingStatus>>;

/** What a recipient's banner shows for one DING they have not confirmed. */
export interface PendingDing {
  id: string;
  conversationId: string;
  conversationTitle: string;
  ref: number;
  senderName: string;
  text: string;
  lastDingAt: number;
}

/** The user's unconfirmed DINGs, newest first (their banners). */
export async function pendingDings(deps: Deps, user: User): Promise<PendingDing[]> {
  const { kv } = deps;
  const ids = (await listAll<number>(kv, keys.dingsPending(user.id), 200)).map((e) =>
    e.key[2] as string
  );
  const dings = (await getManyChunked<Ding>(kv, ids.map((id) => keys.ding(id))))
    .map((e) => e.value).filter((d): d is Ding => d !== null);
  const [senders, convs] = await Promise.all([
    getManyChunked<User>(kv, dings.map((d) => keys.user(d.senderId))),
    getManyChunked<Conversation>(kv, dings.map((d) => keys.conversation(d.conversationId))),
  ]);
  return dings.map((d, i) => ({
    id: d.id,
    conversationId: d.conversationId,
    conversationTitle: convs[i].value?.title ?? "",
    ref: d.ref,
    senderName: senders[i].value?.name ?? "",
    text: d.text,
    lastDingAt: d.recipients.find((r) => r.userId === user.id)?.lastDingAt ?? d.createdAt,
  })).sort((a, b) => b.lastDingAt - a.lastDingAt);
}

/** The latest DINGs of a conversation with their status, newest first (members only). */
export async function conversationDings(
  deps: Deps,
  user: User,
  conversationId: string,
  limit = 20,
): Promise<DingStatus[]> {
  const { kv } = deps;
  const me = await kv.get<Member>(keys.member(conversationId, user.id));
  if (!me.value) throw notFound("conversation");
  const ids: string[] = [];
  for await (
    const e of kv.list({ prefix: keys.dingsByConversation(conversationId) }, {
      reverse: true,
      limit,
    })
  ) ids.push(e.key[2] as string);
  return await Promise.all(ids.map((id) => dingStatus(deps, user, id)));
}
