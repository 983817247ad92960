/**
 * zod schemas for every stored record and every input, with their types.
 * Inputs are strict about shape and lenient only where a human would expect
 * it (surrounding spaces in names and e-mail addresses).
 */
import { z } from "zod";
import { isUlid } from "./ids.ts";

export const IdSchema = z.string().refine(isUlid, "must be an id");
export const SeqSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const EmailSchema = z.string().trim().toLowerCase().pipe(z.email().max(254));
export const NameSchema = z.string().trim().min(1).max(100);
export const PasswordSchema = z.string().min(1).max(1024);
/** A client's idempotency key for a send. */
export const ClientIdSchema = z.string().min(1).max(64).regex(
  /^[A-Za-z0-9_.:-]+$/,
  "letters, digits and _ . : - only",
);

export const UserRoleSchema = z.enum(["admin", "member"]);
export type UserRole = z.infer<typeof UserRoleSchema>;

/** A wall-clock time, "HH:MM". */
export const HhMmSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "HH:MM");

/** An IANA time zone name this runtime knows. */
export const TimeZoneSchema = z.string().min(1).max(64).refine((tz) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, "unknown time zone");

/** Do-not-disturb: reminders below urgent wait until the window ends. */
export const QuietHoursSchema = z.strictObject({
  from: HhMmSchema,
  to: HhMmSchema,
  timeZone: TimeZoneSchema,
  /** Weekdays the window starts on (0 = Sunday); all days when absent. */
  days: z.array(z.number().int().min(0).max(6)).min(1).max(7).optional(),
});
export type QuietHours = z.infer<typeof QuietHoursSchema>;

export const UpdateProfileInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  quietHours: QuietHoursSchema.nullable().optional(),
  /** Language of notifications sent outside the app. */
  lang: z.enum(["en", "zh"]).nullable().optional(),
});

export const UserSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: UserRoleSchema,
  disabled: z.boolean(),
  createdAt: z.number(),
  quietHours: QuietHoursSchema.nullable().optional(),
  lang: z.enum(["en", "zh"]).nullable().optional(),
});
export type User = z.infer<typeof UserSchema>;

export const SetupInputSchema = z.strictObject({
  email: EmailSchema,
  name: NameSchema,
  password: PasswordSchema,
});
export type SetupInput = z.infer<typeof SetupInputSchema>;

export const LoginInputSchema = z.strictObject({ email: EmailSchema, password: PasswordSchema });

export const CreateUserInputSchema = z.strictObject({
  email: EmailSchema,
  name: NameSchema,
  password: PasswordSchema,
  role: UserRoleSchema.default("member"),
});
export type CreateUserInput = z.infer<typeof CreateUserInputSchema>;

export const UpdateUserInputSchema = z.strictObject({
  name: NameSchema.optional(),
  role: UserRoleSchema.optional(),
  disabled: z.boolean().optional(),
  password: PasswordSchema.optional(),
});
export type UpdateUserInput = z.infer<typeof UpdateUserInputSchema>;

export const DirectoryQuerySchema = z.strictObject({
  q: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

export const CreateTokenInputSchema = z.strictObject({ name: NameSchema });

export const TeamRoleSchema = z.enum(["admin", "member"]);
export type TeamRole = z.infer<typeof TeamRoleSchema>;

export const TeamSchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.number(),
  /** The team's alert conversation, created with its first integration. */
  conversationId: z.string().optional(),
  /** Escalation policy for the team's new alerts. */
  escalationPolicyId: z.string().optional(),
});
export type Team = z.infer<typeof TeamSchema>;

export const CreateTeamInputSchema = z.strictObject({
  name: NameSchema,
  memberIds: z.array(IdSchema).max(1000).default([]),
  adminIds: z.array(IdSchema).max(1000).default([]),
});
export type CreateTeamInput = z.infer<typeof CreateTeamInputSchema>;

export const UpdateTeamInputSchema = z.strictObject({ name: NameSchema });

export const TeamMembersInputSchema = z.strictObject({
  userIds: z.array(IdSchema).min(1).max(1000),
  role: TeamRoleSchema.default("member"),
});

export const TeamMemberRoleInputSchema = z.strictObject({ role: TeamRoleSchema });

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
  ]),
  actorId: z.string(),
  userIds: z.array(z.string()).optional(),
  /** When more people were notified than `userIds` names (reminders, escalations of large teams). */
  userCount: z.number().optional(),
  title: z.string().optional(),
  role: MemberRoleSchema.optional(),
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

/** Per-conversation cursors: the last seq the client holds. */
export const CursorsSchema = z.record(IdSchema, SeqSchema).refine(
  (r) => Object.keys(r).length <= 10_000,
  "too many cursors",
);
export type Cursors = z.infer<typeof CursorsSchema>;

/** Frames a client may send over the WebSocket. */
export const ClientFrameSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("hello"), cursors: CursorsSchema.default({}) }),
  z.strictObject({
    type: z.literal("send"),
    conversationId: IdSchema,
    clientId: ClientIdSchema,
    text: SendInputSchema.shape.text,
  }),
  z.strictObject({ type: z.literal("read"), conversationId: IdSchema, seq: SeqSchema }),
  z.strictObject({ type: z.literal("received"), conversationId: IdSchema, seq: SeqSchema }),
  z.strictObject({ type: z.literal("keepalive") }),
]);
export type ClientFrame = z.infer<typeof ClientFrameSchema>;

/** Turns zod issues into one readable line. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.slice(0, 5).map((i) => {
    const path = i.path.length ? i.path.join(".") + ": " : "";
    return path + i.message;
  }).join("; ");
}
