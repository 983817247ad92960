/**
 * War rooms: a group conversation opened from an alert, with its assignee, whoever is on call for
 * its team now and the person who opened it. The alert keeps a pointer to its room
 * (`warRoomId`); creating the room is one commit that checks that pointer, so two clicks make one
 * room. The room holds the alert's card, pinned, which stays live (alertHints sends the alert's
 * changes to the room too), and the resolve commit posts a summary into it (stageWarRoomSummary).
 */
import { z } from "zod";
import type { Deps } from "../core/deps.ts";
import { notFound } from "../core/errors.ts";
import type { Hint } from "../core/fanout.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { stageAudit, withMeta } from "../audit/chain.ts";
import { getManyChunked } from "../core/kv_util.ts";
import type { User } from "../accounts/model.ts";
import type { Conversation, Head, MemberRole, Message } from "../chat/model.ts";
import { stageMember, SYSTEM } from "../chat/conversations.ts";
import { getMember } from "../chat/conversations.ts";
import { systemAddMembers } from "../chat/membership.ts";
import { stageAppend } from "../chat/messages.ts";
import type { GroupSettings } from "../chat/post_rules.ts";
import { onCallNow } from "../paging/oncall_now.ts";
import type { Alert, TimelineEntry } from "./model.ts";
import { getAlertFor } from "./queries.ts";
import { getTimeline, timelineEntry } from "./timeline.ts";
import { alertHints } from "./alert_hints.ts";
import { stageAlertIndexes } from "./alert_index.ts";

export const WarRoomInputSchema = z.strictObject({
  /** Where it was opened from (the timeline says). */
  via: z.enum(["api", "card", "page"]).optional(),
});

/** Longest room title (the group title limit). */
const TITLE_CHARS = 100;

export interface WarRoom {
  conversationId: string;
  /** False when the room existed already (it is opened, not made again). */
  created: boolean;
}

/**
 * Opens the alert's war room for `user` (who must be able to see the alert: 404 otherwise),
 * creating it on the first call. A later caller who is not in the room yet is added to it.
 */
export async function openWarRoom(
  deps: Deps,
  user: User,
  alertId: string,
  via = "api",
): Promise<WarRoom> {
  const { kv, fanout, clock } = deps;
  const first = await getAlertFor(kv, user, alertId);
  if (first.warRoomId) return await join(deps, user, first.warRoomId, false);
  const people = await roomPeople(deps, first, user);
  const id = ulid(clock.now());
  // Read here, outside the group commit's build (lib/audit/context.ts).
  const audit = withMeta({
    actor: user,
    action: "war_room.open",
    target: { type: "alert", id: alertId },
    detail: { conversationId: id, members: people.length, via },
  });
  const room = await fanout.commit<WarRoom>(fanout.shard(first.conversationId), async (op) => {
    const now = clock.now();
    const current = await kv.get<Alert>(keys.alert(alertId));
    if (!current.value) throw notFound("alert");
    // The pointer decides: whoever commits first made the room; everyone else opens it.
    if (current.value.warRoomId) {
      return { done: { conversationId: current.value.warRoomId, created: false } };
    }
    const a: Alert = { ...current.value, warRoomId: id, updatedAt: now };
    // The alert's own title: the app marks the room as a war room in the reader's language.
    const title = a.title.slice(0, TITLE_CHARS);
    const conversation: Conversation = {
      id,
      kind: "group",
      title,
      createdAt: now,
      createdBy: user.id,
      memberCount: people.length,
      alertId: a.id,
    };
    op.check(current).set(keys.alert(a.id), a)
      .check({ key: keys.conversation(id), versionstamp: null })
      .set(keys.conversation(id), conversation);
    stageAlertIndexes(op, current.value, a);
    const pinned = stageRoomOpening(op, id, a, user, people, title, now);
    for (const p of people) stageMember(op, id, p.userId, p.role, now, 0);
    const seen = BigInt(pinned.seq);
    op.max(keys.read(id, user.id), seen).max(keys.delivered(id, user.id), seen);
    const t = timelineEntry(now, "war_room", user.id, via, { detail: { conversationId: id } });
    op.set(keys.alertTimeline(a.id, t.id), t);
    await stageAudit(kv, op, clock, audit);
    return {
      hints: [
        { t: "join", c: id, u: people.map((p) => p.userId), s: 1 },
        { t: "msg", c: id, s: pinned.seq },
        ...alertHints(a),
      ],
      result: { conversationId: id, created: true },
    };
  });
  return room.created ? room : await join(deps, user, room.conversationId, false);
}

/**
 * The room's first messages, in the opening commit: "created" naming the members, the alert's card,
 * and the card pinned. Returns the last one appended.
 */
function stageRoomOpening(
  op: Deno.AtomicOperation,
  id: string,
  a: Alert,
  user: User,
  people: { userId: string }[],
  title: string,
  now: number,
) {
  const head = { key: keys.head(id), value: null, versionstamp: null };
  stageAppend(op, head, id, {
    kind: "system",
    senderId: null,
    text: "",
    system: {
      event: "created",
      actorId: user.id,
      userIds: people.map((p) => p.userId).filter((u) => u !== user.id),
      title,
    },
  }, now);
  const card = stageAppend(op, head, id, {
    kind: "alert",
    senderId: null,
    text: a.title,
    alertId: a.id,
  }, now);
  const settings: GroupSettings = { pins: [{ seq: card.seq, by: user.id, at: now }] };
  op.set(keys.groupSettings(id), settings);
  const pinned = stageAppend(op, head, id, {
    kind: "system",
    senderId: null,
    text: "",
    system: { event: "pinned", actorId: user.id, seq: card.seq },
  }, now);
  return pinned;
}

