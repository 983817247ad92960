/**
 * Group admin: owners and admins mute one member or the whole group for a time, pin messages
 * and post an announcement with a validity period. Each change is one commit through
 * changeGroup with the system message announcing it, so every device hears of it in seq order
 * and re-reads the settings (`GET .../admin`). Posting is checked by assertMayPost.
 */
import { z } from "zod";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import type { User } from "../accounts/model.ts";
import { changeGroup, getMembership, requireManager } from "./conversations.ts";
import type { Member, Message } from "./model.ts";
import { getGroupSettings, type GroupSettings } from "./post_rules.ts";

export { assertMayPost, getGroupSettings } from "./post_rules.ts";
export type { Announcement, GroupSettings, Pin } from "./post_rules.ts";

/** Longest announcement text. */
export const MAX_ANNOUNCEMENT_CHARS = 2_000;

export const MuteInputSchema = z.strictObject({
  /** Until when (epoch ms); null lifts the mute. */
  until: z.number().int().min(0).nullable(),
});
export const PinInputSchema = z.strictObject({ seq: z.number().int().min(1) });
export const AnnounceInputSchema = z.strictObject({
  text: z.string().trim().min(1).max(MAX_ANNOUNCEMENT_CHARS),
  until: z.number().int().min(0),
});

function checkUntil(deps: Deps, until: number | null): void {
  if (until !== null && until > deps.clock.now() + deps.config.maxMuteMs) {
    throw new ApiError("invalid_input", `a mute lasts at most ${deps.config.maxMuteMs} ms`);
  }
}

/** Mutes (or, with `until` null, unmutes) one member. Owners cannot be muted; admins only by owners. */
export async function muteMember(
  deps: Deps,
  me: User,
  convId: string,
  userId: string,
  until: number | null,
): Promise<Message> {
  checkUntil(deps, until);
  return await changeGroup(deps, me.id, convId, async ({ op, actor }) => {
    requireManager(actor);
    const target = await deps.kv.get<Member>(keys.member(convId, userId));
    if (!target.value) throw notFound("member");
    if (
      target.value.role === "owner" || (target.value.role === "admin" && actor.role !== "owner")
    ) {
      throw new ApiError("forbidden", "only an owner can mute an admin; owners cannot be muted");
    }
    const next: Member = { ...target.value };
    if (until === null) delete next.mutedUntil;
    else next.mutedUntil = until;
    op.check(target).set(target.key, next);
    return {
      draft: {
        kind: "system",
        senderId: null,
        text: "",
        system: until === null
          ? { event: "unmuted", actorId: me.id, userIds: [userId] }
          : { event: "muted", actorId: me.id, userIds: [userId], until },
      },
    };
  });
}

/** Applies `edit` to the group's settings inside a changeGroup commit (checking what it read). */
async function editSettings(
  deps: Deps,
  op: Deno.AtomicOperation,
  convId: string,
  edit: (s: GroupSettings) => GroupSettings,
): Promise<void> {
  const entry = await deps.kv.get<GroupSettings>(keys.groupSettings(convId));
  op.check(entry).set(entry.key, edit(entry.value ?? { pins: [] }));
}

/** Mutes the whole group (ordinary members cannot post) until `until`, or lifts it (null). */
export async function muteGroup(
  deps: Deps,
  me: User,
  convId: string,
  until: number | null,
): Promise<Message> {
  checkUntil(deps, until);
  return await changeGroup(deps, me.id, convId, async ({ op, actor }) => {
    requireManager(actor);
    await editSettings(deps, op, convId, (s) => {
      const next = { ...s };
      if (until === null) delete next.mutedUntil;
      else next.mutedUntil = until;
      return next;
    });
    return {
      draft: {
        kind: "system",
        senderId: null,
        text: "",
        system: until === null
          ? { event: "unmuted", actorId: me.id }
          : { event: "muted", actorId: me.id, until },
      },
    };
  });
}

/** Pins (or unpins) the message with `seq`. */
export async function setPinned(
  deps: Deps,
  me: User,
  convId: string,
  seq: number,
  pinned: boolean,
): Promise<Message> {
  return await changeGroup(deps, me.id, convId, async ({ op, actor, now }) => {
    requireManager(actor);
    const msg = await deps.kv.get<Message>(keys.message(convId, seq));
    if (pinned && (!msg.value || msg.value.kind === "system")) throw notFound("message");
    await editSettings(deps, op, convId, (s) => {
      const rest = s.pins.filter((p) => p.seq !== seq);
      if (!pinned) {
        if (rest.length === s.pins.length) throw notFound("pin");
        return { ...s, pins: rest };
      }
      if (rest.length >= deps.config.maxPins) {
        throw new ApiError("invalid_input", `at most ${deps.config.maxPins} pinned messages`);
      }
      return { ...s, pins: [{ seq, by: me.id, at: now }, ...rest] };
    });
    return {
      draft: {
        kind: "system",
        senderId: null,
        text: "",
        system: { event: pinned ? "pinned" : "unpinned", actorId: me.id, seq },
      },
    };
  });
}

/** Posts an announcement shown as a banner until `until` (replacing any earlier one), or clears it. */
export async function announce(
  deps: Deps,
  me: User,
  convId: string,
  input: { text: string; until: number } | null,
): Promise<Message> {
  if (input && input.until <= deps.clock.now()) {
    throw new ApiError("invalid_input", "an announcement must be valid for some time");
  }
  return await changeGroup(deps, me.id, convId, async ({ op, actor, now }) => {
    requireManager(actor);
    await editSettings(deps, op, convId, (s) => {
      const next = { ...s };
      if (input) next.announcement = { text: input.text, until: input.until, by: me.id, at: now };
      else delete next.announcement;
      return next;
    });
    return {
      draft: {
        kind: "system",
        senderId: null,
        text: input?.text ?? "",
        system: { event: "announced", actorId: me.id, until: input?.until ?? now },
      },
    };
  });
}

export type GroupAdminView = Awaited<ReturnType<typeof getGroupAdminView>>;

/** What a member sees of the group's admin state: mute, pins (with their messages), a live announcement. */
export async function getGroupAdminView(deps: Deps, me: User, convId: string) {
  const { kv, clock } = deps;
  const { member } = await getMembership(kv, me.id, convId);
  const s = await getGroupSettings(kv, convId);
  const now = clock.now();
  const msgs = s.pins.length
    ? await Promise.all(s.pins.map((p) => kv.get<Message>(keys.message(convId, p.seq))))
    : [];
  return {
    mutedUntil: (s.mutedUntil ?? 0) > now ? s.mutedUntil! : null,
    pins: s.pins.map((p, i) => ({ ...p, message: msgs[i].value })).filter((p) => p.message),
    announcement: s.announcement && s.announcement.until > now ? s.announcement : null,
    /** Until when the caller is muted, or null. */
    myMutedUntil: (member.mutedUntil ?? 0) > now ? member.mutedUntil! : null,
  };
}
