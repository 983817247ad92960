/**
 * Group membership: adding, removing, leaving and roles, for people and for Tocsin itself
 * (a team's alert conversation follows the team). Each change is one commit through
 * changeGroup with the system message that announces it.
 */
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import { getManyChunked, listAll } from "../core/kv_util.ts";
import type { Conversation, Member, MemberRole, Message } from "./model.ts";
import type { User } from "../accounts/model.ts";
import {
  changeGroup,
  commitNewGroup,
  getMembership,
  requireActiveUsers,
  requireManager,
  stageMember,
  SYSTEM,
} from "./conversations.ts";

/** Adds users to a group (owners and admins). Users already in it are skipped. */
export async function addMembers(
  deps: Deps,
  me: User,
  conversationId: string,
  userIds: string[],
): Promise<Message | null> {
  const { kv, config } = deps;
  const wanted = [...new Set(userIds)];
  if (wanted.length > config.maxMembersPerRequest) {
    throw new ApiError(
      "invalid_input",
      `at most ${config.maxMembersPerRequest} members per request`,
    );
  }
  await getMembership(kv, me.id, conversationId);
  await requireActiveUsers(kv, wanted);
  return await addToGroup(deps, me.id, conversationId, wanted);
}

/**
 * Members added per commit: each is two mutations, so this stays well under
 * KV's 1,000 per atomic commit whatever the request or team size.
 */
const MEMBERS_PER_COMMIT = 300;

/**
 * Adds `wanted` to a group as `actorId` (Tocsin or a manager), skipping
 * users already in it, one commit and one "member_added" message per
 * MEMBERS_PER_COMMIT. People enforce the group size limit; Tocsin (team
 * sync) does not, since leaving an on-call member out of their team's alert
 * conversation is worse than a large group. Returns the last message, or
 * null when nobody was added.
 */
async function addToGroup(
  deps: Deps,
  actorId: string,
  conversationId: string,
  wanted: string[],
): Promise<Message | null> {
  const { kv, config } = deps;
  let last: Message | null = null;
  for (let i = 0; i < wanted.length; i += MEMBERS_PER_COMMIT) {
    const chunk = wanted.slice(i, i + MEMBERS_PER_COMMIT);
    try {
      last = await changeGroup(
        deps,
        actorId,
        conversationId,
        async ({ op, conversation, actor, now, seq }) => {
          requireManager(actor);
          const existing = await getManyChunked<Member>(
            kv,
            chunk.map((u) => keys.member(conversationId, u)),
          );
          const added = chunk.filter((_, i) => !existing[i].value);
          if (added.length === 0) throw new NothingToDo();
          const count = conversation.memberCount + added.length;
          if (actorId !== SYSTEM && count > config.maxGroupMembers) {
            throw new ApiError(
              "invalid_input",
              `a group has at most ${config.maxGroupMembers} members`,
            );
          }
          // Members join just before the system message that announces them, so they receive it.
          for (const u of added) stageMember(op, conversationId, u, "member", now, seq);
          return {
            draft: {
              kind: "system",
              senderId: null,
              text: "",
              system: { event: "member_added", actorId, userIds: added },
            },
            patch: { memberCount: count },
            hints: (seq) => [{ t: "join", c: conversationId, u: added, s: seq }],
          };
        },
      );
    } catch (e) {
      if (!(e instanceof NothingToDo)) throw e;
    }
  }
  return last;
}

class NothingToDo extends Error {}

function stageRemoval(op: Deno.AtomicOperation, convId: string, userId: string): void {
  op.delete(keys.member(convId, userId))
    .delete(keys.conversationByUser(userId, convId))
    .delete(keys.read(convId, userId))
    .delete(keys.delivered(convId, userId));
}

/** Removes a member (owners and admins; only owners remove owners). */
export async function removeMember(
  deps: Deps,
  me: User,
  conversationId: string,
  userId: string,
): Promise<Message> {
  if (userId === me.id) return await leaveConversation(deps, me, conversationId);
  const message = await removeFromGroup(deps, me.id, conversationId, userId);
  if (!message) throw notFound("member");
  return message;
}

/** Removes a user from a group as Tocsin; a no-op when they are not in it. */
export async function systemRemoveMember(
  deps: Deps,
  conversationId: string,
  userId: string,
): Promise<void> {
  await removeFromGroup(deps, SYSTEM, conversationId, userId);
}

