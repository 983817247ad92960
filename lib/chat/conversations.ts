/**
 * Conversations: creating, listing and summarising them, renaming a group,
 * and changeGroup, the one way a group changes (membership.ts holds the
 * membership changes). Every change is one atomic commit that also appends
 * the system message announcing it, checks the conversation record (which
 * holds the member count, so changes of one conversation are serialised) and
 * publishes the fanout hints.
 */
import type { ConversationSummary } from "./model.ts";
import { type AuditInput, stageAudit, withMeta } from "../audit/chain.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import type { Hint } from "../core/fanout.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { getManyChunked, lastPart, listAll, u64 } from "../core/kv_util.ts";
import { appendBase, type MessageDraft, stageAppend } from "./messages.ts";
import type {
  Conversation,
  CreateConversationInput,
  Head,
  Member,
  MemberRole,
  Message,
} from "./model.ts";
import type { User } from "../accounts/model.ts";
import { publicUser } from "../accounts/model.ts";

/** The actor id of changes Tocsin makes itself (system messages show it as Tocsin). */
export const SYSTEM = "system";

/** Loads a conversation the user belongs to, or 404 (never revealing that it exists). */
export async function getMembership(
  kv: Deno.Kv,
  userId: string,
  conversationId: string,
): Promise<{ conversation: Conversation; member: Member }> {
  const [conv, member] = await kv.getMany<[Conversation, Member]>([
    keys.conversation(conversationId),
    keys.member(conversationId, userId),
  ]);
  if (!conv.value || !member.value) throw notFound("conversation");
  return { conversation: conv.value, member: member.value };
}

/** The user's membership of a conversation, or null when they are not a member. */
export async function getMember(
  kv: Deno.Kv,
  conversationId: string,
  userId: string,
): Promise<Member | null> {
  return (await kv.get<Member>(keys.member(conversationId, userId))).value;
}

/** Users that exist and are enabled, in input order, or 400 naming the first that is not. */
export async function requireActiveUsers(kv: Deno.Kv, ids: string[]): Promise<User[]> {
  const entries = await getManyChunked<User>(kv, ids.map((id) => keys.user(id)));
  return entries.map((e, i) => {
    if (!e.value || e.value.disabled) {
      throw new ApiError("invalid_input", `user ${ids[i]} does not exist or is disabled`);
    }
    return e.value;
  });
}

/** Creates a direct or group conversation. A direct one is unique per pair: asking again returns it. */
export async function createConversation(
  deps: Deps,
  me: User,
  input: CreateConversationInput,
): Promise<{ conversation: Conversation; created: boolean }> {
  return input.kind === "direct"
    ? await createDirect(deps, me, input.userId)
    : await createGroup(deps, me, input.title, input.memberIds);
}

async function createDirect(deps: Deps, me: User, otherId: string) {
  const { kv, fanout, clock } = deps;
  if (otherId === me.id) {
    throw new ApiError("invalid_input", "a direct conversation needs another person");
  }
  const [other] = await requireActiveUsers(kv, [otherId]);
  const id = ulid(clock.now());
  const pairKey = keys.directByPair(me.id, other.id);
  return await fanout.commit<{ conversation: Conversation; created: boolean }>(
    fanout.shard(id),
    async (op) => {
      const pair = await kv.get<string>(pairKey);
      if (pair.value) {
        const existing = await kv.get<Conversation>(keys.conversation(pair.value));
        if (existing.value) return { done: { conversation: existing.value, created: false } };
      }
      const now = clock.now();
      const conversation: Conversation = {
        id,
        kind: "direct",
        title: "",
        createdAt: now,
        createdBy: me.id,
        memberCount: 2,
      };
      op.check(pair).set(pairKey, id)
        .check({ key: keys.conversation(id), versionstamp: null })
        .set(keys.conversation(id), conversation)
        .set(keys.head(id), { seq: 0, lastAt: now, last: null } satisfies Head);
      for (const u of [me.id, other.id]) stageMember(op, id, u, "member", now, 0);
      return {
        hints: [{ t: "join", c: id, u: [me.id, other.id], s: 1 }],
        result: { conversation, created: true },
      };
    },
  );
}

