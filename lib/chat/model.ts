/** Chat's stored records and inputs: conversations, members, messages, heads. */
import { z } from "zod";
import { ClientIdSchema, IdSchema, SeqSchema } from "../core/schemas.ts";
import type { PublicUser } from "../accounts/model.ts";

export const MemberRoleSchema = z.enum(["owner", "admin", "member"]);
export type MemberRole = z.infer<typeof MemberRoleSchema>;

export const ConversationSchema = z.object({
  id: z.string(),
  kind: z.enum(["direct", "group"]),
  title: z.string(),
  createdAt: z.number(),
  createdBy: z.string(),
  memberCount: z.number(),
  /** A war room: the alert it was opened for (lib/alerts/war_room.ts). */
  alertId: z.string().optional(),
});
export type Conversation = z.infer<typeof ConversationSchema>;

export const MemberSchema = z.object({
  userId: z.string(),
  role: MemberRoleSchema,
  joinedAt: z.number(),
  /** Seq of the conversation when the member joined; their live stream starts after it. */
  joinedSeq: z.number(),
  /** Until when a group owner or admin muted this member (they cannot post before it). */
  mutedUntil: z.number().optional(),
});
export type Member = z.infer<typeof MemberSchema>;

export const SystemEventSchema = z.object({
  event: z.enum([
    "created",
    "member_added",
    "member_removed",
    "member_left",
    "renamed",
    "role_changed",
    "reminder",
    "escalated",
    "ding",
    "silence_started",
    "silence_ending",
    // Group admin (lib/chat/group_admin.ts).
    "muted",
    "unmuted",
    "pinned",
    "unpinned",
    "announced",
    // A war room's alert resolved (lib/alerts/war_room.ts).
    "war_room_summary",
  ]),
  actorId: z.string(),
  userIds: z.array(z.string()).optional(),
  /** When more people were notified than `userIds` names (reminders, escalations of large teams). */
  userCount: z.number().optional(),
  title: z.string().optional(),
  role: MemberRoleSchema.optional(),
  /** DING: the DING and the seq of the message it is about. */
  dingId: z.string().optional(),
  ref: z.number().optional(),
  /** muted: until when (no userIds: the whole group); announced: until when it shows. */
  until: z.number().optional(),
  /** pinned / unpinned: the message's seq. */
  seq: z.number().optional(),
  /** war_room_summary: the resolved alert in figures (the client words it in its language). */
  summary: z.object({
    alertId: z.string(),
    title: z.string(),
    createdAt: z.number(),
    acknowledgedAt: z.number().nullable(),
    acknowledgedBy: z.string().nullable(),
    resolvedAt: z.number(),
    resolvedBy: z.string().nullable(),
    notes: z.array(z.object({ at: z.number(), by: z.string().nullable(), text: z.string() })),
    /** Notes left out beyond the ones listed. */
    notesOmitted: z.number(),
  }).optional(),
});
export type SystemEvent = z.infer<typeof SystemEventSchema>;

/** What a reply quotes: the original's place and a short excerpt of it (emptied if it is recalled). */
export const ReplyRefSchema = z.object({
  seq: z.number(),
  id: z.string(),
  senderId: z.string().nullable(),
  excerpt: z.string(),
});
export type ReplyRef = z.infer<typeof ReplyRefSchema>;

/** Where a forwarded message came from, named as it was when forwarded. */
export const ForwardRefSchema = z.object({
  conversationId: z.string(),
  title: z.string(),
  senderId: z.string().nullable(),
  senderName: z.string(),
});
export type ForwardRef = z.infer<typeof ForwardRefSchema>;

/**
 * A change to an earlier message (kind "event"): it takes its own seq in the log, so it reaches
 * every device live and after a resume like any message. `target` is the changed message's seq;
 * `message` is filled in when the log is read: the target's state at that time.
 */
export const MessageEventSchema = z.object({
  /** "open": a recipient opened a burn-after-reading message; "burn": it was destroyed. */
  type: z.enum(["edit", "recall", "react", "open", "burn"]),
  target: z.number(),
  emoji: z.string().optional(),
  /** For "react": whether the reaction was added (true) or taken back. */
  on: z.boolean().optional(),
  get message() {
    return MessageSchema.optional();
  },
});
export type MessageEvent = z.infer<typeof MessageEventSchema>;

/** A file attached to a message (lib/files/): served at /api/v1/files/:id to members only. */
export const FileRefSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  size: z.number(),
});
export type FileRef = z.infer<typeof FileRefSchema>;

/**
 * Who a message mentions (lib/chat/mentions.ts), resolved by the server when it was sent or
 * last edited: only members of the conversation.
 */
export const MentionsSchema = z.object({
  /** People named one by one. */
  userIds: z.array(z.string()),
  /** `@all`: every member (group owners and admins only). */
  all: z.boolean().optional(),
  /** `@team`: the members of the team whose conversation this is. */
  team: z.boolean().optional(),
  /** `@oncall`: who was on call for the conversation's team when it was sent (may be empty). */
  oncall: z.array(z.string()).optional(),
});
export type Mentions = z.infer<typeof MentionsSchema>;