/**
 * Removes `userId` from a group as `actorId`: a manager (only owners remove owners) or Tocsin,
 * which acts as an owner. Null when the user is not a member.
 */
async function removeFromGroup(
  deps: Deps,
  actorId: string,
  conversationId: string,
  userId: string,
): Promise<Message | null> {
  try {
    return await changeGroup(deps, actorId, conversationId, async ({ op, conversation, actor }) => {
      requireManager(actor);
      const target = await deps.kv.get<Member>(keys.member(conversationId, userId));
      if (!target.value) throw new NothingToDo();
      if (target.value.role === "owner" && actor.role !== "owner") {
        throw new ApiError("forbidden", "only an owner can remove an owner");
      }
      op.check(target);
      stageRemoval(op, conversationId, userId);
      return {
        draft: {
          kind: "system",
          senderId: null,
          text: "",
          system: { event: "member_removed", actorId, userIds: [userId] },
        },
        patch: { memberCount: conversation.memberCount - 1 },
      };
    });
  } catch (e) {
    if (e instanceof NothingToDo) return null;
    throw e;
  }
}

/** Leaves a group. When the last owner leaves, the longest-standing member becomes owner. */
export async function leaveConversation(
  deps: Deps,
  me: User,
  conversationId: string,
): Promise<Message> {
  const { kv } = deps;
  return await changeGroup(deps, me.id, conversationId, async ({ op, conversation, actor }) => {
    stageRemoval(op, conversationId, me.id);
    const userIds = [me.id];
    if (actor.role === "owner") {
      const others = (await listAll<Member>(kv, keys.members(conversationId)))
        .map((e) => e.value).filter((m) => m.userId !== me.id);
      if (others.length && !others.some((m) => m.role === "owner")) {
        const heir = others.sort((a, b) => a.joinedAt - b.joinedAt)[0];
        op.set(keys.member(conversationId, heir.userId), { ...heir, role: "owner" });
        userIds.push(heir.userId);
      }
    }
    return {
      draft: {
        kind: "system",
        senderId: null,
        text: "",
        // userIds[1], when present, is the member who became owner.
        system: { event: "member_left", actorId: me.id, userIds },
      },
      patch: { memberCount: conversation.memberCount - 1 },
    };
  });
}

/** Changes a member's role (owners only). */
export async function setMemberRole(
  deps: Deps,
  me: User,
  conversationId: string,
  userId: string,
  role: MemberRole,
): Promise<Message> {
  const { kv } = deps;
  return await changeGroup(deps, me.id, conversationId, async ({ op, actor }) => {
    if (actor.role !== "owner") throw new ApiError("forbidden", "only an owner can change roles");
    const target = await kv.get<Member>(keys.member(conversationId, userId));
    if (!target.value) throw notFound("member");
    op.check(target).set(target.key, { ...target.value, role });
    return {
      draft: {
        kind: "system",
        senderId: null,
        text: "",
        system: { event: "role_changed", actorId: me.id, userIds: [userId], role },
      },
    };
  });
}

/**
 * Creates a group owned by nobody, for Tocsin's own use (a team's alert
 * conversation). Large teams join in further commits after the first
 * MEMBERS_PER_COMMIT (admins first, so they keep their role).
 */
export async function createSystemGroup(
  deps: Deps,
  title: string,
  members: { userId: string; role: MemberRole }[],
): Promise<Conversation> {
  const sorted = [...members].sort((a, b) =>
    Number(b.role !== "member") - Number(a.role !== "member")
  );
  const conv = await commitNewGroup(deps, SYSTEM, title, sorted.slice(0, MEMBERS_PER_COMMIT));
  const rest = sorted.slice(MEMBERS_PER_COMMIT).map((m) => m.userId);
  if (rest.length === 0) return conv;
  await addToGroup(deps, SYSTEM, conv.id, rest);
  return (await deps.kv.get<Conversation>(keys.conversation(conv.id))).value ?? conv;
}

/** Adds users to a group as Tocsin (no actor membership needed). */
export async function systemAddMembers(
  deps: Deps,
  conversationId: string,
  userIds: string[],
): Promise<void> {
  await addToGroup(deps, SYSTEM, conversationId, [...new Set(userIds)]);
}
