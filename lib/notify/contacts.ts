/**
 * Contact methods and personal notification rules. A contact is used only
 * after its owner proves it with a code sent through it.
 */
import { z } from "zod";
import { auditedAtomic } from "../audit/chain.ts";
import { DEFAULT_NOTIFICATION_RULES, VERIFY_MAX_TRIES } from "../core/config.ts";
import { base64url, sha256Hex, timingSafeEqual } from "../core/crypto.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { checkAbsent, commitOrConflict, getManyChunked, listAll } from "../core/kv_util.ts";
import type { User } from "../accounts/model.ts";
import { takeVerifySend } from "./verify_limits.ts";
import { hasPushMany } from "./push.ts";

/** What a contact method can be: each is proved with a code sent through it. */
export const ContactKindSchema = z.enum(["email", "sms", "voice", "webhook"]);
/** The channels of personal notification rules: the contact kinds, and push to devices. */
export const ChannelSchema = z.enum([...ContactKindSchema.options, "push"]);
export type Channel = z.infer<typeof ChannelSchema>;

export const ContactInputSchema = z.strictObject({
  kind: ContactKindSchema,
  address: z.string().trim().min(3).max(254),
}).superRefine((c, ctx) => {
  const ok = c.kind === "email"
    ? z.email().safeParse(c.address).success
    : c.kind === "webhook"
    ? /^https?:\/\//.test(c.address)
    : /^\+[1-9]\d{6,14}$/.test(c.address);
  if (!ok) {
    ctx.addIssue({
      code: "custom",
      path: ["address"],
      message: c.kind === "email"
        ? "an e-mail address"
        : c.kind === "webhook"
        ? "an http(s) URL"
        : "a phone number in E.164 form, e.g. +8613800000000",
    });
  }
});

/** A stored contact method (`contacts/<user>/<id>`). */
export const ContactSchema = z.object({
  id: z.string(),
  userId: z.string(),
  kind: ContactKindSchema,
  address: z.string(),
  verified: z.boolean(),
  createdAt: z.number(),
  /** SHA-256 of the pending verification code; null once verified. */
  codeHash: z.string().nullable(),
  codeExpiresAt: z.number(),
  tries: z.number(),
  /** Webhook contacts: the key their requests are signed with (shown once, at creation). */
  secret: z.string().optional(),
  /** Shown on the owner's directory card (e-mail and phone only, once verified); hidden when absent. */
  showInDirectory: z.boolean().optional(),
});
export type Contact = z.infer<typeof ContactSchema>;

/** The owner shows or hides a contact on their directory card. */
export async function setContactShown(
  kv: Deno.Kv,
  userId: string,
  id: string,
  shown: boolean,
): Promise<Contact> {
  const entry = await kv.get<Contact>(keys.contact(userId, id));
  if (!entry.value) throw notFound("contact");
  if (shown && entry.value.kind === "webhook") {
    throw new ApiError("invalid_input", "a webhook contact is never shown in the directory");
  }
  const next = { ...entry.value, showInDirectory: shown };
  await commitOrConflict(
    kv.atomic().check(entry).set(entry.key, next),
    "the contact changed; retry",
  );
  return next;
}

export function publicContact(c: Contact) {
  const { codeHash: _h, secret: _s, ...rest } = c;
  return rest;
}

const RuleStepSchema = z.strictObject({
  channel: ChannelSchema,
  afterMinutes: z.number().min(0).max(24 * 60),
});
export const NotifyRulesSchema = z.strictObject({
  urgent: z.array(RuleStepSchema).max(10),
  high: z.array(RuleStepSchema).max(10),
  medium: z.array(RuleStepSchema).max(10),
  low: z.array(RuleStepSchema).max(10),
});
export type NotifyRules = z.infer<typeof NotifyRulesSchema>;

export async function getNotifyRules(kv: Deno.Kv, userId: string): Promise<NotifyRules> {
  return (await kv.get<NotifyRules>(keys.notifyRules(userId))).value ??
    structuredClone(DEFAULT_NOTIFICATION_RULES) as unknown as NotifyRules;
}

