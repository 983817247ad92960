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
    // Group admin (lib/chat/group_admin.ts).
    "muted",
    "unmuted",
    "pinned",
    "unpinned",
    "announced",
  ]),
  actorId: z.string(),
  userIds: z.array(z.string()).optional(),
  /** When more people were notified than `userIds` names (reminders, escalations of large teams). */
  userCount: z.number().optional(),
  title: z.string().optional(),
  role: MemberRoleSchema.optional(),
  /** muted: until when (no userIds: the whole group); announced: until when it shows. */
  until: z.number().optional(),
  /** pinned / unpinned: the message's seq. */
  seq: z.number().optional(),
});
export type SystemEvent = z.infer<typeof SystemEventSchema>;

/** A file attached to a message (lib/files/): served at /api/v1/files/:id to members only. */
export const FileRefSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  size: z.number(),
});
export type FileRef = z.infer<typeof FileRefSchema>;

export const MessageSchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  seq: z.number(),
  kind: z.enum(["text", "system", "alert"]),
  senderId: z.string().nullable(),
  text: z.string(),
  /** For kind "alert": the alert this card shows (the card's content is the alert's current state). */
  alertId: z.string().optional(),
  clientId: z.string().optional(),
  system: SystemEventSchema.optional(),
  /** Attached files (lib/files/uploads.ts commits them with the message). */
  files: z.array(FileRefSchema).optional(),
  createdAt: z.number(),
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

export const SendInputSchema = z.strictObject({
  clientId: ClientIdSchema,
  text: z.string().max(1_000_000).refine((s) => s.trim().length > 0, "must not be empty"),
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
}
