/**
 * The KV key space, in one place. Routes never build keys inline.
 * Secondary indexes are `<entity>_by_<attr>` and store the id, not a copy.
 * docs/architecture.md describes each key and what writes it.
 */
import { nameKey } from "./schemas.ts";

// Long because: the whole key space is one table on purpose, so that a reader (and a review of a
// new feature) sees every key, its owner and its indexes in one place.
export const keys = {
  // Users
  /** Written once by the first-run setup, so that two concurrent setups cannot both win. */
  setupDone: (): Deno.KvKey => ["setup_done"],
  user: (id: string): Deno.KvKey => ["users", id],
  users: (): Deno.KvKey => ["users"],
  userByEmail: (email: string): Deno.KvKey => ["users_by_email", email.toLowerCase()],
  password: (userId: string): Deno.KvKey => ["user_passwords", userId],

  // Sessions (cookie) and personal API tokens; both keyed by the SHA-256 of the secret.
  session: (hash: string): Deno.KvKey => ["sessions", hash],
  sessionByUser: (userId: string, hash: string): Deno.KvKey => ["sessions_by_user", userId, hash],
  sessionsByUser: (userId: string): Deno.KvKey => ["sessions_by_user", userId],
  apiToken: (hash: string): Deno.KvKey => ["api_tokens", hash],
  apiTokenByUser: (userId: string, tokenId: string): Deno.KvKey => [
    "api_tokens_by_user",
    userId,
    tokenId,
  ],
  apiTokensByUser: (userId: string): Deno.KvKey => ["api_tokens_by_user", userId],

  // Account links (lib/accounts/links.ts): invitations, password resets, self-registration.
  // Each link is `<id>.<secret>`; the record keeps only the secret's SHA-256.
  invitation: (id: string): Deno.KvKey => ["invitations", id],
  invitations: (): Deno.KvKey => ["invitations"],
  /** One pending invitation per address. */
  invitationByEmail: (email: string): Deno.KvKey => ["invitations_by_email", email.toLowerCase()],
  accountLink: (id: string): Deno.KvKey => ["account_links", id],
  /** The self-registration setting ({enabled, domains}); absent: the config's default. */
  signupSettings: (): Deno.KvKey => ["settings", "signup"],
  // SCIM provisioning (lib/accounts/scim*.ts): bearer tokens by hash and by id; externalId per user.
  scimToken: (hash: string): Deno.KvKey => ["scim_tokens", hash],
  scimTokenById: (id: string): Deno.KvKey => ["scim_tokens_by_id", id],
  scimTokensById: (): Deno.KvKey => ["scim_tokens_by_id"],
  scimUser: (userId: string): Deno.KvKey => ["scim_users", userId],
  scimUsers: (): Deno.KvKey => ["scim_users"],
  scimGroup: (teamId: string): Deno.KvKey => ["scim_groups", teamId],

  // Rate-limit counters ({n, last} per fixed window, with expireIn).
  rateLimit: (scope: string, id: string, window: number): Deno.KvKey => [
    "rate_limits",
    scope,
    id,
    window,
  ],

  // Teams
  team: (id: string): Deno.KvKey => ["teams", id],
  teams: (): Deno.KvKey => ["teams"],
  /** Unique team names, under their normalised form (nameKey). */
  teamByName: (name: string): Deno.KvKey => ["teams_by_name", nameKey(name)],
  teamsByName: (): Deno.KvKey => ["teams_by_name"],
  teamMember: (teamId: string, userId: string): Deno.KvKey => ["team_members", teamId, userId],
  teamMembers: (teamId: string): Deno.KvKey => ["team_members", teamId],
  teamByUser: (userId: string, teamId: string): Deno.KvKey => ["teams_by_user", userId, teamId],
  teamsByUser: (userId: string): Deno.KvKey => ["teams_by_user", userId],

  // Conversations
  conversation: (id: string): Deno.KvKey => ["conversations", id],
  /** The conversation's head: last seq and a preview of the last message. Every append checks it. */
  head: (convId: string): Deno.KvKey => ["conversation_heads", convId],
  heads: (): Deno.KvKey => ["conversation_heads"],
  member: (convId: string, userId: string): Deno.KvKey => ["members", convId, userId],
  members: (convId: string): Deno.KvKey => ["members", convId],
  conversationByUser: (userId: string, convId: string): Deno.KvKey => [
    "conversations_by_user",
    userId,
    convId,
  ],
  conversationsByUser: (userId: string): Deno.KvKey => ["conversations_by_user", userId],
  /** One direct conversation per pair; ids sorted so that (a,b) and (b,a) meet. */
  directByPair: (a: string, b: string): Deno.KvKey =>
    a < b ? ["direct_by_pair", a, b] : ["direct_by_pair", b, a],

  // Messages
  message: (convId: string, seq: number): Deno.KvKey => ["messages", convId, seq],
  messages: (convId: string): Deno.KvKey => ["messages", convId],
  /** Retention removed every message of the conversation up to and including this seq. */
  messageFloor: (convId: string): Deno.KvKey => ["message_floors", convId],
  /** An earlier text of an edited message (n = 1, 2, ...), kept for admins' audit until recall. */
  messageVersion: (convId: string, seq: number, n: number): Deno.KvKey => [
    "message_versions",
    convId,
    seq,
    n,
  ],
  messageVersions: (convId: string, seq: number): Deno.KvKey => ["message_versions", convId, seq],
  /** Replies quoting message `seq` (the reply's seq), so that a recall can empty their excerpts. */
  messageReply: (convId: string, seq: number, replySeq: number): Deno.KvKey => [
    "message_replies",
    convId,
    seq,
    replySeq,
  ],
  messageReplies: (convId: string, seq: number): Deno.KvKey => ["message_replies", convId, seq],
  messageByClientId: (convId: string, senderId: string, clientId: string): Deno.KvKey => [
    "messages_by_client_id",
    convId,
    senderId,
    clientId,
  ],

  // Mentions (lib/chat/mentions.ts): per person, newest last by the message's id; and per
  // conversation the seq of the latest message mentioning them (a KvU64: the "@" marker).
  mentionOf: (userId: string, messageId: string): Deno.KvKey => ["mentions_of", userId, messageId],
  mentionsOf: (userId: string): Deno.KvKey => ["mentions_of", userId],
  mentionMark: (userId: string, convId: string): Deno.KvKey => ["mention_marks", userId, convId],
  /** A team's quick replies (lib/chat/quick_replies.ts): a list of short texts. */
  teamQuickReplies: (teamId: string): Deno.KvKey => ["team_quick_replies", teamId],

  // Files (lib/files/): uploads in progress, committed files, their chunks, per-user usage.
  /** An upload in progress; its chunks are `fileChunk(id, n)`, and the committed file keeps the id. */
  upload: (id: string): Deno.KvKey => ["uploads", id],
  uploads: (): Deno.KvKey => ["uploads"],
  file: (id: string): Deno.KvKey => ["files", id],
  fileChunk: (id: string, n: number): Deno.KvKey => ["file_chunks", id, n],
  fileChunks: (id: string): Deno.KvKey => ["file_chunks", id],
  /** Bytes of files (and uploads in progress) a user holds, a plain number checked by each writer. */
  fileUsage: (userId: string): Deno.KvKey => ["file_usage", userId],
  /** A deleted file whose chunks the sweep still has to remove: {userId, size}. */
  fileGarbage: (id: string): Deno.KvKey => ["file_garbage", id],
  fileGarbageAll: (): Deno.KvKey => ["file_garbage"],

  /** A user is connected to some process (lib/realtime/presence.ts); expires unless renewed. */
  presence: (userId: string): Deno.KvKey => ["presence", userId],
  /** The admins' sensitive-word rules, one list (lib/chat/sensitive_words.ts). */
  sensitiveWords: (): Deno.KvKey => ["sensitive_words"],

  // Group admin (lib/chat/group_admin.ts): group mute, pins, announcement; per-user notify mutes.
  groupSettings: (convId: string): Deno.KvKey => ["group_settings", convId],
  notifyMute: (userId: string, convId: string): Deno.KvKey => ["notify_mutes", userId, convId],
  notifyMutes: (userId: string): Deno.KvKey => ["notify_mutes", userId],

  // Receipts: KvU64 cursors written with `max`, so that concurrent writers never move them back.
  delivered: (convId: string, userId: string): Deno.KvKey => ["receipts_delivered", convId, userId],
  deliveredAll: (convId: string): Deno.KvKey => ["receipts_delivered", convId],
  read: (convId: string, userId: string): Deno.KvKey => ["receipts_read", convId, userId],
  readAll: (convId: string): Deno.KvKey => ["receipts_read", convId],

  // Integrations (inbound alert sources) and alerts.
  integration: (id: string): Deno.KvKey => ["integrations", id],
  integrationByTeam: (
    teamId: string,
    id: string,
  ): Deno.KvKey => ["integrations_by_team", teamId, id],
  integrationsByTeam: (teamId: string): Deno.KvKey => ["integrations_by_team", teamId],
  /** SHA-256 of an integration's token -> its id: PagerDuty's /v2/enqueue finds it by routing_key. */
  integrationByTokenHash: (hash: string): Deno.KvKey => ["integration_by_token_hash", hash],
  /** Counters written by ingest with sum/max (never conflict): "alerts", "events", "last". */
  integrationStat: (id: string, stat: "alerts" | "events" | "last"): Deno.KvKey => [
    "integration_stats",
    id,
    stat,
  ],
  alert: (id: string): Deno.KvKey => ["alerts", id],
  alerts: (): Deno.KvKey => ["alerts"],
  /**
   * Report rollups (lib/reports/rollups.ts): Deno.KvU64 counters moved with `sum` in the commit
   * of the alert change they count, per team and UTC day of the alert's creation (days since the
   * epoch), then a metric and its parts: ["created", priority], ["source", source],
   * ["key", source, key, "n"|"acked"], ["title", title, "n"|"acked"], ["ack"|"res", "n"|"sum"],
   * ["ackh"|"resh", bucket], ["esc_last"], ["user", userId, "pages"|"night"|"acks"|"resolves"].
   */
  rollup: (teamId: string, day: number, ...metric: (string | number)[]): Deno.KvKey => [
    "rollups",
    teamId,
    day,
    ...metric,
  ],
  /** A team's rollups of one day (a range of days lists from one to the next). */
  rollupDay: (teamId: string, day: number): Deno.KvKey => ["rollups", teamId, day],
  /** How far the rollup migration got (the last alert id it counted), in its own commits. */
  rollupMigrationCursor: (): Deno.KvKey => ["rollup_migration_cursor"],
  /** The time zone the stored rollups are filed in (absent: UTC, as before the option). */
  rollupZone: (): Deno.KvKey => ["rollup_zone"],
  /** A move of the rollups to another zone's days under way: from, to, last alert moved. */
  rollupRefileCursor: (): Deno.KvKey => ["rollup_refile_cursor"],
  /**
   * The alert list's indexes (lib/alerts/alert_index.ts), written in every commit that changes
   * an alert's status, priority or assignee. The id is a ULID, so each prefix is in time order;
   * the value is {p, a, i}: priority, assignee and integration, for filtering without a read.
   */
  alertByTeamStatus: (teamId: string, status: string, alertId: string): Deno.KvKey => [
    "alerts_by_team_status",
    teamId,
    status,
    alertId,
  ],
  alertsByTeamStatus: (teamId: string, status: string): Deno.KvKey => [
    "alerts_by_team_status",
    teamId,
    status,
  ],
  /** The same, with the priority's rank (0 urgent .. 3 low) before the id: priority order. */
  alertByTeamStatusPriority: (
    teamId: string,
    status: string,
    rank: number,
    alertId: string,
  ): Deno.KvKey => ["alerts_by_team_status_priority", teamId, status, rank, alertId],
  alertsByTeamStatusPriority: (teamId: string, status: string, rank: number): Deno.KvKey => [
    "alerts_by_team_status_priority",
    teamId,
    status,
    rank,
  ],
  /** The open alert with a dedup key; deleted when it resolves, so a new trigger opens a new alert. */
  alertByKey: (
    integrationId: string,
    key: string,
  ): Deno.KvKey => ["alerts_by_key", integrationId, key],
  alertByTeam: (teamId: string, alertId: string): Deno.KvKey => ["alerts_by_team", teamId, alertId],
  alertsByTeam: (teamId: string): Deno.KvKey => ["alerts_by_team", teamId],
  alertByAssignee: (
    userId: string,
    alertId: string,
  ): Deno.KvKey => ["alerts_by_assignee", userId, alertId],
  alertsByAssignee: (userId: string): Deno.KvKey => ["alerts_by_assignee", userId],
  alertTimeline: (
    alertId: string,
    entryId: string,
  ): Deno.KvKey => ["alert_timeline", alertId, entryId],
  alertTimelineAll: (alertId: string): Deno.KvKey => ["alert_timeline", alertId],
  /** Who an alert paged, in chunks (lib/alert_people.ts). */
  alertPeople: (alertId: string, list: string): Deno.KvKey => ["alert_people", alertId, list],
  alertPeopleChunk: (alertId: string, list: string, chunk: number): Deno.KvKey => [
    "alert_people",
    alertId,
    list,
    chunk,
  ],
  /** The latest raw payload of an alert, kept for what the parsed form leaves out. */
  alertRaw: (alertId: string): Deno.KvKey => ["alert_raw", alertId],
  /** A delivery already applied (by content hash), so that HA duplicates and retries change nothing. */
  alertDelivery: (
    integrationId: string,
    hash: string,
  ): Deno.KvKey => ["alert_deliveries", integrationId, hash],

  /** Heartbeats (dead-man's switches) and silences, per team (lib/alerts/heartbeats.ts, silences.ts). */
  heartbeat: (id: string): Deno.KvKey => ["heartbeats", id],
  heartbeatByTeam: (teamId: string, id: string): Deno.KvKey => ["heartbeats_by_team", teamId, id],
  heartbeatsByTeam: (teamId: string): Deno.KvKey => ["heartbeats_by_team", teamId],
  silence: (id: string): Deno.KvKey => ["silences", id],
  silenceByTeam: (teamId: string, id: string): Deno.KvKey => ["silences_by_team", teamId, id],
  silencesByTeam: (teamId: string): Deno.KvKey => ["silences_by_team", teamId],

  // On-call schedules and escalation.
  schedule: (id: string): Deno.KvKey => ["schedules", id],
  scheduleByTeam: (teamId: string, id: string): Deno.KvKey => ["schedules_by_team", teamId, id],
  schedulesByTeam: (teamId: string): Deno.KvKey => ["schedules_by_team", teamId],
  escalationPolicy: (id: string): Deno.KvKey => ["escalation_policies", id],
  escalationPolicyByTeam: (
    teamId: string,
    id: string,
  ): Deno.KvKey => ["escalation_policies_by_team", teamId, id],
  escalationPoliciesByTeam: (teamId: string): Deno.KvKey => ["escalation_policies_by_team", teamId],
  automationRule: (id: string): Deno.KvKey => ["automation_rules", id],
  automationRuleByTeam: (
    teamId: string,
    id: string,
  ): Deno.KvKey => ["automation_rules_by_team", teamId, id],
  automationRulesByTeam: (teamId: string): Deno.KvKey => ["automation_rules_by_team", teamId],
  /** When a rule last fired (set in the commit that fires it). */
  automationRuleFired: (id: string): Deno.KvKey => ["automation_rule_fired", id],
  /** A team's routing rules. */
  routing: (teamId: string): Deno.KvKey => ["routing", teamId],
  /** Reminder intervals and caps per priority (admins edit them). */
  reminderSettings: (): Deno.KvKey => ["settings", "reminders"],

  // Out-of-app notifications.
  contact: (userId: string, id: string): Deno.KvKey => ["contacts", userId, id],
  contactsAll: (): Deno.KvKey => ["contacts"],
  /** The kinds of a user's verified contacts (kept with every verify and delete). */
  contactChannels: (userId: string): Deno.KvKey => ["contact_channels", userId],
  // Web Push: the server's VAPID key pair (made once), each user's devices, and how many
  // devices a user has (read with the contact summaries when paging plans its steps).
  vapidKeys: (): Deno.KvKey => ["vapid_keys"],
  // DING: urgent messages to chosen members until each confirms.
  ding: (id: string): Deno.KvKey => ["dings", id],
  /** A recipient's unconfirmed DINGs (deleted when they confirm). */
  dingPending: (userId: string, dingId: string): Deno.KvKey => ["dings_pending", userId, dingId],
  dingsPending: (userId: string): Deno.KvKey => ["dings_pending", userId],
  dingByConversation: (conv: string, id: string): Deno.KvKey => ["dings_by_conversation", conv, id],
  dingsByConversation: (conv: string): Deno.KvKey => ["dings_by_conversation", conv],
  dingLink: (nonce: string): Deno.KvKey => ["ding_links", nonce],
  pushDevice: (userId: string, id: string): Deno.KvKey => ["push_devices", userId, id],
  pushDevices: (userId: string): Deno.KvKey => ["push_devices", userId],
  pushDeviceCount: (userId: string): Deno.KvKey => ["push_device_count", userId],
  /** Bumped (sum) by every commit that changes who is in a team or how a user can be reached. */
  reachVersion: (): Deno.KvKey => ["reach_version"],
  /** Set once the contact_channels summaries were built from the existing contacts. */
  migration: (name: string): Deno.KvKey => ["migrations", name],
  migrations: (): Deno.KvKey => ["migrations"],
  /** The process running a migration, while it runs (lib/ops/migrations.ts). */
  migrationLock: (name: string): Deno.KvKey => ["migration_locks", name],
  contacts: (userId: string): Deno.KvKey => ["contacts", userId],
  notifyRules: (userId: string): Deno.KvKey => ["notification_rules", userId],
  provider: (id: string): Deno.KvKey => ["providers", id],
  providers: (): Deno.KvKey => ["providers"],
  delivery: (alertId: string, id: string): Deno.KvKey => ["deliveries", alertId, id],
  deliveries: (alertId: string): Deno.KvKey => ["deliveries", alertId],
  deliveryByUser: (userId: string, id: string): Deno.KvKey => ["deliveries_by_user", userId, id],
  deliveriesByUser: (userId: string): Deno.KvKey => ["deliveries_by_user", userId],
  /** A single-use acknowledge link (deleted when used). */
  ackLink: (nonce: string): Deno.KvKey => ["ack_links", nonce],
  /** The server's key for signing links, created on first use. */
  signingKey: (): Deno.KvKey => ["settings", "signing_key"],

  robot: (id: string): Deno.KvKey => ["robots", id],
  robotByTeam: (teamId: string, id: string): Deno.KvKey => ["robots_by_team", teamId, id],
  robotsByTeam: (teamId: string): Deno.KvKey => ["robots_by_team", teamId],
  robotOutbox: (robotId: string, id: string): Deno.KvKey => ["robot_outbox", robotId, id],
  robotOutboxAll: (robotId: string): Deno.KvKey => ["robot_outbox", robotId],
  /** Send times of the last minute (the platform's rate limit). */
  robotSent: (robotId: string): Deno.KvKey => ["robot_sent", robotId],

  // Event webhooks: a team's subscriptions to its alert events (lib/notify/event_webhooks.ts).
  eventWebhook: (id: string): Deno.KvKey => ["event_webhooks", id],
  eventWebhookByTeam: (teamId: string, id: string): Deno.KvKey => [
    "event_webhooks_by_team",
    teamId,
    id,
  ],
  eventWebhooksByTeam: (teamId: string): Deno.KvKey => ["event_webhooks_by_team", teamId],
  /** Subscriptions to the messages of a conversation (the team's own), for the message path. */
  eventWebhookByConversation: (convId: string, id: string): Deno.KvKey => [
    "event_webhooks_by_conversation",
    convId,
    id,
  ],
  /**
   * Changes with every change to a subscription's indexes: the message path reads it with the
   * rest of a send and re-lists subscriptions only when it moved (per-process cache).
   */
  eventWebhooksVersion: (): Deno.KvKey => ["event_webhooks_version"],
  eventWebhooksByConversation: (convId: string): Deno.KvKey => [
    "event_webhooks_by_conversation",
    convId,
  ],
  /** One event's payload, shared by its deliveries to every subscription (expires). */
  eventWebhookEvent: (eventId: string): Deno.KvKey => ["event_webhook_events", eventId],
  /** A subscription's delivery log: one entry per attempt, the last N kept. */
  eventWebhookLog: (webhookId: string, id: string): Deno.KvKey => [
    "event_webhook_log",
    webhookId,
    id,
  ],
  eventWebhookLogAll: (webhookId: string): Deno.KvKey => ["event_webhook_log", webhookId],

  template: (channel: string, lang: string): Deno.KvKey => ["templates", channel, lang],
  providerSent: (id: string): Deno.KvKey => ["provider_sent", id],

  /** Single sign-on (lib/sso/): the settings, logins under way, linked identities, SSO sessions. */
  ssoSettings: (): Deno.KvKey => ["sso_settings"],
  ssoState: (stateHash: string): Deno.KvKey => ["sso_state", stateHash],
  ssoIdentity: (source: "oidc" | "ldap", subject: string): Deno.KvKey => [
    "sso_identity",
    source,
    subject,
  ],
  ssoIdentities: (source: "oidc" | "ldap"): Deno.KvKey => ["sso_identity", source],
  ssoSession: (sessionHash: string): Deno.KvKey => ["sso_session", sessionHash],

  /** Timers whose handler kept failing, set aside for admins. */
  deadLetter: (id: string): Deno.KvKey => ["dead_letters", id],
  deadLetters: (): Deno.KvKey => ["dead_letters"],

  // Durable timers: the record, its due-time index, and its alert's index (for cancelling).
  timer: (id: string): Deno.KvKey => ["timers", id],
  timerByDue: (dueAt: number, id: string): Deno.KvKey => ["timers_by_due", dueAt, id],
  timersByDue: (): Deno.KvKey => ["timers_by_due"],
  timerByAlert: (alertId: string, id: string): Deno.KvKey => ["timers_by_alert", alertId, id],
  timersByAlert: (alertId: string): Deno.KvKey => ["timers_by_alert", alertId],
  /** Where KV puts a wake-up message whose delivery failed after all retries (the reconciler covers it). */
  timerUndelivered: (id: string): Deno.KvKey => ["timers_undelivered", id],

  /** Never written: the health check reads it to prove that KV answers. */
  healthProbe: (): Deno.KvKey => ["healthz"],
  /** Overwritten by each /readyz request, to prove that KV takes writes (the time of the probe). */
  readyProbe: (): Deno.KvKey => ["readyz"],

  // Audit log: a hash chain of entries under a dense sequence, and its head ({seq, hash}).
  auditEntry: (seq: number): Deno.KvKey => ["audit", seq],
  auditEntries: (): Deno.KvKey => ["audit"],
  auditHead: (): Deno.KvKey => ["audit_head"],

  // Fanout: a counter per shard (watched) and a log of hints per shard.
  fanoutCounter: (shard: number): Deno.KvKey => ["fanout", shard],
  fanoutLog: (shard: number, n: number): Deno.KvKey => ["fanout_log", shard, n],
  fanoutLogShard: (shard: number): Deno.KvKey => ["fanout_log", shard],

  // Search (lib/search/): postings `<scope>/<token>/<doc>`, newest doc last (ids are ULIDs).
  /** A message's token: value [seq, senderId]. */
  searchMessage: (convId: string, token: string, messageId: string): Deno.KvKey => [
    "search_msg",
    convId,
    token,
    messageId,
  ],
  searchMessageToken: (convId: string, token: string): Deno.KvKey => ["search_msg", convId, token],
  /** An alert's (doc = the alert id) or a note's (doc = the timeline entry id) token: value the alert id. */
  searchAlert: (teamId: string, token: string, docId: string): Deno.KvKey => [
    "search_alert",
    teamId,
    token,
    docId,
  ],
  searchAlertToken: (teamId: string, token: string): Deno.KvKey => ["search_alert", teamId, token],
  /**
   * The same posting in the site-wide list of its token, for callers who read many scopes: value
   * `["c", convId, seq, senderId]` for a message, `["t", teamId, alertId]` for an alert or note.
   */
  searchAll: (token: string, docId: string): Deno.KvKey => ["search_all", token, docId],
  searchAllToken: (token: string): Deno.KvKey => ["search_all", token],
  /**
   * Packed postings (lib/search/blocks.ts): a block of one posting list, keyed by its oldest
   * document, value `{d: docs ascending, v: their values}`; the list's newest packed document;
   * a counter every commit that removes postings adds to (a packing that read before it fails
   * its check); and the postings one such commit removed, which blocks may still hold until the
   * packer takes them out.
   */
  searchBlock: (list: Deno.KvKey, minDoc: string): Deno.KvKey => ["search_blk", ...list, minDoc],
  searchBlocks: (list: Deno.KvKey): Deno.KvKey => ["search_blk", ...list],
  searchBlockHead: (list: Deno.KvKey): Deno.KvKey => ["search_blk_head", ...list],
  searchRemovals: (): Deno.KvKey => ["search_rm"],
  searchGone: (id: string): Deno.KvKey => ["search_gone", id],
  searchGoneAll: (): Deno.KvKey => ["search_gone"],
  // Directory: the department tree (one revision key serialises tree changes), people by
  // department, avatar chunks; site-wide announcements and who confirmed or dismissed them.
  department: (id: string): Deno.KvKey => ["departments", id],
  departments: (): Deno.KvKey => ["departments"],
  departmentsRev: (): Deno.KvKey => ["departments_rev"],
  userByDepartment: (deptId: string, userId: string): Deno.KvKey => [
    "users_by_department",
    deptId,
    userId,
  ],
  usersByDepartment: (deptId: string): Deno.KvKey => ["users_by_department", deptId],
  usersByAnyDepartment: (): Deno.KvKey => ["users_by_department"],
  avatarChunk: (avatarId: string, n: number): Deno.KvKey => ["avatar_chunks", avatarId, n],
  announcement: (id: string): Deno.KvKey => ["announcements", id],
  announcements: (): Deno.KvKey => ["announcements"],
  announcementAck: (id: string, userId: string): Deno.KvKey => ["announcement_acks", id, userId],
  announcementAcks: (id: string): Deno.KvKey => ["announcement_acks", id],
};