async function createGroup(deps: Deps, me: User, title: string, memberIds: string[]) {
  const { kv, config } = deps;
  const others = [...new Set(memberIds)].filter((id) => id !== me.id);
  if (others.length > config.maxMembersPerRequest) {
    throw new ApiError(
      "invalid_input",
      `at most ${config.maxMembersPerRequest} members per request`,
    );
  }
  if (others.length + 1 > config.maxGroupMembers) {
    throw new ApiError("invalid_input", `a group has at most ${config.maxGroupMembers} members`);
  }
  await requireActiveUsers(kv, others);
  const conversation = await commitNewGroup(deps, me.id, title, [
    { userId: me.id, role: "owner" },
    ...others.map((u) => ({ userId: u, role: "member" as const })),
  ]);
  return { conversation, created: true };
}

/**
 * One commit creating a group: the record, its "created" notice (seq 1), its
 * members, and the join hints. The creator (unless Tocsin itself) has read it.
 */
export function commitNewGroup(
  deps: Deps,
  actorId: string,
  title: string,
  members: { userId: string; role: MemberRole }[],
): Promise<Conversation> {
  const { fanout, clock } = deps;
  const id = ulid(clock.now());
  return fanout.commit(fanout.shard(id), (op) => {
    const now = clock.now();
    const conversation: Conversation = {
      id,
      kind: "group",
      title,
      createdAt: now,
      createdBy: actorId,
      memberCount: members.length,
    };
    op.check({ key: keys.conversation(id), versionstamp: null })
      .set(keys.conversation(id), conversation);
    const message = stageAppend(op, { key: keys.head(id), value: null, versionstamp: null }, id, {
      kind: "system",
      senderId: null,
      text: "",
      system: {
        event: "created",
        actorId,
        userIds: members.map((m) => m.userId).filter((u) => u !== actorId),
        title,
      },
    }, now);
    for (const m of members) stageMember(op, id, m.userId, m.role, now, 0);
    if (actorId !== SYSTEM) op.max(keys.read(id, actorId), 1n).max(keys.delivered(id, actorId), 1n);
    return Promise.resolve({
      hints: [
        { t: "join", c: id, u: members.map((m) => m.userId), s: message.seq },
        { t: "msg", c: id, s: message.seq },
      ],
      result: conversation,
    });
  });
}

/** Stages a user's membership record and their index entry. */
export function stageMember(
  op: Deno.AtomicOperation,
  convId: string,
  userId: string,
  role: MemberRole,
  now: number,
  joinedSeq: number,
): void {
  const member: Member = { userId, role, joinedAt: now, joinedSeq };
  op.set(keys.member(convId, userId), member)
    .set(keys.conversationByUser(userId, convId), { joinedAt: now });
}

/** The caller's conversations, most recent activity first, with last message and unread count. */
export async function listConversations(deps: Deps, me: User): Promise<ConversationSummary[]> {
  const { kv } = deps;
  const ids = (await listAll(kv, keys.conversationsByUser(me.id))).map((e) => lastPart(e.key));
  return await summarize(kv, me.id, ids);
}

/** Summaries of the given conversations for one member (non-member ids are skipped). */
export async function summarize(
  kv: Deno.Kv,
  userId: string,
  ids: string[],
): Promise<ConversationSummary[]> {
  const [convs, heads, members, reads, marks] = await Promise.all([
    getManyChunked<Conversation>(kv, ids.map((id) => keys.conversation(id))),
    getManyChunked<Head>(kv, ids.map((id) => keys.head(id))),
    getManyChunked<Member>(kv, ids.map((id) => keys.member(id, userId))),
    getManyChunked<Deno.KvU64>(kv, ids.map((id) => keys.read(id, userId))),
    getManyChunked<Deno.KvU64>(kv, ids.map((id) => keys.mentionMark(userId, id))),
  ]);
  const out: ConversationSummary[] = [];
  ids.forEach((_id, i) => {
    const c = convs[i].value;
    const m = members[i].value;
    if (!c || !m) return;
    const head = heads[i].value ?? { seq: 0, lastAt: c.createdAt, last: null };
    const read = Math.max(u64(reads[i]), m.joinedSeq);
    out.push({
      ...c,
      seq: head.seq,
      lastAt: head.lastAt,
      lastMessage: head.last,
      read,
      // Events (edits, reactions) after the last message take seqs but are not unread messages.
      unread: read >= (head.last?.seq ?? 0) ? 0 : Math.max(0, head.seq - read),
      role: m.role,
      peer: null,
      mentionSeq: u64(marks[i]),
    });
  });
  // The peer of a direct conversation: the member that is not the caller.
  const direct = out.filter((s) => s.kind === "direct");
  const memberLists = await Promise.all(
    direct.map((s) => listAll<Member>(kv, keys.members(s.id), 3)),
  );
  const peerUserIds = memberLists.map((ms) =>
    ms.map((e) => e.value.userId).find((u) => u !== userId) ?? userId
  );
  const peers = await getManyChunked<User>(kv, peerUserIds.map((u) => keys.user(u)));
  direct.forEach((s, i) => {
    const p = peers[i].value;
    s.peer = p ? publicUser(p) : null;
    s.title = p?.name ?? "";
  });
  out.sort((a, b) => b.lastAt - a.lastAt);
  return out;
}

