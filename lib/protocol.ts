/**
 * The wire protocol between Tocsin and its clients (docs/protocol.md): the
 * frames each side sends, the close codes, cursors, and the shapes the
 * browser reads. The only server module that browser code may import.
 */
import { z } from "zod";
import { ClientIdSchema, IdSchema, SeqSchema } from "./core/schemas.ts";
import { SendInputSchema } from "./chat/model.ts";
import type {
  ConversationSummary,
  ForwardRef,
  Member,
  Message,
  MessageEvent,
  ReplyRef,
} from "./chat/model.ts";
import type { Alert, TimelineEntry } from "./alerts/model.ts";
import type { PublicUser, Team } from "./accounts/model.ts";
import type { ApiToken } from "./accounts/tokens.ts";
import type { PushDeviceView } from "./notify/push.ts";
import type { DingMode, DingStatus, PendingDing } from "./chat/ding.ts";
import type { FileRef } from "./chat/model.ts";
import type { GroupAdminView } from "./chat/group_admin.ts";
export { ALLOWED_TYPES, CHUNK_BYTES, isInlineType } from "./files/model.ts";
export type { FileRef, GroupAdminView };
export type { DepartmentView } from "./directory/departments.ts";
export type { OnCallShift, PersonCard } from "./directory/cards.ts";
export type { Announcement, Confirmations } from "./announcements/announcements.ts";

export type {
  Alert,
  ApiToken,
  ConversationSummary,
  DingMode,
  DingStatus,
  ForwardRef,
  Member,
  Message,
  MessageEvent,
  PendingDing,
  PublicUser,
  PushDeviceView,
  ReplyRef,
  Team,
  TimelineEntry,
};

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
    replyTo: SendInputSchema.shape.replyTo,
    mentions: SendInputSchema.shape.mentions,
    burn: SendInputSchema.shape.burn,
  }),
  z.strictObject({ type: z.literal("read"), conversationId: IdSchema, seq: SeqSchema }),
  z.strictObject({ type: z.literal("received"), conversationId: IdSchema, seq: SeqSchema }),
  z.strictObject({ type: z.literal("keepalive") }),
  z.strictObject({ type: z.literal("typing"), conversationId: IdSchema }),
]);
export type ClientFrame = z.infer<typeof ClientFrameSchema>;

/** Frames the server sends; docs/protocol.md describes each. */
export type ServerFrame =
  | { type: "ready"; userId: string; conversations: { id: string; seq: number }[] }
  /** `alert`: with a new alert's card, the alert itself, for those who may see it (one frame). */
  | { type: "message"; message: Message; alert?: Alert }
  | { type: "receipt"; conversationId: string; userId: string; delivered: number; read: number }
  | {
    type: "membership";
    conversationId: string;
    change: "added" | "removed";
    conversation?: ConversationSummary;
  }
  | { type: "sent"; clientId: string; message: Message; warnings?: string[] }
  | { type: "alert"; alert: Alert }
  | { type: "typing"; conversationId: string; userId: string }
  | { type: "resync"; conversationId: string; seq: number; reason: string }
  | { type: "error"; code: string; message: string; clientId?: string }
  | { type: "keepalive"; t: number };

/** Close codes beyond the standard ones; docs/protocol.md lists them. */
export const CLOSE = {
  sessionEnded: 4001,
  accountDisabled: 4003,
  slowConsumer: 4008,
  tooBig: 1009,
  policy: 1008,
  shutdown: 1001,
} as const;

// Shapes the rules and provider pages edit (types only: nothing of the server runs in the browser).
export type { Matcher, Route } from "./alerts/routing.ts";
export type {
  Action as AutomationAction,
  ListedRule as AutomationRule,
  RuleInput as AutomationRuleInput,
} from "./alerts/automation_rules.ts";
export type { ReminderSettings } from "./paging/reminders.ts";
export type { ProviderInput } from "./notify/providers.ts";
export type { PublicEventWebhook as EventWebhook } from "./notify/event_webhooks.ts";
export type {
  DeliveryLogEntry as EventWebhookDelivery,
  EventType as EventWebhookType,
} from "./notify/event_webhook_delivery.ts";
export type { SystemStatus } from "./ops/system.ts";
export type { SearchHit, SearchPage } from "./search/model.ts";
export type {
  Report,
  ReportCell,
  ReportColumn,
  ReportTable,
  ReportTotals,
} from "./reports/report.ts";
export type { GroupMapping as SsoGroupMapping, SsoAdminView, SsoPublicView } from "./sso/model.ts";
// Invitations, self-registration, SCIM tokens and CSV import on the users page (types only).
export type { PublicInvitation as Invitation } from "./accounts/invitations.ts";
export type { SignupSettings } from "./accounts/signup.ts";
export type { ScimToken } from "./accounts/scim_tokens.ts";
export type { ImportRow } from "./accounts/csv_import.ts";
export type { AuditEntry } from "./audit/chain.ts";
export type { Verdict as AuditVerdict } from "./audit/verify.ts";
export type { SessionView } from "./accounts/sessions.ts";