/** Adds `user` to an existing room when they are not in it yet. */
async function join(deps: Deps, user: User, roomId: string, created: boolean): Promise<WarRoom> {
  if (!(await getMember(deps.kv, roomId, user.id))) {
    await systemAddMembers(deps, roomId, [user.id]);
  }
  return { conversationId: roomId, created };
}

/**
 * Who the room starts with: the person who opens it (its owner), the alert's assignee, and
 * whoever is on call now in each of the team's schedules; disabled accounts are left out.
 */
async function roomPeople(
  deps: Deps,
  alert: Alert,
  opener: User,
): Promise<{ userId: string; role: MemberRole }[]> {
  const onCall = (await onCallNow(deps.kv, alert.teamId, deps.clock.now()))
    .flatMap((o) => o.userId ? [o.userId] : []);
  const others = [...new Set([alert.assigneeId, ...onCall])]
    .filter((u): u is string => !!u && u !== opener.id)
    .slice(0, Math.max(0, deps.config.maxGroupMembers - 1));
  const users = await getManyChunked<User>(deps.kv, others.map((u) => keys.user(u)));
  return [
    { userId: opener.id, role: "owner" },
    ...others.filter((_, i) => users[i].value && !users[i].value!.disabled)
      .map((userId) => ({ userId, role: "member" as const })),
  ];
}

/**
 * Stages the summary of a just-resolved alert into its war room, in the resolve commit itself:
 * the resolve and its summary are one atomic write, so the summary exists exactly when the
 * resolve does (nothing is pending across a restart, and a repeated resolve is refused before
 * it gets here). `fresh` are the timeline entries this commit writes (not yet stored). Returns
 * the hints to publish; none when the alert has no room.
 */
export async function stageWarRoomSummary(
  deps: Deps,
  op: Deno.AtomicOperation,
  a: Alert,
  fresh: TimelineEntry[],
  now: number,
): Promise<Hint[]> {
  const { kv, config } = deps;
  const roomId = a.warRoomId;
  if (!roomId || a.resolvedAt === null) return [];
  const [conv, head] = await kv.getMany<[Conversation, Head]>([
    keys.conversation(roomId),
    keys.head(roomId),
  ]);
  if (!conv.value) return [];
  const stored = await getTimeline(kv, a.id);
  const ids = new Set(stored.map((e) => e.id));
  const withNotes = [...stored, ...fresh.filter((e) => !ids.has(e.id))]
    .filter((e) => e.note?.trim());
  const listed = withNotes.slice(-config.warRoomSummaryNotes);
  const cut = (s: string) =>
    s.length > config.warRoomNoteChars ? s.slice(0, config.warRoomNoteChars) + "…" : s;
  const summary = {
    alertId: a.id,
    title: a.title,
    createdAt: a.createdAt,
    acknowledgedAt: a.acknowledgedAt,
    acknowledgedBy: a.acknowledgedBy,
    resolvedAt: a.resolvedAt,
    resolvedBy: a.resolvedBy,
    notes: listed.map((e) => ({ at: e.at, by: e.by, text: cut(e.note!.trim()) })),
    notesOmitted: withNotes.length - listed.length,
  };
  const message: Message = stageAppend(op, head, roomId, {
    kind: "system",
    senderId: null,
    text: await summaryText(kv, summary),
    system: { event: "war_room_summary", actorId: a.resolvedBy ?? SYSTEM, summary },
  }, now);
  return [{ t: "msg", c: roomId, s: message.seq }];
}

type Summary = NonNullable<NonNullable<Message["system"]>["summary"]>;

/** The summary in plain English: for previews, search and API readers (the app words its own). */
async function summaryText(kv: Deno.Kv, s: Summary): Promise<string> {
  const ids = [...new Set([s.acknowledgedBy, s.resolvedBy, ...s.notes.map((n) => n.by)])]
    .filter((u): u is string => !!u);
  const users = await getManyChunked<User>(kv, ids.map((u) => keys.user(u)));
  const names = new Map(ids.map((u, i) => [u, users[i].value?.name || u]));
  const who = (u: string | null) => u ? names.get(u) ?? u : "the source";
  const lines = [`Resolved: ${s.title}`];
  if (s.acknowledgedAt !== null) {
    lines.push(
      `Acknowledged by ${who(s.acknowledgedBy)} after ${spell(s.acknowledgedAt - s.createdAt)}`,
    );
  }
  lines.push(`Resolved by ${who(s.resolvedBy)} after ${spell(s.resolvedAt - s.createdAt)}`);
  if (s.notes.length) {
    lines.push("Notes:", ...s.notes.map((n) => `- ${who(n.by)}: ${n.text}`));
    if (s.notesOmitted) lines.push(`(${s.notesOmitted} earlier notes on the timeline)`);
  }
  return lines.join("\n");
}

/** A duration as "1h 5m", "3m 20s" or "12s". */
function spell(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, sec = s % 60;
  return h ? `${h}h ${m}m` : m ? `${m}m ${sec}s` : `${sec}s`;
}