/** The members of a conversation with their user records and receipts. */
export async function listMembers(deps: Deps, me: User, conversationId: string) {
  const { kv } = deps;
  await getMembership(kv, me.id, conversationId);
  const members = (await listAll<Member>(kv, keys.members(conversationId))).map((e) => e.value);
  const users = await getManyChunked<User>(kv, members.map((m) => keys.user(m.userId)));
  return members.map((m, i) => ({
    ...m,
    user: users[i].value ? publicUser(users[i].value!) : null,
  }));
}

export type GroupChange = (ctx: {
  op: Deno.AtomicOperation;
  conversation: Conversation;
  actor: Member;
  now: number;
  /** The conversation's seq before this change. */
  seq: number;
}) => Promise<{
  draft: MessageDraft;
  /** Fields of the conversation record that change. */
  patch?: Partial<Conversation>;
  hints?: (seq: number) => Hint[];
}>;

/**
 * Runs one change to a group's membership or settings as one commit: reads
 * the conversation, the actor's membership and the head; lets `change` stage
 * its mutations; appends the system message; publishes hints.
 */
export async function changeGroup(
  deps: Deps,
  actorId: string,
  conversationId: string,
  change: GroupChange,
): Promise<Message> {
  const { kv, fanout, clock } = deps;
  // A person's change is audited (team sync, acting as SYSTEM, is audited as the team change).
  const meta = withMeta({ action: "group" });
  const audit = actorId === SYSTEM ? null : meta.actor?.id === actorId
    ? meta // the request's caller, with their name
    : { ...meta, actor: { id: actorId } };
  return await fanout.commit(fanout.shard(conversationId), async (op) => {
    const [conv, memberEntry, head] = await kv.getMany<[Conversation, Member, Head]>([
      keys.conversation(conversationId),
      keys.member(conversationId, actorId),
      keys.head(conversationId),
    ]);
    // Tocsin itself (team sync) acts with an owner's rights without being a member.
    const actor = actorId === SYSTEM
      ? {
        ...memberEntry,
        value: { userId: SYSTEM, role: "owner" as const, joinedAt: 0, joinedSeq: 0 },
      }
      : memberEntry;
    if (!conv.value || !actor.value) throw notFound("conversation");
    if (conv.value.kind !== "group") {
      throw new ApiError("invalid_input", "direct conversations have fixed members");
    }
    const now = clock.now();
    const r = await change({
      op,
      conversation: conv.value,
      actor: actor.value,
      now,
      seq: appendBase(op, head, conversationId),
    });
    op.check(conv).check(memberEntry)
      .set(keys.conversation(conversationId), { ...conv.value, ...r.patch });
    if (audit) await stageAudit(kv, op, clock, groupAudit(audit, conversationId, r.draft));
    const message = stageAppend(op, head, conversationId, r.draft, now);
    return {
      hints: [{ t: "msg", c: conversationId, s: message.seq }, ...(r.hints?.(message.seq) ?? [])],
      result: message,
    };
  });
}

/** A group change's audit entry: `group.<event>` (member_added, role_changed, pinned...). */
function groupAudit(base: AuditInput, conversationId: string, draft: MessageDraft): AuditInput {
  const ev = draft.system;
  return {
    ...base,
    action: `group.${ev?.event ?? "update"}`,
    target: { type: "conversation", id: conversationId },
    ...(ev?.userIds?.length ? { detail: { userIds: ev.userIds.slice(0, 50) } } : {}),
  };
}

/** 403 unless the actor is a group owner or admin. */
export function requireManager(actor: Member): void {
  if (actor.role !== "owner" && actor.role !== "admin") {
    throw new ApiError("forbidden", "only group owners and admins can do this");
  }
}

/** Renames a group (owners and admins). */
export async function renameConversation(
  deps: Deps,
  me: User,
  conversationId: string,
  title: string,
): Promise<Message> {
  return await changeGroup(deps, me.id, conversationId, ({ actor }) => {
    requireManager(actor);
    return Promise.resolve({
      draft: {
        kind: "system",
        senderId: null,
        text: "",
        system: { event: "renamed", actorId: me.id, title },
      },
      patch: { title },
    });
  });
}
