/**
 * Site-wide announcements: a Markdown notice shown as a banner on every page between `from` and
 * `until`. One that requires confirmation stays until the person confirms it; any other one
 * until they dismiss it. Each confirmation or dismissal is its own key, so that many people
 * acknowledging at once never contend on the announcement.
 */
import { z } from "zod";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { getManyChunked, listAll } from "../core/kv_util.ts";
import type { User } from "../accounts/model.ts";
import { auditedAtomic } from "../audit/chain.ts";

export const AnnouncementSchema = z.object({
  id: z.string(),
  title: z.string(),
  body: z.string(),
  from: z.number(),
  until: z.number(),
  requireConfirm: z.boolean(),
  createdAt: z.number(),
  createdBy: z.string(),
  updatedAt: z.number(),
});
export type Announcement = z.infer<typeof AnnouncementSchema>;

const Epoch = z.number().int().min(0).max(8.64e15);

export const AnnouncementInputSchema = z.strictObject({
  title: z.string().trim().min(1).max(200),
  body: z.string().max(1_000_000),
  from: Epoch,
  until: Epoch,
  requireConfirm: z.boolean().default(false),
});
export type AnnouncementInput = z.infer<typeof AnnouncementInputSchema>;

/** A person's acknowledgement: "confirmed" (required) or "dismissed". */
export interface Ack {
  at: number;
  kind: "confirmed" | "dismissed";
}

/** What an audit entry keeps of an announcement (its title and window, not its body). */
function summary(a: Announcement) {
  return { title: a.title, from: a.from, until: a.until, requireConfirm: a.requireConfirm };
}

function check(deps: Deps, input: AnnouncementInput): void {
  if (input.until <= input.from) {
    throw new ApiError("invalid_input", "until: must be after from");
  }
  if (input.body.length > deps.config.announcementMaxChars) {
    throw new ApiError(
      "invalid_input",
      `body: at most ${deps.config.announcementMaxChars} characters`,
    );
  }
}

export async function listAnnouncements(kv: Deno.Kv): Promise<Announcement[]> {
  return (await listAll<Announcement>(kv, keys.announcements())).map((e) => e.value)
    .sort((a, b) => b.from - a.from);
}

export async function createAnnouncement(
  deps: Deps,
  actor: User,
  input: AnnouncementInput,
): Promise<Announcement> {
  const { kv, clock, config } = deps;
  check(deps, input);
  if ((await listAnnouncements(kv)).length >= config.maxAnnouncements) {
    throw new ApiError(
      "invalid_input",
      `at most ${config.maxAnnouncements} announcements; delete old ones first`,
    );
  }
  const now = clock.now();
  const a: Announcement = {
    id: ulid(now),
    ...input,
    createdAt: now,
    createdBy: actor.id,
    updatedAt: now,
  };
  const res = await auditedAtomic(kv, clock, {
    actor,
    action: "announcement.create",
    target: { type: "announcement", id: a.id },
    detail: summary(a),
  }).check({ key: keys.announcement(a.id), versionstamp: null })
    .set(keys.announcement(a.id), a).commit();
  if (!res.ok) throw new ApiError("conflict", "could not save the announcement; retry");
  return a;
}

export async function updateAnnouncement(
  deps: Deps,
  id: string,
  input: AnnouncementInput,
): Promise<Announcement> {
  const { kv, clock } = deps;
  check(deps, input);
  const entry = await kv.get<Announcement>(keys.announcement(id));
  if (!entry.value) throw notFound("announcement");
  const a: Announcement = { ...entry.value, ...input, updatedAt: clock.now() };
  const op = auditedAtomic(kv, clock, {
    action: "announcement.update",
    target: { type: "announcement", id },
    detail: summary(a),
  });
  if (!(await op.check(entry).set(entry.key, a).commit()).ok) {
    throw new ApiError("conflict", "the announcement changed meanwhile; retry");
  }
  return a;
}

/** Deletes it (one commit); its acknowledgements are removed afterwards, in batches. */
export async function deleteAnnouncement(deps: Deps, id: string): Promise<void> {
  const { kv, clock } = deps;
  const entry = await kv.get<Announcement>(keys.announcement(id));
  if (!entry.value) throw notFound("announcement");
  const op = auditedAtomic(kv, clock, {
    action: "announcement.delete",
    target: { type: "announcement", id },
    detail: summary(entry.value),
  });
  if (!(await op.check(entry).delete(entry.key).commit()).ok) {
    throw new ApiError("conflict", "the announcement changed meanwhile; retry");
  }
  const acks = await listAll(kv, keys.announcementAcks(id));
  for (let i = 0; i < acks.length; i += 500) {
    const op = kv.atomic();
    for (const e of acks.slice(i, i + 500)) op.delete(e.key);
    await op.commit();
  }
}

/** The announcements `userId` still has to see now: valid, not yet confirmed or dismissed. */
export async function activeFor(deps: Deps, userId: string): Promise<Announcement[]> {
  const { kv, clock } = deps;
  const now = clock.now();
  const live = (await listAnnouncements(kv)).filter((a) => a.from <= now && now < a.until);
  const acks = await getManyChunked<Ack>(kv, live.map((a) => keys.announcementAck(a.id, userId)));
  return live.filter((_, i) => !acks[i].value).sort((a, b) => a.from - b.from);
}

/** Confirms (when required) or dismisses it for `userId`; once is enough, again is a no-op. */
export async function acknowledge(deps: Deps, userId: string, id: string): Promise<Ack> {
  const { kv, clock } = deps;
  const a = (await kv.get<Announcement>(keys.announcement(id))).value;
  const now = clock.now();
  if (!a || a.from > now) throw notFound("announcement");
  const key = keys.announcementAck(id, userId);
  const ack: Ack = { at: now, kind: a.requireConfirm ? "confirmed" : "dismissed" };
  const res = await kv.atomic().check({ key, versionstamp: null }).set(key, ack).commit();
  if (!res.ok) return (await kv.get<Ack>(key)).value ?? ack;
  return ack;
}

export interface Confirmations {
  confirmed: { id: string; name: string; email: string; at: number }[];
  pending: { id: string; name: string; email: string }[];
}

/** Who has confirmed (or dismissed) it and which enabled users have not yet. */
export async function confirmations(deps: Deps, id: string): Promise<Confirmations> {
  const { kv } = deps;
  if (!(await kv.get(keys.announcement(id))).value) throw notFound("announcement");
  const acks = new Map(
    (await listAll<Ack>(kv, keys.announcementAcks(id))).map((e) => [String(e.key[2]), e.value]),
  );
  const out: Confirmations = { confirmed: [], pending: [] };
  for await (const e of kv.list<User>({ prefix: keys.users() }, { batchSize: 500 })) {
    const u = e.value;
    const ack = acks.get(u.id);
    if (ack) out.confirmed.push({ id: u.id, name: u.name, email: u.email, at: ack.at });
    else if (!u.disabled) out.pending.push({ id: u.id, name: u.name, email: u.email });
  }
  out.confirmed.sort((a, b) => a.at - b.at);
  out.pending.sort((a, b) => a.name.localeCompare(b.name));
  return out;
}
