/**
 * Quick replies: the short answers shown as chips over the composer of a team's conversation
 * ("On it", "Looking", "Done"). Each team keeps its own list, edited by its admins; a team
 * without one gets the built-in defaults (translated by the client, so they are not stored).
 */
import { z } from "zod";
import type { User } from "../accounts/model.ts";
import { getTeam, requireTeamManager } from "../accounts/teams.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import { auditedAtomic } from "../audit/chain.ts";
import { getMembership } from "./conversations.ts";
import { teamOfConversation } from "./mention_targets.ts";

/** The whole list, in order (the config's limits are checked by setQuickReplies). */
export const QuickRepliesInputSchema = z.strictObject({
  items: z.array(z.string().trim().min(1).max(1_000)).max(1_000),
});

/** A team's quick replies and whether they are its own (false: the defaults apply). */
export interface QuickReplies {
  teamId: string | null;
  items: string[];
  custom: boolean;
}

async function stored(kv: Deno.Kv, teamId: string): Promise<string[] | null> {
  return (await kv.get<string[]>(keys.teamQuickReplies(teamId))).value;
}

/** A team's list, for its members. */
export async function getQuickReplies(
  deps: Deps,
  user: User,
  teamId: string,
): Promise<QuickReplies> {
  await getTeam(deps.kv, user, teamId);
  const items = await stored(deps.kv, teamId);
  return { teamId, items: items ?? [], custom: items !== null };
}

/**
 * Replaces a team's list (add, edit, reorder and delete are all this), for admins and the
 * team's admins; an empty list goes back to the defaults.
 */
export async function setQuickReplies(
  deps: Deps,
  user: User,
  teamId: string,
  items: string[],
): Promise<QuickReplies> {
  const { kv, config } = deps;
  await requireTeamManager(kv, user, teamId);
  if (items.length > config.quickRepliesMax) {
    throw new ApiError(
      "invalid_input",
      `a team keeps at most ${config.quickRepliesMax} quick replies`,
    );
  }
  const long = items.find((q) => q.length > config.quickReplyMaxChars);
  if (long !== undefined) {
    throw new ApiError(
      "invalid_input",
      `a quick reply is at most ${config.quickReplyMaxChars} characters`,
    );
  }
  if (new Set(items).size !== items.length) {
    throw new ApiError("invalid_input", "each quick reply must be different");
  }
  const op = auditedAtomic(kv, deps.clock, {
    actor: user,
    action: "quick_replies.update",
    target: { type: "team", id: teamId },
    detail: { count: items.length },
  });
  if (items.length) op.set(keys.teamQuickReplies(teamId), items);
  else op.delete(keys.teamQuickReplies(teamId));
  if (!(await op.commit()).ok) throw new ApiError("conflict", "could not save; retry");
  return { teamId, items, custom: items.length > 0 };
}

/** The quick replies of a conversation: its team's, or none (the defaults) for any other one. */
export async function conversationQuickReplies(
  deps: Deps,
  userId: string,
  convId: string,
): Promise<QuickReplies> {
  const { conversation } = await getMembership(deps.kv, userId, convId);
  const team = conversation.kind === "group" ? await teamOfConversation(deps.kv, convId) : null;
  const items = team ? await stored(deps.kv, team.id) : null;
  return { teamId: team?.id ?? null, items: items ?? [], custom: items !== null };
}
