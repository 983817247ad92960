/**
 * Event webhook subscriptions per team: a URL that hears of the team's alert
 * events (and, if asked, the messages of its conversation), in Tocsin's JSON
 * or as CloudEvents, signed with a secret shown once. Team admins and admins
 * keep them; sending is event_webhook_delivery.ts.
 */
import { auditedAtomic } from "../audit/chain.ts";
import { z } from "zod";
import type { User } from "../accounts/model.ts";
import { assertTeamAccess, ensureTeamConversation, requireTeamManager } from "../accounts/teams.ts";
import { randomToken } from "../core/crypto.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { checkAbsent, commitOrConflict, listAll, listByIndex } from "../core/kv_util.ts";
import {
  type DeliveryLogEntry,
  EventTypeSchema,
  type EventWebhook,
  sendEvent,
  stageLogEntry,
} from "./event_webhook_delivery.ts";
import { checkOutboundUrl } from "./outbound.ts";

const Id = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, "must be an id");

export const EventWebhookInputSchema = z.strictObject({
  teamId: Id,
  name: z.string().trim().min(1).max(100),
  url: z.string().max(2048),
  events: z.array(EventTypeSchema).min(1).max(EventTypeSchema.options.length),
  format: z.enum(["tocsin", "cloudevents"]).default("tocsin"),
  enabled: z.boolean().default(true),
});
export type EventWebhookInput = z.infer<typeof EventWebhookInputSchema>;

/** An edit: every field optional; the secret is rotated on its own (rotateEventWebhookSecret). */
export const EventWebhookUpdateSchema = z.strictObject({
  name: EventWebhookInputSchema.shape.name.optional(),
  url: EventWebhookInputSchema.shape.url.optional(),
  events: EventWebhookInputSchema.shape.events.optional(),
  format: z.enum(["tocsin", "cloudevents"]).optional(),
  enabled: z.boolean().optional(),
});
export type EventWebhookUpdate = z.infer<typeof EventWebhookUpdateSchema>;

/** A subscription as reads show it: the secret never leaves after its creation. */
export const PublicEventWebhookSchema = z.object({
  id: z.string(),
  teamId: z.string(),
  name: z.string(),
  url: z.string(),
  events: z.array(EventTypeSchema),
  format: z.enum(["tocsin", "cloudevents"]),
  enabled: z.boolean(),
  createdAt: z.number(),
  createdBy: z.string(),
  updatedAt: z.number(),
});
export type PublicEventWebhook = z.infer<typeof PublicEventWebhookSchema>;

export function publicEventWebhook(s: EventWebhook): PublicEventWebhook {
  const { secret: _secret, conversationId: _conv, ...rest } = s;
  return rest;
}

const newSecret = () => randomToken("whsec_");

function dedupe<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

/** The index entries a subscription has: its team's, and its conversation's for messages. */
function stageIndexes(op: Deno.AtomicOperation, s: EventWebhook, del = false): void {
  op.sum(keys.eventWebhooksVersion(), 1n);
  const team = keys.eventWebhookByTeam(s.teamId, s.id);
  if (del) op.delete(team);
  else op.set(team, s.id);
  if (s.conversationId) {
    const conv = keys.eventWebhookByConversation(s.conversationId, s.id);
    if (!del && s.events.includes("message.created")) op.set(conv, s.id);
    else op.delete(conv);
  }
}

/** The team's conversation when messages are asked for (created if the team has none yet). */
async function conversationFor(
  deps: Deps,
  teamId: string,
  events: readonly string[],
): Promise<string | null> {
  return events.includes("message.created") ? await ensureTeamConversation(deps, teamId) : null;
}

/** Creates a subscription; the answer carries its secret (the only time it is shown). */
export async function createEventWebhook(
  deps: Deps,
  actor: User,
  input: EventWebhookInput,
): Promise<EventWebhook> {
  await requireTeamManager(deps.kv, actor, input.teamId);
  await checkOutboundUrl(input.url, deps.config);
  const existing = await listAll(deps.kv, keys.eventWebhooksByTeam(input.teamId));
  if (existing.length >= deps.config.eventWebhooksPerTeam) {
    throw new ApiError(
      "conflict",
      `a team has at most ${deps.config.eventWebhooksPerTeam} event webhooks`,
    );
  }
  const now = deps.clock.now();
  const s: EventWebhook = {
    ...input,
    events: dedupe(input.events),
    id: ulid(now),
    secret: newSecret(),
    conversationId: await conversationFor(deps, input.teamId, input.events),
    createdAt: now,
    createdBy: actor.id,
    updatedAt: now,
  };
  const op = checkAbsent(
    auditedAtomic(deps.kv, deps.clock, {
      action: "event_webhook.create",
      target: { type: "event_webhook", id: s.id },
    }),
    keys.eventWebhook(s.id),
  ).set(keys.eventWebhook(s.id), s);
  stageIndexes(op, s);
  await commitOrConflict(op, "could not create the event webhook; retry");
  return s;
}