/** Several users' rules in one go (getMany, 10 keys a call, in parallel). Read-only results. */
export async function getNotifyRulesMany(kv: Deno.Kv, userIds: string[]): Promise<NotifyRules[]> {
  if (!userIds.length) return [];
  const entries = await getManyChunked<NotifyRules>(kv, userIds.map((u) => keys.notifyRules(u)));
  return entries.map((e) => e.value ?? (DEFAULT_NOTIFICATION_RULES as unknown as NotifyRules));
}

/** Saves a user's notification rules, with its audit entry (`notify_rules.update`). */
export async function setNotifyRules(
  deps: Pick<Deps, "kv" | "clock">,
  userId: string,
  rules: NotifyRules,
): Promise<void> {
  const res = await auditedAtomic(deps.kv, deps.clock, {
    action: "notify_rules.update",
    target: { type: "user", id: userId },
  }).set(keys.notifyRules(userId), rules).commit();
  if (!res.ok) throw new ApiError("conflict", "try again");
}

/** A contact change's audit entry: the kind, never the address. */
function contactAudit(deps: Pick<Deps, "kv" | "clock">, verb: string, c: Contact, ok = true) {
  return auditedAtomic(deps.kv, deps.clock, {
    action: `contact.${verb}`,
    target: { type: "contact", id: c.id },
    ok,
    detail: { kind: c.kind, userId: c.userId },
  });
}

export async function listContacts(kv: Deno.Kv, userId: string): Promise<Contact[]> {
  return (await listAll<Contact>(kv, keys.contacts(userId))).map((e) => e.value);
}

/** The first verified contact of a kind, or null. */
export async function verifiedContact(
  kv: Deno.Kv,
  userId: string,
  kind: Channel,
): Promise<Contact | null> {
  return (await listContacts(kv, userId)).find((c) => c.kind === kind && c.verified) ?? null;
}

function newCode(): string {
  return String(crypto.getRandomValues(new Uint32Array(1))[0] % 1_000_000).padStart(6, "0");
}

/**
 * Adds a contact and sends it a verification code through `send` (the
 * channel's providers). The code is stored hashed. Sends are limited per user and per address
 * (lib/notify/verify_limits.ts): 429 `rate_limited` past either.
 */
export async function addContact(
  deps: Deps,
  user: User,
  input: z.infer<typeof ContactInputSchema>,
  send: (contact: Contact, code: string) => Promise<void>,
): Promise<Contact> {
  const { kv, clock, config } = deps;
  if ((await listContacts(kv, user.id)).length >= 20) {
    throw new ApiError("invalid_input", "at most 20 contact methods");
  }
  const code = newCode();
  const contact: Contact = {
    id: ulid(clock.now()),
    userId: user.id,
    kind: input.kind,
    address: input.address,
    verified: false,
    createdAt: clock.now(),
    codeHash: await sha256Hex(code),
    codeExpiresAt: clock.now() + config.verifyCodeTtlMs,
    tries: 0,
    ...(input.kind === "webhook"
      ? { secret: base64url(crypto.getRandomValues(new Uint8Array(24))) }
      : {}),
  };
  // Counted before the send, per user and per address (429 past either limit).
  await takeVerifySend(deps, user.id, input.kind, input.address);
  await send(contact, code);
  const key = keys.contact(user.id, contact.id);
  await commitOrConflict(
    checkAbsent(contactAudit(deps, "add", contact), key).set(key, contact),
    "could not add the contact; retry",
  );
  return contact;
}

