/** Accounts' stored records and inputs: users, teams, tokens, as zod schemas with their types. */
import { z } from "zod";
import {
  EmailSchema,
  HhMmSchema,
  IdSchema,
  NameSchema,
  PasswordSchema,
  TimeZoneSchema,
} from "../core/schemas.ts";

export const UserRoleSchema = z.enum(["admin", "member"]);
export type UserRole = z.infer<typeof UserRoleSchema>;

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
  name: NameSchema.optional(),
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
  /**
   * Moves on when a password reset or a disable revokes every session and API
   * token of the user; credentials of an older generation are refused.
   */
  authGen: z.number().optional(),
  /**
   * Moves on when the user changes their own password: login sessions of an
   * older value are refused (the session that made the change is re-stamped);
   * API tokens are kept.
   */
  sessionGen: z.number().optional(),
  /** The department in the directory (lib/directory/departments.ts); none when absent. */
  departmentId: z.string().nullable().optional(),
  /** Job title, set by admins, shown in the directory. */
  title: z.string().optional(),
  /** A short status the user sets ("In a meeting"), with an optional emoji. */
  status: z.object({ text: z.string(), emoji: z.string() }).nullable().optional(),
  /** The user's time zone, for the local time on their directory card. */
  timeZone: z.string().nullable().optional(),
  /** The uploaded avatar: its chunks are under `avatar_chunks/<id>/<n>`. */
  avatar: z.object({ id: z.string(), type: z.string(), size: z.number(), chunks: z.number() })
    .nullable().optional(),
});
export type User = z.infer<typeof UserSchema>;

export const SetupInputSchema = z.strictObject({
  email: EmailSchema,
  name: NameSchema,
  password: PasswordSchema,
});
export type SetupInput = z.infer<typeof SetupInputSchema>;

/** The caller changes their own password: the current one is verified first. */
export const ChangePasswordInputSchema = z.strictObject({
  current: z.string().min(1).max(1024),
  next: PasswordSchema,
});

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

export const CreateTokenInputSchema = z.strictObject({
  name: NameSchema,
  /** When the token stops working (ms since the epoch); never when absent. */
  expiresAt: z.number().int().positive().max(8.64e15).optional(),
});

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
  /**
   * Archived (ms since the epoch): kept with its history, hidden from lists by
   * default, its integrations answer 503 and it pages nobody.
   */
  archivedAt: z.number().optional(),
});
export type Team = z.infer<typeof TeamSchema>;

export const CreateTeamInputSchema = z.strictObject({
  name: NameSchema,
  memberIds: z.array(IdSchema).max(1000).default([]),
  adminIds: z.array(IdSchema).max(1000).default([]),
});
export type CreateTeamInput = z.infer<typeof CreateTeamInputSchema>;

export const UpdateTeamInputSchema = z.strictObject({ name: NameSchema });

export const TeamListQuerySchema = z.strictObject({
  /** "1": archived teams are listed too. */
  archived: z.enum(["0", "1"]).optional(),
});

export const TeamMembersInputSchema = z.strictObject({
  userIds: z.array(IdSchema).min(1).max(1000),
  role: TeamRoleSchema.default("member"),
});

export const TeamMemberRoleInputSchema = z.strictObject({ role: TeamRoleSchema });

/** What other users may see of a user (no secrets exist on User, but keep the wire shape explicit). */
export interface PublicUser {
  id: string;
  email: string;
  name: string;
  role: User["role"];
  disabled: boolean;
  /** Shown on the profile, so that teammates know when someone is not paged for non-urgent alerts. */
  quietHours: QuietHours | null;
  lang: "en" | "zh" | null;
  departmentId?: string | null;
  title?: string;
  status?: { text: string; emoji: string } | null;
  timeZone?: string | null;
  /** The uploaded avatar's id (its URL's version); null: the generated default. */
  avatar?: string | null;
}

export function publicUser(u: User): PublicUser {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    disabled: u.disabled,
    quietHours: u.quietHours ?? null,
    lang: u.lang ?? null,
    departmentId: u.departmentId ?? null,
    title: u.title ?? "",
    status: u.status ?? null,
    timeZone: u.timeZone ?? null,
    avatar: u.avatar?.id ?? null,
  };
}