export async function listEventWebhooks(
  deps: Deps,
  actor: User,
  teamId: string,
): Promise<EventWebhook[]> {
  await assertTeamAccess(deps.kv, actor, teamId, "admin", "team");
  return await listByIndex<EventWebhook>(
    deps.kv,
    keys.eventWebhooksByTeam(teamId),
    keys.eventWebhook,
  );
}

/** A subscription its team's admins (or an admin) may see and change; 404 to everyone else. */
export async function getEventWebhookFor(
  deps: Deps,
  actor: User,
  id: string,
): Promise<Deno.KvEntry<EventWebhook>> {
  const e = await deps.kv.get<EventWebhook>(keys.eventWebhook(id));
  if (!e.value) throw notFound("event webhook");
  await assertTeamAccess(deps.kv, actor, e.value.teamId, "admin", "event webhook");
  return e as Deno.KvEntry<EventWebhook>;
}

export async function updateEventWebhook(
  deps: Deps,
  actor: User,
  id: string,
  update: EventWebhookUpdate,
): Promise<EventWebhook> {
  const e = await getEventWebhookFor(deps, actor, id);
  if (update.url !== undefined) await checkOutboundUrl(update.url, deps.config);
  const s: EventWebhook = {
    ...e.value,
    ...Object.fromEntries(Object.entries(update).filter(([, v]) => v !== undefined)),
    updatedAt: deps.clock.now(),
  };
  s.events = dedupe(s.events);
  s.conversationId = e.value.conversationId ?? await conversationFor(deps, s.teamId, s.events);
  const op = auditedAtomic(deps.kv, deps.clock, {
    action: "event_webhook.update",
    target: { type: "event_webhook", id: id },
  }).check(e).set(e.key, s);
  stageIndexes(op, e.value, true);
  stageIndexes(op, s);
  await commitOrConflict(op, "the event webhook changed meanwhile; reload and retry");
  return s;
}

/** A new secret, shown once; deliveries from now on are signed with it. */
export async function rotateEventWebhookSecret(
  deps: Deps,
  actor: User,
  id: string,
): Promise<EventWebhook> {
  const e = await getEventWebhookFor(deps, actor, id);
  const s: EventWebhook = { ...e.value, secret: newSecret(), updatedAt: deps.clock.now() };
  await commitOrConflict(
    auditedAtomic(deps.kv, deps.clock, {
      action: "event_webhook.rotate_secret",
      target: { type: "event_webhook", id: id },
    }).check(e).set(e.key, s),
    "the event webhook changed meanwhile; reload and retry",
  );
  return s;
}

export async function deleteEventWebhook(deps: Deps, actor: User, id: string): Promise<void> {
  const e = await getEventWebhookFor(deps, actor, id);
  const op = auditedAtomic(deps.kv, deps.clock, {
    action: "event_webhook.delete",
    target: { type: "event_webhook", id: id },
  }).check(e).delete(e.key);
  stageIndexes(op, e.value, true);
  // Its log goes with it (at most the kept number of entries, plus a few not yet pruned).
  for (const l of await listAll(deps.kv, keys.eventWebhookLogAll(id))) op.delete(l.key);
  await commitOrConflict(op, "the event webhook changed meanwhile; reload and retry");
}

/** The subscription's delivery log, newest first. */
export async function listEventWebhookLog(
  deps: Deps,
  actor: User,
  id: string,
): Promise<DeliveryLogEntry[]> {
  await getEventWebhookFor(deps, actor, id);
  const out: DeliveryLogEntry[] = [];
  for await (
    const e of deps.kv.list<DeliveryLogEntry>({ prefix: keys.eventWebhookLogAll(id) }, {
      reverse: true,
      limit: deps.config.eventWebhookLogKept,
    })
  ) out.push(e.value);
  return out;
}

/**
 * Sends a `webhook.test` event now (once, not retried; disabled subscriptions too) and
 * answers what the receiver said; the attempt goes into the delivery log.
 */
export async function testEventWebhook(
  deps: Deps,
  actor: User,
  id: string,
): Promise<{ ok: boolean; status: number; detail: string; deliveryId: string }> {
  const s = (await getEventWebhookFor(deps, actor, id)).value;
  const now = deps.clock.now();
  const deliveryId = ulid(now);
  const res = await sendEvent(deps, s, {
    id: deliveryId,
    type: "webhook.test",
    teamId: s.teamId,
    at: now,
    subject: `event-webhooks/${s.id}`,
    data: { message: "Tocsin test event: this webhook works", webhook: publicEventWebhook(s) },
  }, deliveryId);
  const op = deps.kv.atomic();
  await stageLogEntry(deps, op, s.id, {
    id: ulid(deps.clock.now()),
    at: deps.clock.now(),
    deliveryId,
    type: "webhook.test",
    attempt: 1,
    status: res.status,
    ok: res.ok,
    ...(res.ok ? {} : { error: res.detail.slice(0, 200) }),
  });
  await op.commit();
  return { ok: res.ok, status: res.status, detail: res.detail.slice(0, 300), deliveryId };
}
