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
});
export type SystemEvent = z.infer<typeof SystemEventSchema>;

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
