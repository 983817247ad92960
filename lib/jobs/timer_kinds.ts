/**
 * The kinds of durable timer: one zod variant per kind, the record each stores
 * (`timers/<id>`). The timer store and its wake-up are in timers.ts; the
 * dispatcher that maps each kind to its handler is in lib/runtime.ts.
 */
import { z } from "zod";

/**
 * What every timer record holds. `n` and `round` are stored by every kind;
 * their meaning is the kind's (see each variant).
 */
const TimerBase = {
  id: z.string(),
  alertId: z.string(),
  dueAt: z.number(),
  n: z.number(),
  round: z.number().default(0),
  /** Handler failures so far (a timer that keeps failing becomes a dead letter). */
  failures: z.number().optional(),
  /**
   * Until when one process holds this timer to run a handler that reaches outside (claimTimer in
   * timers.ts); no other process fires it before then.
   */
  claimedUntil: z.number().optional(),
};

/** The id shared by every attempt of one outside delivery (receivers de-duplicate on it). */
const DeliveryId = z.string().optional();

/**
 * A timer record (`timers/<id>`), one variant per kind. Records are stored
 * as these plain objects, so the union parses what earlier versions wrote.
 */
export const TimerSchema = z.discriminatedUnion("kind", [
  /** A reminder to those notified; `n` is the reminder's number. */
  z.object({
    ...TimerBase,
    kind: z.literal("reminder"),
    /** Held back by quiet hours: only these users, and no next reminder from it. */
    userIds: z.array(z.string()).optional(),
  }),
  /** An escalation step; `n` is the level it moves to, `round` the policy's repeat. */
  z.object({ ...TimerBase, kind: z.literal("escalation") }),
  /** An "unacknowledged for T" automation rule. */
  z.object({ ...TimerBase, kind: z.literal("automation"), ruleId: z.string() }),
  /** One attempt (`n`) of an automation rule's webhook action. */
  z.object({
    ...TimerBase,
    kind: z.literal("webhook"),
    ruleId: z.string(),
    /** Which of the rule's actions. */
    action: z.number(),
    delivery: DeliveryId,
  }),
  /** One attempt (`n`) of a personal notification; `round` is the alert's epoch. */
  z.object({
    ...TimerBase,
    kind: z.literal("personal"),
    userId: z.string(),
    channel: z.enum(["email", "sms", "voice", "webhook", "push"]),
    delivery: DeliveryId,
  }),
  /**
   * A DING's next step for one recipient who has not confirmed (`n`: 1 push, 2 SMS, 3 voice);
   * `alertId` is `ding:<id>`; `round` is when the DING was last sent to them (a newer DING
   * replaces the steps of an older one).
   */
  z.object({ ...TimerBase, kind: z.literal("ding"), dingId: z.string(), userId: z.string() }),
  /** An event webhook delivery, attempt `n`; `alertId` names the subscription, not an alert. */
  z.object({
    ...TimerBase,
    kind: z.literal("event_webhook"),
    webhookId: z.string(),
    eventId: z.string(),
    delivery: z.string(),
  }),
  /** One attempt (`n`) at telling Zabbix of an action (lib/alerts/zabbix_sync.ts). */
  z.object({
    ...TimerBase,
    kind: z.literal("zabbix"),
    zabbixAction: z.enum(["ack", "resolve", "note"]),
    /** The acknowledgement message Zabbix shows. */
    message: z.string(),
    delivery: DeliveryId,
  }),
  /**
   * A heartbeat's deadline: its last ping plus interval and grace. `alertId` is
   * "heartbeat:<id>" (the heartbeat's timers are listed under it), `ruleId` the heartbeat.
   */
  z.object({ ...TimerBase, kind: z.literal("heartbeat"), ruleId: z.string() }),
  /**
   * A silence's notice to its team's conversation: `n` 0 when it starts, 1 a while before it
   * ends. `alertId` is "silence:<id>", `ruleId` the silence.
   */
  z.object({ ...TimerBase, kind: z.literal("silence"), ruleId: z.string() }),
  /** An assigned alert's deadline: `n` 0 reminds the assignee, 1 escalates along the policy. */
  z.object({ ...TimerBase, kind: z.literal("overdue") }),
  /** Users whose personal timers did not fit the paging commit; `round` is the alert's epoch. */
  z.object({ ...TimerBase, kind: z.literal("personal_batch"), userIds: z.array(z.string()) }),
  /** The periodic LDAP directory sync (lib/sso/ldap.ts); `alertId` is "sso:ldap". */
  z.object({ ...TimerBase, kind: z.literal("ldap_sync") }),
  /**
   * A burn-after-reading message's end (lib/chat/burn.ts): every recipient opened it and its
   * window passed. `alertId` is "burn:<conversation>:<seq>", as is the timer's id.
   */
  z.object({
    ...TimerBase,
    kind: z.literal("burn"),
    conversationId: z.string(),
    seq: z.number(),
  }),
  /** A robot's outbox flush, attempt `n`. */
  z.object({
    ...TimerBase,
    kind: z.literal("robot"),
    /** The robot's id (stored under this name). */
    ruleId: z.string(),
  }),
]);
export type Timer = z.infer<typeof TimerSchema>;
export type TimerKind = Timer["kind"];

/** Each variant's fields but `kind`, all together (no two kinds give one field different types). */
type AllFields<T> = (T extends unknown ? (x: Omit<T, "kind">) => void : never) extends
  (x: infer I) => void ? I : never;
/**
 * A timer of any kind read without narrowing it (an alert's timers, listed together): its own
 * fields as its kind has them, every other kind's fields optional.
 */
export type AnyTimer = Timer & Partial<AllFields<Timer>>;