/** A burn-after-reading message: who opened it when; it is destroyed after everyone did. */
export const BurnSchema = z.object({
  /** How long it shows after being opened (ms). */
  ms: z.number(),
  /** Recipient id -> when they opened it. */
  opened: z.record(z.string(), z.number()).optional(),
});
export type Burn = z.infer<typeof BurnSchema>;

export const MessageSchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  seq: z.number(),
  kind: z.enum(["text", "system", "alert", "event"]),
  senderId: z.string().nullable(),
  text: z.string(),
  /** For kind "alert": the alert this card shows (the card's content is the alert's current state). */
  alertId: z.string().optional(),
  clientId: z.string().optional(),
  system: SystemEventSchema.optional(),
  /** Attached files (lib/files/uploads.ts commits them with the message). */
  files: z.array(FileRefSchema).optional(),
  createdAt: z.number(),
  /** For kind "event": what changed. */
  event: MessageEventSchema.optional(),
  /** When the text was last edited by its sender. */
  editedAt: z.number().optional(),
  /** Recalled by its sender: the text is gone. */
  recalled: z.boolean().optional(),
  /** Emoji -> ids of the people who reacted with it, in order. */
  reactions: z.record(z.string(), z.array(z.string())).optional(),
  replyTo: ReplyRefSchema.optional(),
  forwardedFrom: ForwardRefSchema.optional(),
  mentions: MentionsSchema.optional(),
  /** Burn after reading: hidden until opened, destroyed a while after every recipient opened it. */
  burn: BurnSchema.optional(),
  /** Destroyed after reading: the text and files are gone. */
  burned: z.boolean().optional(),
});
export type Message = z.infer<typeof MessageSchema>;

export const HeadSchema = z.object({
  seq: z.number(),
  lastAt: z.number(),
  /** The last message, text cut to a preview. */
  last: MessageSchema.nullable(),
});
export type Head = z.infer<typeof HeadSchema>;

export const CreateConversationInputSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("direct"), userId: IdSchema }),
  z.strictObject({
    kind: z.literal("group"),
    title: z.string().trim().min(1).max(100),
    memberIds: z.array(IdSchema).max(1000).default([]),
  }),
]);
export type CreateConversationInput = z.infer<typeof CreateConversationInputSchema>;

export const UpdateConversationInputSchema = z.strictObject({
  title: z.string().trim().min(1).max(100),
});

export const AddMembersInputSchema = z.strictObject({
  userIds: z.array(IdSchema).min(1).max(1000),
});

export const MemberRoleInputSchema = z.strictObject({ role: MemberRoleSchema });

const MessageTextSchema = z.string().max(1_000_000).refine(
  (s) => s.trim().length > 0,
  "must not be empty",
);

/** What a sender asks to mention: a member's id, or one of the special targets. */
export const MentionTargetSchema = z.union([z.enum(["all", "team", "oncall"]), IdSchema]);
/** At most this many targets in one message (people and special targets together). */
export const MAX_MENTION_TARGETS = 50;
export const MentionTargetsSchema = z.array(MentionTargetSchema).max(MAX_MENTION_TARGETS);

export const SendInputSchema = z.strictObject({
  clientId: ClientIdSchema,
  text: MessageTextSchema,
  /** The seq of the message this one replies to (quoted with an excerpt). */
  replyTo: SeqSchema.optional(),
  /** Who the message mentions; checked against the conversation's members when it is sent. */
  mentions: MentionTargetsSchema.optional(),
  /** Burn after reading (lib/chat/burn.ts). */
  burn: z.boolean().optional(),
});

export const EditInputSchema = z.strictObject({
  text: MessageTextSchema,
  mentions: MentionTargetsSchema.optional(),
});

const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });

/** One emoji (with its modifiers and joiners): one grapheme, nothing else. */
export const EmojiSchema = z.string().min(1).max(32).regex(
  /^(?:\p{Extended_Pictographic}|\p{Emoji_Presentation}|\p{Emoji_Modifier}|\p{Regional_Indicator}|[\u200d\ufe0f\u20e3#*0-9])+$/u,
  "must be an emoji",
).refine((s) => /\p{Extended_Pictographic}|\p{Regional_Indicator}/u.test(s), "must be an emoji")
  .refine((s) => [...graphemes.segment(s)].length === 1, "must be one emoji");

export const ReactInputSchema = z.strictObject({ emoji: EmojiSchema });

export const ForwardInputSchema = z.strictObject({
  /** The conversation to forward to. */
  conversationId: IdSchema,
  clientId: ClientIdSchema,
});
export type SendInput = z.infer<typeof SendInputSchema>;

export const ReadInputSchema = z.strictObject({ seq: SeqSchema });

export const HistoryQuerySchema = z.strictObject({
  after: z.coerce.number().int().min(0).optional(),
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).optional(),
});

/** A conversation as its member sees it in their list. */
export interface ConversationSummary extends Conversation {
  seq: number;
  lastAt: number;
  lastMessage: Message | null;
  /** The caller's own read cursor and unread count. */
  read: number;
  unread: number;
  role: MemberRole;
  /** The other person, for direct conversations. */
  peer: PublicUser | null;
  /** The seq of the latest message mentioning the caller (0: none); unread while above `read`. */
  mentionSeq: number;
}
