/**
 * Resolves what a sender asks to mention into who it reaches, at send (or edit) time, on the
 * server: named people must be members of the conversation; `@all` is for a group's owners and
 * admins (as DingTalk and Mattermost's channel-wide mentions); `@team` and `@oncall` are for a
 * team's conversation: its members, and whoever is on call for the team now.
 * Kept apart from lib/chat/messages.ts, which must not import lib/paging (paging reaches chat).
 */
import type { Team } from "../accounts/model.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import { getManyChunked, lastPart, listAll } from "../core/kv_util.ts";
import { onCallNow } from "../paging/oncall_now.ts";
import { getMembership } from "./conversations.ts";
import type { ResolvedMentions } from "./mentions.ts";
import type { Member, Mentions } from "./model.ts";

const SPECIAL = new Set(["all", "team", "oncall"]);

/** The team whose alert conversation this is, or null. */
export async function teamOfConversation(kv: Deno.Kv, convId: string): Promise<Team | null> {
  for (const e of await listAll<Team>(kv, keys.teams())) {
    if (e.value.conversationId === convId) return e.value;
  }
  return null;
}

/**
 * Who `targets` reach in the conversation; undefined when the sender said nothing about
 * mentions (an edit then keeps the message's mentions).
 */
export async function resolveMentions(
  deps: Deps,
  senderId: string,
  convId: string,
  targets: string[] | undefined,
): Promise<ResolvedMentions | undefined> {
  if (!targets) return undefined;
  if (!targets.length) return { mentions: { userIds: [] }, notify: [] };
  const { kv, clock } = deps;
  const { conversation, member } = await getMembership(kv, senderId, convId);
  const ids = [...new Set(targets.filter((t) => !SPECIAL.has(t)))];
  const entries = await getManyChunked<Member>(kv, ids.map((id) => keys.member(convId, id)));
  const missing = ids.filter((_, i) => !entries[i].value);
  if (missing.length) {
    throw new ApiError(
      "invalid_input",
      `only members of the conversation can be mentioned: ${missing.join(", ")}`,
    );
  }
  const mentions: Mentions = { userIds: ids };
  const notify = new Set(ids);
  let everyone: Set<string> | null = null;
  const members = async () =>
    everyone ??= new Set(
      (await listAll<Member>(kv, keys.members(convId))).map((e) => e.value.userId),
    );
  if (targets.includes("all")) {
    if (conversation.kind !== "group") {
      throw new ApiError("invalid_input", "@all is for group conversations");
    }
    if (member.role === "member") {
      throw new ApiError("forbidden", "only the group's owners and admins may mention @all");
    }
    mentions.all = true;
    for (const u of await members()) notify.add(u);
  }
  if (targets.includes("team") || targets.includes("oncall")) {
    const team = conversation.kind === "group" ? await teamOfConversation(kv, convId) : null;
    if (!team) {
      throw new ApiError("invalid_input", "@team and @oncall are for a team's conversation");
    }
    const inConv = await members();
    if (targets.includes("team")) {
      mentions.team = true;
      for (const e of await listAll(kv, keys.teamMembers(team.id))) {
        const u = lastPart(e.key);
        if (inConv.has(u)) notify.add(u);
      }
    }
    if (targets.includes("oncall")) {
      const now = await onCallNow(kv, team.id, clock.now());
      const onCall = [...new Set(now.flatMap((o) => o.userId ? [o.userId] : []))]
        .filter((u) => inConv.has(u));
      mentions.oncall = onCall;
      for (const u of onCall) notify.add(u);
    }
  }
  notify.delete(senderId);
  return { mentions, notify: [...notify] };
}