/** Checks a verification code; after VERIFY_MAX_TRIES wrong ones the contact must be added again. */
export async function verifyContact(
  deps: Deps,
  user: User,
  id: string,
  code: string,
): Promise<Contact> {
  const { kv, clock } = deps;
  const entry = await kv.get<Contact>(keys.contact(user.id, id));
  if (!entry.value) throw notFound("contact");
  const c = entry.value;
  if (c.verified) return c;
  if (!c.codeHash || c.codeExpiresAt < clock.now() || c.tries >= VERIFY_MAX_TRIES) {
    throw new ApiError("invalid_input", "the code has expired; add the contact again");
  }
  const ok = timingSafeEqual(await sha256Hex(code.trim()), c.codeHash);
  const next: Contact = ok
    ? { ...c, verified: true, codeHash: null }
    : { ...c, tries: c.tries + 1 };
  // A wrong code is recorded too (ok: false), as a failed login is.
  const op = contactAudit(deps, "verify", c, ok).check(entry).set(entry.key, next);
  if (ok) {
    await stageChannels(
      kv,
      op,
      user.id,
      (await listContacts(kv, user.id)).map((x) => x.id === id ? next : x),
    );
  }
  const res = await op.commit();
  if (!res.ok) throw new ApiError("conflict", "try again");
  if (!ok) throw new ApiError("invalid_input", "wrong code");
  return next;
}

export async function deleteContact(deps: Deps, userId: string, id: string): Promise<void> {
  const { kv } = deps;
  const entry = await kv.get<Contact>(keys.contact(userId, id));
  if (!entry.value) throw notFound("contact");
  const op = contactAudit(deps, "delete", entry.value).check(entry).delete(entry.key);
  await stageChannels(kv, op, userId, (await listContacts(kv, userId)).filter((x) => x.id !== id));
  if (!(await op.commit()).ok) throw new ApiError("conflict", "try again");
}

/** The kinds of the verified contacts in `contacts`, each once. */
function verifiedChannels(contacts: Contact[]): Channel[] {
  return [...new Set(contacts.filter((c) => c.verified).map((c) => c.kind))].sort();
}

/**
 * Sets the user's verified channels (from `contacts`, the list as it will be) in `op`, checking
 * the summary it replaces, so that two concurrent changes cannot leave a stale one.
 */
async function stageChannels(
  kv: Deno.Kv,
  op: Deno.AtomicOperation,
  userId: string,
  contacts: Contact[],
): Promise<void> {
  const current = await kv.get<Channel[]>(keys.contactChannels(userId));
  op.check(current).set(keys.contactChannels(userId), verifiedChannels(contacts))
    // How the user can be reached changed: processes drop their cached copy (reach.ts).
    .sum(keys.reachVersion(), 1n);
}

/**
 * The channels each user can be reached on (verified contacts; voice also through an SMS
 * number; push when they subscribed a device), read together. Paging schedules personal rule steps only for these.
 */
export async function reachableChannelsMany(
  kv: Deno.Kv,
  userIds: string[],
): Promise<Set<Channel>[]> {
  const entries = await getManyChunked<Channel[]>(kv, userIds.map((u) => keys.contactChannels(u)));
  const push = await hasPushMany(kv, userIds);
  return entries.map((e, i) => {
    const set = new Set(e.value ?? []);
    if (set.has("sms")) set.add("voice");
    if (push[i]) set.add("push");
    return set;
  });
}

/**
 * Builds the verified-channel summaries from existing contacts, once per database (contacts
 * verified before the summaries existed would otherwise never be paged). Safe to run from
 * several processes: a summary is only created where none exists.
 */
export async function migrateContactChannels(
  kv: Deno.Kv,
  clock: Clock = systemClock,
): Promise<void> {
  if ((await kv.get(keys.migration("contact_channels"))).value) return;
  const byUser = new Map<string, Contact[]>();
  for await (const e of kv.list<Contact>({ prefix: keys.contactsAll() })) {
    byUser.set(e.value.userId, [...(byUser.get(e.value.userId) ?? []), e.value]);
  }
  for (const [userId, contacts] of byUser) {
    await kv.atomic().check({ key: keys.contactChannels(userId), versionstamp: null })
      .set(keys.contactChannels(userId), verifiedChannels(contacts))
      .sum(keys.reachVersion(), 1n).commit();
  }
  await kv.set(keys.migration("contact_channels"), clock.now());
}
