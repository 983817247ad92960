/**
 * Who may post in a conversation now: a muted member may not, nor an ordinary member of a muted
 * group. A leaf module (it imports no other chat module), so that every writer of messages can
 * call it; lib/chat/group_admin.ts sets the mutes.
 */
import type { Deps } from "../core/deps.ts";
import { ApiError } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import type { Member } from "./model.ts";

export interface Pin {
  seq: number;
  by: string;
  at: number;
}
export interface Announcement {
  text: string;
  by: string;
  at: number;
  until: number;
}
/** A group's admin state, one record per group (absent: nothing set). */
export interface GroupSettings {
  /** Until when ordinary members cannot post (owners and admins still can). */
  mutedUntil?: number;
  pins: Pin[];
  announcement?: Announcement;
}

export async function getGroupSettings(kv: Deno.Kv, convId: string): Promise<GroupSettings> {
  return groupSettingsOf(await kv.get<GroupSettings>(keys.groupSettings(convId)));
}

/** A conversation's settings as read (with other reads); none stored means the defaults. */
export function groupSettingsOf(e: Deno.KvEntryMaybe<GroupSettings>): GroupSettings {
  return e.value ?? { pins: [] };
}

/** 403 `muted` when `member` may not post in the conversation now, saying until when. */
export async function assertMayPost(
  deps: Deps,
  convId: string,
  member: Member,
  /** The conversation's settings when the caller has read them already. */
  settings?: GroupSettings,
): Promise<void> {
  const now = deps.clock.now();
  if ((member.mutedUntil ?? 0) > now) {
    throw new ApiError(
      "muted",
      `you are muted in this conversation until ${new Date(member.mutedUntil!).toISOString()}`,
    );
  }
  if (member.role !== "member") return;
  const s = settings ?? await getGroupSettings(deps.kv, convId);
  if ((s.mutedUntil ?? 0) > now) {
    throw new ApiError(
      "muted",
      `only owners and admins may post until ${new Date(s.mutedUntil!).toISOString()}`,
    );
  }
}
