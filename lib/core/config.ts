/**
 * Every option, limit and default of Tocsin, with the reason for its value.
 *
 * `loadConfig(env)` reads the environment once, in `main.ts`; nothing else
 * reads `Deno.env`. Tests build a config with `testConfig(overrides)`.
 * Each environment variable is documented in docs/config.md.
 *
 * Long because: it is the one table of every default with its reason, where an operator (and
 * docs/config.md) reads them all, and the one place a new limit must go; split by domain, a
 * default would have to be looked for.
 */
import { parseCidr } from "./ip.ts";

/** HTTP port. 8000 is Deno's conventional default. */
export const DEFAULT_PORT = 8000;
/**
 * Interface the HTTP server binds to. Every interface, as Tocsin always did: an upgrade must not
 * make a running install unreachable, and in a container only a wildcard bind is reachable from
 * outside it. Behind a reverse proxy on the same host, set 127.0.0.1 (the systemd example in
 * docs/operations.md does) so that only the proxy, which terminates TLS, can reach the plain HTTP.
 */
export const DEFAULT_HOST = "0.0.0.0";
/** KV location: a file path or a KV URL (Deno Deploy, denokv). A file under ./data keeps a fresh checkout self-contained. */
export const DEFAULT_KV_PATH = "./data/tocsin.kv";

/** Sessions last two weeks: long enough that on-call staff are not logged out mid-shift, short enough to bound a stolen cookie. */
export const DEFAULT_SESSION_TTL_MS = 14 * 24 * 3600_000;
/** Argon2id memory in KiB: OWASP's 2023 minimum recommendation (19 MiB, t=2, p=1). */
export const DEFAULT_ARGON2_MEMORY_KIB = 19_456;
/** Argon2id passes; see DEFAULT_ARGON2_MEMORY_KIB. */
export const DEFAULT_ARGON2_ITERATIONS = 2;
/** Minimum password length: NIST SP 800-63B asks for at least 8. */
export const DEFAULT_PASSWORD_MIN_LENGTH = 8;

/** Window over which failed logins are counted. */
export const DEFAULT_LOGIN_WINDOW_MS = 15 * 60_000;
/**
 * Failed logins per account from one client IP per window before that IP gets 429 for that
 * account: slows guessing without locking out a typo-prone human for long, and an attacker's
 * failures elsewhere never lock the owner out of an address that has not failed (0: off).
 */
export const DEFAULT_LOGIN_MAX_FAILURES_PER_ACCOUNT = 10;
/** Login and setup attempts per client IP per window: a whole office behind one NAT still fits (0: off). */
export const DEFAULT_LOGIN_MAX_ATTEMPTS_PER_IP = 100;
/**
 * Failed logins per account per window from all addresses together, after which attempts on
 * that account are spaced (TOCSIN_LOGIN_SLOW_SPACING_MS) instead of refused: a guesser spread
 * over many addresses is slowed to a crawl, and the owner still gets in after a short wait (0: off).
 */
export const DEFAULT_LOGIN_SLOW_AFTER_FAILURES = 50;
/** Past that ceiling, at most one attempt per account this often: 180 guesses in a 15-minute window, a few seconds' wait for a human (0: off). */
export const DEFAULT_LOGIN_SLOW_SPACING_MS = 5_000;
/**
 * Argon2id hashes computed at once in this process. Each takes TOCSIN_ARGON2_MEMORY_KIB of memory
 * and a core for its duration; the machine this is sized for has two cores, so a burst of logins
 * queues instead of multiplying memory and starving every other request (0: unbounded).
 */
export const DEFAULT_PASSWORD_HASH_CONCURRENCY = 2;
/** How long a request waits for a free hashing slot before it gets 503 with Retry-After: a few hashes' time. */
export const DEFAULT_PASSWORD_HASH_WAIT_MS = 2_000;
/** Personal API tokens one user may hold: every one must be revocable in the same commit as a password reset. */
export const DEFAULT_MAX_API_TOKENS_PER_USER = 50;
/** A token's last use is written at most this often, so that a busy script does not write on every request. */
export const DEFAULT_TOKEN_LAST_USED_GRANULARITY_MS = 60_000;
/** A session's last use is written at most this often, for the same reason as a token's. */
export const DEFAULT_SESSION_LAST_USED_GRANULARITY_MS = 60_000;
/**
 * Audit entries one list request reads at most while it filters (newest first); the page then
 * ends with a cursor to read on. Bounds the work of a filter that matches little in a long log.
 */
export const DEFAULT_AUDIT_SCAN_MAX = 5_000;
/**
 * Rows one export writes at most. Exports stream (CSV and XLSX alike: memory does not grow with
 * the rows), so this bounds time and file size; it stays under Excel's sheet limit of 1,048,576.
 */
export const DEFAULT_EXPORT_MAX_ROWS = 1_000_000;

/** JSON API body limit. Messages are at most MAX_MESSAGE_CHARS, so 64 KiB leaves room for any valid request. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
/** Longest message text, in UTF-16 units. 8,000 chars keeps a stored message well under KV's 64 KiB value limit even in CJK. */
export const DEFAULT_MAX_MESSAGE_CHARS = 8_000;
/** Largest WebSocket frame accepted from a client; larger ones close the socket with 1009. Deno reads a whole frame (up to 64 MiB) before this check: see DEFAULT_WS_MAX_PER_USER. */
export const DEFAULT_WS_MAX_FRAME_BYTES = 64 * 1024;
/** Bytes queued on one socket before it is treated as a slow consumer and closed (it resumes from its cursors). */
export const DEFAULT_WS_MAX_BUFFERED_BYTES = 1024 * 1024;
/** Frames bound for one socket within this window leave as one WebSocket message: measured to multiply throughput at thousands of sockets. */
export const DEFAULT_WS_COALESCE_MS = 10;
/** Server keepalive interval; below the 30-60 s idle timeouts of common proxies. */
export const DEFAULT_WS_KEEPALIVE_MS = 25_000;
/** A socket must say hello within this time or it is closed. */
export const DEFAULT_WS_HELLO_TIMEOUT_MS = 10_000;
/** Frames a client may send per second (burst twice that) before it gets rate-limit errors; a chat user types far slower. */
export const DEFAULT_WS_MAX_FRAMES_PER_SEC = 100;
/**
 * Sockets, SSE streams and long polls one user may hold open at once (0: no cap); more
 * are refused with 429. Deno reads a whole WebSocket frame into memory before Tocsin can
 * look at its size (up to 64 MiB), so the number of open sockets is what bounds that memory;
 * 20 covers a person's tabs and devices with room to spare.
 */
export const DEFAULT_WS_MAX_PER_USER = 20;
/**
 * Sockets, SSE streams and long polls one client address may hold open at once (0: no cap),
 * across all users: bounds what someone with many accounts can make the server buffer from
 * one machine, while an office behind one NAT address still fits.
 */
export const DEFAULT_WS_MAX_PER_ADDRESS = 500;
/**
 * How long the hub trusts a "may this user see this team's alerts" verdict before reading
 * team membership again: a storm of alert changes then costs one read per user per second,
 * not one per change. (Removal from a team also removes the user from the team's alert
 * conversation at once; this bounds only other conversations the alerts are routed to.)
 */
export const DEFAULT_ALERT_AUDIENCE_CACHE_MS = 1_000;
/** Longest a process trusts its copy of a team's members and their reachable channels; the reach version key invalidates it sooner, this only bounds a missed bump. */
export const DEFAULT_REACH_CACHE_MS = 60_000;
/** Messages one user may send per second across all transports (burst 4x). Scripts that need more should use alerts. */
export const DEFAULT_SEND_RATE_PER_SEC = 50;
/** Longest a long-poll request waits for news; under typical 60 s proxy timeouts. */
export const DEFAULT_POLL_TIMEOUT_MS = 25_000;
/** Extra time a poll or SSE batch waits after the first frame so that a burst leaves in one answer. */
export const DEFAULT_POLL_LINGER_MS = 20;

/** How long a clientId is remembered for de-duplicating retried sends. A week outlives any realistic offline retry. */
export const DEFAULT_CLIENT_ID_TTL_MS = 7 * 24 * 3600_000;
/** Fanout shards: one watched key each. 8 keeps every process on a single kv.watch (the limit is 10 keys). */
export const DEFAULT_FANOUT_SHARDS = 8;
/** How long fanout log entries live. A process that falls further behind than this resynchronises its subscribers from KV. */
export const DEFAULT_FANOUT_LOG_TTL_MS = 10 * 60_000;
/** Backstop poll of the fanout counters. KV watch does not cross processes on a local SQLite file; this bounds the delay there. */
export const DEFAULT_FANOUT_POLL_MS = 1_000;
/** Recent messages cached per active conversation so that live fanout reads KV once per commit, not once per socket. */
export const DEFAULT_CHANNEL_CACHE = 256;
/** Messages read per KV list during replay. */
export const DEFAULT_REPLAY_PAGE = 500;
/** Delivery receipts are buffered and written in batches this often; they are monotonic so batching loses nothing but latency. */
export const DEFAULT_DELIVERED_FLUSH_MS = 200;
/** Attempts at one optimistic KV commit before answering 503 so that the client retries. */
export const DEFAULT_COMMIT_MAX_ATTEMPTS = 40;
/** Writes to one fanout shard committed together at most (group commit); 1 commits each alone. KV's own limits (100 checks, 1,000 mutations, 800 KB) split a group further. */
export const DEFAULT_GROUP_COMMIT_MAX = 64;
/** A message (or a new alert with its card) up to this many characters (as JSON) travels inside its fanout log entry, so that processes hand it out without reading it back. */
export const DEFAULT_FANOUT_INLINE_CHARS = 8_000;

/** Members in one group. A commit holds at most 1,000 mutations; this keeps member-wide work in few commits. */
export const DEFAULT_MAX_GROUP_MEMBERS = 1_000;
/** Users added in one request (each costs about 3 mutations of one atomic commit). */
export const DEFAULT_MAX_MEMBERS_PER_REQUEST = 200;
/** Largest history page. */
export const DEFAULT_HISTORY_PAGE_MAX = 200;
/** History page when the client names none. */
export const DEFAULT_HISTORY_PAGE = 50;
/** Webhook body limit per integration: Alertmanager groups of hundreds of alerts fit; anything bigger is a mistake. */
export const DEFAULT_HOOK_MAX_BODY_BYTES = 512 * 1024;
/** How long an applied webhook delivery is remembered, so that HA replicas and retries do not count twice. */
export const DEFAULT_DELIVERY_DEDUP_MS = 10 * 60_000;
/** Alerts of one group listed on its card; more are counted but not itemised (a KV value is at most 64 KiB). */
export const DEFAULT_ALERT_MAX_ITEMS = 100;
/** Alerts returned by one list request. */
export const DEFAULT_ALERT_LIST_LIMIT = 100;
/**
 * Index entries one alert-list request may read before it answers with what it found and a
 * cursor: a filter that matches little (one assignee among many alerts) costs a bounded amount
 * per page instead of a scan of every alert.
 */
export const DEFAULT_ALERT_LIST_SCAN_MAX = 2_000;
/** Search results per page (lib/search/search.ts); a page is at most 50. */
export const DEFAULT_SEARCH_LIMIT = 20;
/**
 * Postings one search may read across all the caller's conversations and teams, counted in reads
 * of 64 (a larger read counts as several), before it answers with what it found (`partial`):
 * about 1 s of KV work at worst on a small server, whatever the index size.
 */
export const DEFAULT_SEARCH_SCAN_MAX = 3_000;
/**
 * Conversations and teams above which a search reads the site-wide posting lists once instead of
 * each scope's own (at least one read per word per scope): unfiltered searches by people in many
 * conversations. Below it, words common elsewhere on the site cost them nothing.
 */
export const DEFAULT_SEARCH_GLOBAL_SCOPES = 16;
/**
 * How often (ms) each process packs long posting lists into blocks (lib/search/blocks.ts) and
 * takes removed postings out of blocks; 0 turns packing off (search still reads what is packed).
 */
export const DEFAULT_SEARCH_PACK_MS = 5_000;
/** Postings younger than this (ms, by their document's id) stay single, where new ones arrive. */
export const DEFAULT_SEARCH_PACK_AFTER_MS = 60_000;
/**
 * Longest range one report covers, in days: a report lists every counter of every day in its
 * range (lib/reports/report.ts), so a quarter keeps one request to a bounded read.
 */
export const DEFAULT_REPORT_MAX_DAYS = 92;
/** "Pages at night" start at this hour in the paged person's time zone (22:00)... */
export const DEFAULT_REPORT_NIGHT_FROM_HOUR = 22;
/** ...and end before this hour (07:00): the hours most people sleep. */
export const DEFAULT_REPORT_NIGHT_TO_HOUR = 7;
/**
 * The time zone (IANA name) whose calendar days reports count in: an alert is counted on the day it
 * was created there, and a report's range starts and ends at that zone's midnights.
 */
export const DEFAULT_REPORT_TIME_ZONE = "UTC";
/**
 * Retry-After (seconds) of a disabled integration's 503: senders keep their alerts and retry,
 * so a pause loses nothing; five minutes keeps a paused integration from being hammered.
 */
export const DEFAULT_DISABLED_HOOK_RETRY_AFTER_S = 300;

/**
 * How often the reconciler fires every due timer and re-reads the earliest pending one. Each
 * process also wakes itself for the earliest due time it knows; this bounds the delay for timers
 * it did not hear of (staged outside the fanout log, or by a process that died).
 */
export const DEFAULT_TIMER_SWEEP_MS = 5_000;
/**
 * A timer another process staged (heard of through the fanout log) is woken for this much after
 * its due time. Its own process woke for it on time and has usually fired it by then, so an
 * outside effect (an e-mail, an SMS, a webhook) is not attempted by two processes at once; if
 * that process died, the timer fires this late (or at the next sweep, whichever comes first).
 */
export const DEFAULT_TIMER_PEER_GRACE_MS = 2_000;
/**
 * A timer whose handler sends something outside (an e-mail, an SMS, a call, a push, a webhook) is
 * claimed by the process that runs it for this long, so that no other process sends it too. It
 * must outlast one handler (its attempts at each provider, each bounded by its time-out); if the
 * process dies while sending, the timer is fired again this long after it was claimed.
 */
export const DEFAULT_TIMER_CLAIM_MS = 30_000;
/**
 * KV queues as an extra wake-up for timers: "on", "off", or "auto" (off for a KV URL, on for a
 * local file or `:memory:`). KV Connect (a denokv server, Deno Deploy KV from outside) refuses
 * every commit that carries an enqueue and the new Deno Deploy has no queues; timers never need
 * one, so "auto" only uses them where they are known to work.
 */
export const DEFAULT_KV_QUEUES = "auto";
/** How long after sending its sender may edit a message: a day covers a shift's typos and follow-ups. */
export const DEFAULT_MESSAGE_EDIT_WINDOW_MS = 24 * 3600_000;
/** How long after sending its sender may recall a message: long enough to catch a wrong paste, short enough that others rarely acted on it. */
export const DEFAULT_MESSAGE_RECALL_WINDOW_MS = 2 * 60_000;
/** Earlier versions kept per message for audit; further edits are refused (bounds the one commit that deletes them on recall). */
export const DEFAULT_MESSAGE_MAX_EDITS = 50;
/** Reactions one message holds, all emoji together: ~30 bytes each keeps a message with its 8,000-char text under 64 KiB. */
export const DEFAULT_MESSAGE_MAX_REACTIONS = 500;
/** Distinct emoji on one message. */
export const DEFAULT_MESSAGE_MAX_EMOJI = 20;
/** How long a burn-after-reading message shows once opened (10 s: read a short secret, not keep it). */
export const DEFAULT_BURN_AFTER_READING_MS = 10_000;
/**
 * Largest conversation where a message may burn after reading: every recipient's opening is kept
 * on the message (bounded well under 64 KiB), and it is destroyed only when all opened it.
 */
export const DEFAULT_BURN_MAX_MEMBERS = 50;
/** Quick replies one team keeps: a row or two of chips over the composer. */
export const DEFAULT_QUICK_REPLIES_MAX = 12;
/** Longest quick reply: a chip, not a message template. */
export const DEFAULT_QUICK_REPLY_MAX_CHARS = 60;
/** Messages older than this many days are deleted (0: kept forever). Alerts are kept either way. */
export const DEFAULT_MESSAGE_RETENTION_DAYS = 0;
/**
 * Resolved alerts older than this many days (since they resolved) are deleted with their
 * timelines, paged-people lists, raw payloads and list indexes (0: kept forever, as before).
 */
export const DEFAULT_ALERT_RETENTION_DAYS = 0;
/** The team's conversation hears this many minutes before a silence ends: time to extend it. */
export const DEFAULT_SILENCE_END_NOTICE_MINUTES = 15;
/**
 * After an assignee's deadline passes and they were reminded, this many minutes before the alert
 * escalates along the team's policy: a short window to answer the reminder.
 */
export const DEFAULT_OVERDUE_ESCALATE_MINUTES = 15;
/** Heartbeats per team: each is a timer and a ping URL; a team needs a handful, not thousands. */
export const DEFAULT_HEARTBEATS_PER_TEAM = 100;
/** Active and future silences per team: each is matched against every new alert of the team. */
export const DEFAULT_SILENCES_PER_TEAM = 200;
/** Longest silence: a maintenance window of a year is already one to question. */
export const SILENCE_MAX_DAYS = 366;
/** Expired silences stay listed this long (for "what was silenced last week"), then go. */
export const SILENCE_KEEP_EXPIRED_DAYS = 7;
/** How often the retention sweep runs (when retention is on). */
export const DEFAULT_RETENTION_SWEEP_MS = 60 * 60_000;
/** Largest attached file: a screenshot or a log excerpt fits; a core dump belongs elsewhere. */
export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;
/** Bytes of files one user may have stored at once (uploads in progress count): bounds KV growth per person. */
export const DEFAULT_FILE_QUOTA_BYTES = 200 * 1024 * 1024;
/** An upload not committed within this time is abandoned and its chunks are deleted by the sweep. */
export const DEFAULT_UPLOAD_TTL_MS = 30 * 60_000;
/** How often abandoned uploads and the chunks of deleted files are swept. */
export const DEFAULT_FILE_SWEEP_MS = 5 * 60_000;
/** A member or a whole group is muted for at most this long (30 days); longer is a removal. */
export const DEFAULT_MAX_MUTE_MS = 30 * 24 * 3600_000;
/** Pinned messages per conversation: a pinned list is for the few things everyone must find. */
export const DEFAULT_MAX_PINS = 50;
/** Notes a war room's resolve summary lists (the latest): enough to tell the story, small enough to read. */
export const DEFAULT_WAR_ROOM_SUMMARY_NOTES = 20;
/** Each note in that summary is cut at this many characters (the full note stays on the timeline). */
export const DEFAULT_WAR_ROOM_NOTE_CHARS = 500;
/** Each process writes who is connected to it this often; an entry lives 2.5 beats, so "online" lags a crash by at most ~75 s. */
export const DEFAULT_PRESENCE_BEAT_MS = 30_000;
/** Sensitive-word rules: every message is matched against all of them, so the list stays short. */
export const DEFAULT_MAX_SENSITIVE_WORDS = 200;
/** How many due timers one sweep fires at once (a slow provider must not make the backlog serial). */
export const DEFAULT_TIMER_SWEEP_CONCURRENCY = 16;
/** Reminders per priority: repeat every N minutes (0: never), at most M times (null: until acknowledged). */
export const DEFAULT_REMINDER_POLICY = {
  urgent: { everyMinutes: 2, maxRepeats: null },
  high: { everyMinutes: 10, maxRepeats: 3 },
  medium: { everyMinutes: 0, maxRepeats: 0 },
  low: { everyMinutes: 0, maxRepeats: 0 },
} as const;

/** DING: the wait before each next step (push, then SMS, then a call) for a recipient who has not confirmed. */
export const DEFAULT_DING_STEP_MS = 60_000;
/** DING: the shortest wait before the sender may DING the unconfirmed again. */
export const DEFAULT_DING_AGAIN_MS = 5 * 60_000;
/** DING: recipients of one DING. */
export const DEFAULT_DING_MAX_RECIPIENTS = 50;
/** DING: DINGs one person may send per hour (repeats included). */
export const DEFAULT_DING_PER_HOUR = 30;

/** Web Push: devices (browsers) one user may subscribe. */
export const DEFAULT_PUSH_MAX_DEVICES = 10;
/** Web Push: how long a push service keeps an undelivered notification (its TTL header). */
export const DEFAULT_PUSH_TTL_S = 3_600;

/** Outbound webhook (automation) timeout: a slow receiver must not hold a timer for long. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000;
/** Attempts at one outbound webhook delivery (5xx, 429 and timeouts are retried; other 4xx are not). */
export const DEFAULT_WEBHOOK_MAX_ATTEMPTS = 5;
/** Waits between webhook attempts. */
export const WEBHOOK_BACKOFF_MS = [10_000, 30_000, 120_000, 600_000];
/** Outbound webhooks may target loopback, private and link-local addresses (off: SSRF defence). */
export const DEFAULT_ALLOW_PRIVATE_WEBHOOKS = false;
/**
 * Attempts at one event webhook delivery (5xx, 429 and no answer are retried, other 4xx are not):
 * with the backoff below, 8 attempts span about 21 minutes, long enough for a receiver's restart.
 */
export const DEFAULT_EVENT_WEBHOOK_MAX_ATTEMPTS = 8;
/** First wait before retrying an event webhook delivery; each next wait doubles it. */
export const DEFAULT_EVENT_WEBHOOK_BACKOFF_MS = 10_000;
/** Longest wait between two attempts of one event webhook delivery, however many came before. */
export const EVENT_WEBHOOK_BACKOFF_MAX_MS = 3_600_000;
/** Event webhook subscriptions per team: each alert change reads them all in its commit. */
export const DEFAULT_EVENT_WEBHOOKS_PER_TEAM = 10;
/** Delivery attempts kept per event webhook subscription for its delivery log. */
export const DEFAULT_EVENT_WEBHOOK_LOG_KEPT = 50;
/**
 * Single sign-on: how often the LDAP directory is synchronised (group-to-team mapping, accounts
 * disabled or removed there losing access). 15 minutes bounds how long a leaver keeps a session.
 */
export const DEFAULT_LDAP_SYNC_MS = 15 * 60_000;
/** Single sign-on: how long a started OpenID Connect login may take at the provider. */
export const DEFAULT_SSO_STATE_TTL_MS = 10 * 60_000;
/** Single sign-on: time-out of each request to the OpenID provider or the LDAP server. */
export const DEFAULT_SSO_TIMEOUT_MS = 10_000;

/** Non-public ranges (CIDR) outbound requests may reach anyway; none by default, so an admin opts in per network. */
export const DEFAULT_OUTBOUND_ALLOW: readonly string[] = [];

/** Personal notification rules for users who set none: channel and minutes after being notified in the app. */
export const DEFAULT_NOTIFICATION_RULES = {
  urgent: [{ channel: "email", afterMinutes: 1 }, { channel: "sms", afterMinutes: 1 }, {
    channel: "voice",
    afterMinutes: 3,
  }],
  high: [{ channel: "email", afterMinutes: 5 }, { channel: "sms", afterMinutes: 10 }],
  medium: [{ channel: "email", afterMinutes: 10 }],
  low: [],
} as const;
/** Attempts at one out-of-app notification when every provider fails transiently. */
export const DEFAULT_DELIVERY_MAX_ATTEMPTS = 4;
/** Waits between those attempts. */
export const DELIVERY_BACKOFF_MS = [30_000, 120_000, 600_000];
/** How long an acknowledge link in an e-mail or SMS works. */
export const DEFAULT_ACK_LINK_TTL_MS = 24 * 3600_000;
/** How long a contact verification code works, and how many tries it allows. */
export const DEFAULT_VERIFY_CODE_TTL_MS = 15 * 60_000;
export const VERIFY_MAX_TRIES = 5;
/**
 * Window over which verification messages (codes sent to a new contact) are counted. Adding a
 * contact sends an e-mail, SMS or request at once, so without a limit any user could make Tocsin
 * text or mail any number over and over.
 */
export const DEFAULT_VERIFY_WINDOW_MS = 3600_000;
/** Verification messages one user may cause per window: a few typos' worth, not a pump (0: off). */
export const DEFAULT_VERIFY_MAX_PER_USER = 10;
/**
 * Verification messages to one address or number per window, from all users together, and
 * whether or not its contact was deleted meanwhile: nobody is messaged more than this (0: off).
 */
export const DEFAULT_VERIFY_MAX_PER_ADDRESS = 5;
/**
 * Verification messages one provider may send per window, from all users together: the share of
 * its budget that sign-ups may use, so that a burst of them cannot use up what paging needs (0: off).
 */
export const DEFAULT_VERIFY_MAX_PER_PROVIDER = 200;
/** SMTP connection and send timeout. */
export const DEFAULT_SMTP_TIMEOUT_MS = 10_000;

/** Language of notifications for users who chose none ("en" or "zh"). */
export const DEFAULT_LANG = "en";

/**
 * Characters of a value (label, title, source...) that a routing or automation
 * regex looks at; longer values are matched on their first 1,024. RE2 matching
 * takes time linear in input x pattern size: with MATCHER_PROGRAM_MAX this keeps
 * one match under about 20 ms even for the costliest pattern allowed (measured).
 */
export const MATCH_INPUT_MAX = 1_024;
/**
 * Largest compiled matcher regex (RE2 program size: about one per character or
 * class, multiplied by counted repeats). Real patterns measure 5-60; the cap
 * refuses ones like `(a{1,30}){1,30}` (1,861) whose matching cost grows with it.
 */
export const MATCHER_PROGRAM_MAX = 500;
/**
 * Sum of the program sizes of the regexes in one team's routing, which every
 * alert runs through in turn: room for hundreds of real patterns, while a
 * routing of only costly ones still decides within a fraction of a second.
 */
export const ROUTING_PROGRAM_MAX = 10_000;

/**
 * On SIGTERM/SIGINT, open requests get this long to finish before the process exits anyway: a
 * connection whose request never reaches a handler was seen to hold Deno's graceful shutdown
 * forever, and a paging server that will not stop blocks its own restart.
 */
export const SHUTDOWN_GRACE_MS = 10_000;

/**
 * An escalation policy preview looks at most a day ahead (the page asks for
 * the next hour) and lists at most 200 steps: 10 levels of 1 minute repeated
 * 9 times fill 100, so every real policy fits while one request stays cheap.
 */
export const POLICY_PREVIEW_MINUTES_MAX = 24 * 60;
export const POLICY_PREVIEW_STEPS_MAX = 200;

/**
 * The timer engine counts as running for /readyz while its last sweep began within this time,
 * or within three sweep intervals if that is longer: a sweep over a large backlog may take tens
 * of seconds without anything being wrong, so a shorter bound would make a busy instance flap.
 */
export const DEFAULT_READY_MAX_SWEEP_AGE_MS = 60_000;

/** How long /readyz waits for its probe write before calling KV unwritable: load balancers probe with timeouts of a few seconds. */
export const READY_PROBE_TIMEOUT_MS = 2_000;

/** Log lines: `text` (the message as written, one line per event) or `json` (one object per line, for collectors). */
export const DEFAULT_LOG_FORMAT = "text";
export type LogFormat = "text" | "json";

/**
 * Addresses (CIDR) that may read /metrics without the token: this host only, so that a fresh
 * install shows its metrics to a local Prometheus or agent and to nobody else.
 */
export const DEFAULT_METRICS_ALLOW: readonly string[] = ["127.0.0.0/8", "::1/128"];
/**
 * Pending timers /metrics and the System page count per request. Counting reads the due-time
 * index; past this many the gauges say "at least" this many, so that a scrape every 15 s stays
 * cheap even with a huge backlog (the backlog is then the news).
 */
export const DEFAULT_METRICS_TIMER_SCAN_MAX = 10_000;

/**
 * How often Tocsin pings TOCSIN_SELF_HEARTBEAT_URL while ready: once a minute matches the
 * one-minute periods dead-man's switches (healthchecks.io, Watchdog rules) are usually set to.
 */
export const DEFAULT_SELF_HEARTBEAT_MS = 60_000;

/** Shortest TOCSIN_METRICS_TOKEN accepted: a guessable token would make the address list moot. */
export const METRICS_TOKEN_MIN_LENGTH = 16;

// Invitations, password reset, self-registration and user sync (lib/accounts/links.ts, scim, csv).
/** An invitation link works for a week: long enough to survive a holiday weekend, short enough that a forgotten one does not linger. */
export const DEFAULT_INVITE_TTL_MS = 7 * 24 * 3600_000;
/** A password reset link works for an hour: the person asked for it a moment ago (OWASP's cheat sheet suggests short). */
export const DEFAULT_RESET_TTL_MS = 3600_000;
/** A self-registration e-mail link works for a day. */
export const DEFAULT_SIGNUP_TTL_MS = 24 * 3600_000;
/** Window over which reset and self-registration requests are counted. */
export const DEFAULT_ACCOUNT_MAIL_WINDOW_MS = 3600_000;
/** Reset or registration e-mails per address (recipient) per window: a person retrying a few times, never a mailbomb (0: off). */
export const DEFAULT_ACCOUNT_MAIL_MAX_PER_EMAIL = 3;
/** Reset or registration requests per client IP per window: an office behind one NAT still fits (0: off). */
export const DEFAULT_ACCOUNT_MAIL_MAX_PER_IP = 30;
/** Self-registration is off until an admin turns it on (TOCSIN_SIGNUP_DOMAINS sets the first allowed domains). */
export const DEFAULT_SIGNUP_ENABLED = false;
/** Pending invitations kept at once: a whole department invited in one go fits. */
export const DEFAULT_MAX_INVITATIONS = 1000;
/** Rows in one CSV import: a mid-size company at once; each row is its own commit. */
export const DEFAULT_CSV_IMPORT_MAX_ROWS = 2000;
/** Bytes of one CSV import: 2,000 rows of generous width. */
export const DEFAULT_CSV_IMPORT_MAX_BYTES = 512 * 1024;
/** SCIM list page size when the identity provider asks for none or for more (RFC 7644 lets the server cap it). */
export const DEFAULT_SCIM_MAX_RESULTS = 200;
/** SCIM bearer tokens that may exist at once: one per identity provider, with room to rotate. */
export const DEFAULT_MAX_SCIM_TOKENS = 10;

/** Directory search results per request. */
export const DEFAULT_DIRECTORY_LIMIT = 50;
/**
 * Departments in the organisation tree: a large company's org chart has a few hundred; the
 * whole tree is read at once to draw it and to refuse cycles, so it must stay small.
 */
export const DEFAULT_MAX_DEPARTMENTS = 500;
/** Levels of the department tree (a top-level department is level 1): deeper charts are unreadable on a phone. */
export const DEFAULT_MAX_DEPARTMENT_DEPTH = 8;
/**
 * Bytes of an uploaded avatar. The browser scales a picture down to 256 x 256 before sending it
 * (a few tens of KiB); the API's body limit (TOCSIN_MAX_BODY_BYTES) caps it too.
 */
export const DEFAULT_AVATAR_MAX_BYTES = 60 * 1024;
/** Characters of a person's status text ("In a meeting until 3"): one line in the directory. */
export const DEFAULT_STATUS_MAX_CHARS = 80;
/** Characters of an announcement's Markdown body: a notice, not a wiki page. */
export const DEFAULT_ANNOUNCEMENT_MAX_CHARS = 10_000;
/** Announcements kept (past ones included): each banner check reads them all. */
export const DEFAULT_MAX_ANNOUNCEMENTS = 200;

export interface Config {
  port: number;
  /** Interface the server binds to (TOCSIN_HOST). */
  host: string;
  kvPath: string;
  /** Origin users open, from TOCSIN_PUBLIC_URL; null when unset. */
  publicOrigin: string | null;
  allowedOrigins: string[];
  trustProxy: boolean;
  sessionTtlMs: number;
  sessionLastUsedGranularityMs: number;
  auditScanMax: number;
  exportMaxRows: number;
  argon2MemoryKib: number;
  argon2Iterations: number;
  passwordMinLength: number;
  loginWindowMs: number;
  loginMaxFailuresPerAccount: number;
  loginMaxAttemptsPerIp: number;
  loginSlowAfterFailures: number;
  loginSlowSpacingMs: number;
  passwordHashConcurrency: number;
  passwordHashWaitMs: number;
  maxApiTokensPerUser: number;
  inviteTtlMs: number;
  resetTtlMs: number;
  signupTtlMs: number;
  accountMailWindowMs: number;
  accountMailMaxPerEmail: number;
  accountMailMaxPerIp: number;
  /** The self-registration setting until an admin saves one (TOCSIN_SIGNUP_DOMAINS: on for those). */
  signupEnabled: boolean;
  signupDomains: string[];
  maxInvitations: number;
  csvImportMaxRows: number;
  csvImportMaxBytes: number;
  scimMaxResults: number;
  maxScimTokens: number;
  maxBodyBytes: number;
  maxMessageChars: number;
  messageEditWindowMs: number;
  messageRecallWindowMs: number;
  messageMaxEdits: number;
  messageMaxReactions: number;
  messageMaxEmoji: number;
  burnAfterReadingMs: number;
  burnMaxMembers: number;
  quickRepliesMax: number;
  quickReplyMaxChars: number;
  wsMaxFrameBytes: number;
  wsMaxBufferedBytes: number;
  wsCoalesceMs: number;
  wsKeepaliveMs: number;
  wsHelloTimeoutMs: number;
  wsMaxFramesPerSec: number;
  wsMaxPerUser: number;
  wsMaxPerAddress: number;
  alertAudienceCacheMs: number;
  reachCacheMs: number;
  sendRatePerSec: number;
  pollTimeoutMs: number;
  pollLingerMs: number;
  clientIdTtlMs: number;
  fanoutShards: number;
  fanoutLogTtlMs: number;
  fanoutPollMs: number;
  channelCache: number;
  replayPage: number;
  deliveredFlushMs: number;
  commitMaxAttempts: number;
  groupCommitMax: number;
  fanoutInlineChars: number;
  maxGroupMembers: number;
  maxMembersPerRequest: number;
  historyPageMax: number;
  historyPage: number;
  directoryLimit: number;
  maxDepartments: number;
  maxDepartmentDepth: number;
  avatarMaxBytes: number;
  statusMaxChars: number;
  announcementMaxChars: number;
  maxAnnouncements: number;
  hookMaxBodyBytes: number;
  deliveryDedupMs: number;
  alertMaxItems: number;
  alertListLimit: number;
  alertListScanMax: number;
  searchLimit: number;
  searchScanMax: number;
  searchGlobalScopes: number;
  searchPackMs: number;
  searchPackAfterMs: number;
  reportMaxDays: number;
  reportNightFromHour: number;
  reportNightToHour: number;
  reportTimeZone: string;
  disabledHookRetryAfterS: number;
  timerSweepMs: number;
  timerSweepConcurrency: number;
  timerPeerGraceMs: number;
  timerClaimMs: number;
  /** Whether timer commits also enqueue a KV queue wake-up; see queuesOn. */
  kvQueues: "auto" | "on" | "off";
  messageRetentionDays: number;
  retentionSweepMs: number;
  alertRetentionDays: number;
  silenceEndNoticeMinutes: number;
  overdueEscalateMinutes: number;
  ldapSyncMs: number;
  ssoStateTtlMs: number;
  ssoTimeoutMs: number;
  heartbeatsPerTeam: number;
  silencesPerTeam: number;
  maxFileBytes: number;
  fileQuotaBytes: number;
  uploadTtlMs: number;
  fileSweepMs: number;
  maxMuteMs: number;
  maxPins: number;
  warRoomSummaryNotes: number;
  warRoomNoteChars: number;
  maxSensitiveWords: number;
  presenceBeatMs: number;
  webhookTimeoutMs: number;
  webhookMaxAttempts: number;
  eventWebhookMaxAttempts: number;
  eventWebhookBackoffMs: number;
  eventWebhooksPerTeam: number;
  eventWebhookLogKept: number;
  allowPrivateWebhooks: boolean;
  outboundAllow: readonly string[];
  deliveryMaxAttempts: number;
  pushMaxDevices: number;
  dingStepMs: number;
  dingAgainMs: number;
  dingMaxRecipients: number;
  dingPerHour: number;
  pushTtlS: number;
  /** Web Push VAPID contact (`mailto:` or `https:`); null: TOCSIN_PUBLIC_URL, else a mailto. */
  vapidSubject: string | null;
  ackLinkTtlMs: number;
  verifyCodeTtlMs: number;
  verifyWindowMs: number;
  verifyMaxPerUser: number;
  verifyMaxPerAddress: number;
  verifyMaxPerProvider: number;
  smtpTimeoutMs: number;
  defaultLang: "en" | "zh";
  readyMaxSweepAgeMs: number;
  logFormat: LogFormat;
  /** Bearer token that admits a scraper to /metrics from any address (TOCSIN_METRICS_TOKEN); null: none. */
  metricsToken: string | null;
  metricsAllow: readonly string[];
  metricsTimerScanMax: number;
  /** Dead-man's switch pinged while ready (TOCSIN_SELF_HEARTBEAT_URL); null: none. */
  selfHeartbeatUrl: string | null;
  selfHeartbeatMs: number;
}

/**
 * The defaults, as one object.
 * Long because: one flat table, a line per option, each naming its default constant above.
 */
export function defaultConfig(): Config {
  return {
    port: DEFAULT_PORT,
    host: DEFAULT_HOST,
    kvPath: DEFAULT_KV_PATH,
    publicOrigin: null,
    allowedOrigins: [],
    trustProxy: false,
    sessionTtlMs: DEFAULT_SESSION_TTL_MS,
    sessionLastUsedGranularityMs: DEFAULT_SESSION_LAST_USED_GRANULARITY_MS,
    auditScanMax: DEFAULT_AUDIT_SCAN_MAX,
    exportMaxRows: DEFAULT_EXPORT_MAX_ROWS,
    argon2MemoryKib: DEFAULT_ARGON2_MEMORY_KIB,
    argon2Iterations: DEFAULT_ARGON2_ITERATIONS,
    passwordMinLength: DEFAULT_PASSWORD_MIN_LENGTH,
    inviteTtlMs: DEFAULT_INVITE_TTL_MS,
    resetTtlMs: DEFAULT_RESET_TTL_MS,
    signupTtlMs: DEFAULT_SIGNUP_TTL_MS,
    accountMailWindowMs: DEFAULT_ACCOUNT_MAIL_WINDOW_MS,
    accountMailMaxPerEmail: DEFAULT_ACCOUNT_MAIL_MAX_PER_EMAIL,
    accountMailMaxPerIp: DEFAULT_ACCOUNT_MAIL_MAX_PER_IP,
    signupEnabled: DEFAULT_SIGNUP_ENABLED,
    signupDomains: [],
    maxInvitations: DEFAULT_MAX_INVITATIONS,
    csvImportMaxRows: DEFAULT_CSV_IMPORT_MAX_ROWS,
    csvImportMaxBytes: DEFAULT_CSV_IMPORT_MAX_BYTES,
    scimMaxResults: DEFAULT_SCIM_MAX_RESULTS,
    maxScimTokens: DEFAULT_MAX_SCIM_TOKENS,
    loginWindowMs: DEFAULT_LOGIN_WINDOW_MS,
    loginMaxFailuresPerAccount: DEFAULT_LOGIN_MAX_FAILURES_PER_ACCOUNT,
    loginMaxAttemptsPerIp: DEFAULT_LOGIN_MAX_ATTEMPTS_PER_IP,
    loginSlowAfterFailures: DEFAULT_LOGIN_SLOW_AFTER_FAILURES,
    loginSlowSpacingMs: DEFAULT_LOGIN_SLOW_SPACING_MS,
    passwordHashConcurrency: DEFAULT_PASSWORD_HASH_CONCURRENCY,
    passwordHashWaitMs: DEFAULT_PASSWORD_HASH_WAIT_MS,
    maxApiTokensPerUser: DEFAULT_MAX_API_TOKENS_PER_USER,
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    maxMessageChars: DEFAULT_MAX_MESSAGE_CHARS,
    messageEditWindowMs: DEFAULT_MESSAGE_EDIT_WINDOW_MS,
    messageRecallWindowMs: DEFAULT_MESSAGE_RECALL_WINDOW_MS,
    messageMaxEdits: DEFAULT_MESSAGE_MAX_EDITS,
    messageMaxReactions: DEFAULT_MESSAGE_MAX_REACTIONS,
    messageMaxEmoji: DEFAULT_MESSAGE_MAX_EMOJI,
    burnAfterReadingMs: DEFAULT_BURN_AFTER_READING_MS,
    burnMaxMembers: DEFAULT_BURN_MAX_MEMBERS,
    quickRepliesMax: DEFAULT_QUICK_REPLIES_MAX,
    quickReplyMaxChars: DEFAULT_QUICK_REPLY_MAX_CHARS,
    wsMaxFrameBytes: DEFAULT_WS_MAX_FRAME_BYTES,
    wsMaxBufferedBytes: DEFAULT_WS_MAX_BUFFERED_BYTES,
    wsCoalesceMs: DEFAULT_WS_COALESCE_MS,
    wsKeepaliveMs: DEFAULT_WS_KEEPALIVE_MS,
    wsHelloTimeoutMs: DEFAULT_WS_HELLO_TIMEOUT_MS,
    wsMaxFramesPerSec: DEFAULT_WS_MAX_FRAMES_PER_SEC,
    wsMaxPerUser: DEFAULT_WS_MAX_PER_USER,
    wsMaxPerAddress: DEFAULT_WS_MAX_PER_ADDRESS,
    alertAudienceCacheMs: DEFAULT_ALERT_AUDIENCE_CACHE_MS,
    reachCacheMs: DEFAULT_REACH_CACHE_MS,
    sendRatePerSec: DEFAULT_SEND_RATE_PER_SEC,
    pollTimeoutMs: DEFAULT_POLL_TIMEOUT_MS,
    pollLingerMs: DEFAULT_POLL_LINGER_MS,
    clientIdTtlMs: DEFAULT_CLIENT_ID_TTL_MS,
    fanoutShards: DEFAULT_FANOUT_SHARDS,
    fanoutLogTtlMs: DEFAULT_FANOUT_LOG_TTL_MS,
    fanoutPollMs: DEFAULT_FANOUT_POLL_MS,
    channelCache: DEFAULT_CHANNEL_CACHE,
    replayPage: DEFAULT_REPLAY_PAGE,
    deliveredFlushMs: DEFAULT_DELIVERED_FLUSH_MS,
    commitMaxAttempts: DEFAULT_COMMIT_MAX_ATTEMPTS,
    groupCommitMax: DEFAULT_GROUP_COMMIT_MAX,
    fanoutInlineChars: DEFAULT_FANOUT_INLINE_CHARS,
    maxGroupMembers: DEFAULT_MAX_GROUP_MEMBERS,
    maxMembersPerRequest: DEFAULT_MAX_MEMBERS_PER_REQUEST,
    historyPageMax: DEFAULT_HISTORY_PAGE_MAX,
    historyPage: DEFAULT_HISTORY_PAGE,
    directoryLimit: DEFAULT_DIRECTORY_LIMIT,
    maxDepartments: DEFAULT_MAX_DEPARTMENTS,
    maxDepartmentDepth: DEFAULT_MAX_DEPARTMENT_DEPTH,
    avatarMaxBytes: DEFAULT_AVATAR_MAX_BYTES,
    statusMaxChars: DEFAULT_STATUS_MAX_CHARS,
    announcementMaxChars: DEFAULT_ANNOUNCEMENT_MAX_CHARS,
    maxAnnouncements: DEFAULT_MAX_ANNOUNCEMENTS,
    hookMaxBodyBytes: DEFAULT_HOOK_MAX_BODY_BYTES,
    deliveryDedupMs: DEFAULT_DELIVERY_DEDUP_MS,
    alertMaxItems: DEFAULT_ALERT_MAX_ITEMS,
    alertListLimit: DEFAULT_ALERT_LIST_LIMIT,
    alertListScanMax: DEFAULT_ALERT_LIST_SCAN_MAX,
    searchLimit: DEFAULT_SEARCH_LIMIT,
    searchScanMax: DEFAULT_SEARCH_SCAN_MAX,
    searchGlobalScopes: DEFAULT_SEARCH_GLOBAL_SCOPES,
    searchPackMs: DEFAULT_SEARCH_PACK_MS,
    searchPackAfterMs: DEFAULT_SEARCH_PACK_AFTER_MS,
    reportMaxDays: DEFAULT_REPORT_MAX_DAYS,
    reportNightFromHour: DEFAULT_REPORT_NIGHT_FROM_HOUR,
    reportNightToHour: DEFAULT_REPORT_NIGHT_TO_HOUR,
    reportTimeZone: DEFAULT_REPORT_TIME_ZONE,
    disabledHookRetryAfterS: DEFAULT_DISABLED_HOOK_RETRY_AFTER_S,
    timerSweepMs: DEFAULT_TIMER_SWEEP_MS,
    timerSweepConcurrency: DEFAULT_TIMER_SWEEP_CONCURRENCY,
    timerPeerGraceMs: DEFAULT_TIMER_PEER_GRACE_MS,
    timerClaimMs: DEFAULT_TIMER_CLAIM_MS,
    kvQueues: DEFAULT_KV_QUEUES,
    messageRetentionDays: DEFAULT_MESSAGE_RETENTION_DAYS,
    retentionSweepMs: DEFAULT_RETENTION_SWEEP_MS,
    alertRetentionDays: DEFAULT_ALERT_RETENTION_DAYS,
    silenceEndNoticeMinutes: DEFAULT_SILENCE_END_NOTICE_MINUTES,
    overdueEscalateMinutes: DEFAULT_OVERDUE_ESCALATE_MINUTES,
    ldapSyncMs: DEFAULT_LDAP_SYNC_MS,
    ssoStateTtlMs: DEFAULT_SSO_STATE_TTL_MS,
    ssoTimeoutMs: DEFAULT_SSO_TIMEOUT_MS,
    heartbeatsPerTeam: DEFAULT_HEARTBEATS_PER_TEAM,
    silencesPerTeam: DEFAULT_SILENCES_PER_TEAM,
    maxFileBytes: DEFAULT_MAX_FILE_BYTES,
    fileQuotaBytes: DEFAULT_FILE_QUOTA_BYTES,
    uploadTtlMs: DEFAULT_UPLOAD_TTL_MS,
    fileSweepMs: DEFAULT_FILE_SWEEP_MS,
    maxMuteMs: DEFAULT_MAX_MUTE_MS,
    maxPins: DEFAULT_MAX_PINS,
    warRoomSummaryNotes: DEFAULT_WAR_ROOM_SUMMARY_NOTES,
    warRoomNoteChars: DEFAULT_WAR_ROOM_NOTE_CHARS,
    maxSensitiveWords: DEFAULT_MAX_SENSITIVE_WORDS,
    presenceBeatMs: DEFAULT_PRESENCE_BEAT_MS,
    webhookTimeoutMs: DEFAULT_WEBHOOK_TIMEOUT_MS,
    webhookMaxAttempts: DEFAULT_WEBHOOK_MAX_ATTEMPTS,
    eventWebhookMaxAttempts: DEFAULT_EVENT_WEBHOOK_MAX_ATTEMPTS,
    eventWebhookBackoffMs: DEFAULT_EVENT_WEBHOOK_BACKOFF_MS,
    eventWebhooksPerTeam: DEFAULT_EVENT_WEBHOOKS_PER_TEAM,
    eventWebhookLogKept: DEFAULT_EVENT_WEBHOOK_LOG_KEPT,
    allowPrivateWebhooks: DEFAULT_ALLOW_PRIVATE_WEBHOOKS,
    outboundAllow: DEFAULT_OUTBOUND_ALLOW,
    deliveryMaxAttempts: DEFAULT_DELIVERY_MAX_ATTEMPTS,
    pushMaxDevices: DEFAULT_PUSH_MAX_DEVICES,
    dingStepMs: DEFAULT_DING_STEP_MS,
    dingAgainMs: DEFAULT_DING_AGAIN_MS,
    dingMaxRecipients: DEFAULT_DING_MAX_RECIPIENTS,
    dingPerHour: DEFAULT_DING_PER_HOUR,
    pushTtlS: DEFAULT_PUSH_TTL_S,
    vapidSubject: null,
    ackLinkTtlMs: DEFAULT_ACK_LINK_TTL_MS,
    verifyCodeTtlMs: DEFAULT_VERIFY_CODE_TTL_MS,
    verifyWindowMs: DEFAULT_VERIFY_WINDOW_MS,
    verifyMaxPerUser: DEFAULT_VERIFY_MAX_PER_USER,
    verifyMaxPerAddress: DEFAULT_VERIFY_MAX_PER_ADDRESS,
    verifyMaxPerProvider: DEFAULT_VERIFY_MAX_PER_PROVIDER,
    smtpTimeoutMs: DEFAULT_SMTP_TIMEOUT_MS,
    defaultLang: DEFAULT_LANG,
    readyMaxSweepAgeMs: DEFAULT_READY_MAX_SWEEP_AGE_MS,
    logFormat: DEFAULT_LOG_FORMAT,
    metricsToken: null,
    metricsAllow: DEFAULT_METRICS_ALLOW,
    metricsTimerScanMax: DEFAULT_METRICS_TIMER_SCAN_MAX,
    selfHeartbeatUrl: null,
    selfHeartbeatMs: DEFAULT_SELF_HEARTBEAT_MS,
  };
}

/** Environment variable -> config field, for the numeric options. */
const NUMERIC_ENV: Record<string, keyof Config> = {
  PORT: "port",
  TOCSIN_SESSION_TTL_MS: "sessionTtlMs",
  TOCSIN_SESSION_LAST_USED_GRANULARITY_MS: "sessionLastUsedGranularityMs",
  TOCSIN_AUDIT_SCAN_MAX: "auditScanMax",
  TOCSIN_EXPORT_MAX_ROWS: "exportMaxRows",
  TOCSIN_ARGON2_MEMORY_KIB: "argon2MemoryKib",
  TOCSIN_ARGON2_ITERATIONS: "argon2Iterations",
  TOCSIN_PASSWORD_MIN_LENGTH: "passwordMinLength",
  TOCSIN_INVITE_TTL_MS: "inviteTtlMs",
  TOCSIN_RESET_TTL_MS: "resetTtlMs",
  TOCSIN_SIGNUP_TTL_MS: "signupTtlMs",
  TOCSIN_ACCOUNT_MAIL_WINDOW_MS: "accountMailWindowMs",
  TOCSIN_ACCOUNT_MAIL_MAX_PER_EMAIL: "accountMailMaxPerEmail",
  TOCSIN_ACCOUNT_MAIL_MAX_PER_IP: "accountMailMaxPerIp",
  TOCSIN_MAX_INVITATIONS: "maxInvitations",
  TOCSIN_CSV_IMPORT_MAX_ROWS: "csvImportMaxRows",
  TOCSIN_CSV_IMPORT_MAX_BYTES: "csvImportMaxBytes",
  TOCSIN_SCIM_MAX_RESULTS: "scimMaxResults",
  TOCSIN_MAX_SCIM_TOKENS: "maxScimTokens",
  TOCSIN_LOGIN_WINDOW_MS: "loginWindowMs",
  TOCSIN_LOGIN_MAX_FAILURES_PER_ACCOUNT: "loginMaxFailuresPerAccount",
  TOCSIN_LOGIN_MAX_ATTEMPTS_PER_IP: "loginMaxAttemptsPerIp",
  TOCSIN_LOGIN_SLOW_AFTER_FAILURES: "loginSlowAfterFailures",
  TOCSIN_LOGIN_SLOW_SPACING_MS: "loginSlowSpacingMs",
  TOCSIN_PASSWORD_HASH_CONCURRENCY: "passwordHashConcurrency",
  TOCSIN_PASSWORD_HASH_WAIT_MS: "passwordHashWaitMs",
  TOCSIN_MAX_API_TOKENS_PER_USER: "maxApiTokensPerUser",
  TOCSIN_MAX_BODY_BYTES: "maxBodyBytes",
  TOCSIN_MAX_MESSAGE_CHARS: "maxMessageChars",
  TOCSIN_MESSAGE_EDIT_WINDOW_MS: "messageEditWindowMs",
  TOCSIN_MESSAGE_RECALL_WINDOW_MS: "messageRecallWindowMs",
  TOCSIN_MESSAGE_MAX_EDITS: "messageMaxEdits",
  TOCSIN_MESSAGE_MAX_REACTIONS: "messageMaxReactions",
  TOCSIN_MESSAGE_MAX_EMOJI: "messageMaxEmoji",
  TOCSIN_BURN_AFTER_READING_MS: "burnAfterReadingMs",
  TOCSIN_BURN_MAX_MEMBERS: "burnMaxMembers",
  TOCSIN_QUICK_REPLIES_MAX: "quickRepliesMax",
  TOCSIN_QUICK_REPLY_MAX_CHARS: "quickReplyMaxChars",
  TOCSIN_WS_MAX_FRAME_BYTES: "wsMaxFrameBytes",
  TOCSIN_WS_MAX_BUFFERED_BYTES: "wsMaxBufferedBytes",
  TOCSIN_WS_COALESCE_MS: "wsCoalesceMs",
  TOCSIN_WS_KEEPALIVE_MS: "wsKeepaliveMs",
  TOCSIN_WS_HELLO_TIMEOUT_MS: "wsHelloTimeoutMs",
  TOCSIN_WS_MAX_FRAMES_PER_SEC: "wsMaxFramesPerSec",
  TOCSIN_WS_MAX_PER_USER: "wsMaxPerUser",
  TOCSIN_WS_MAX_PER_ADDRESS: "wsMaxPerAddress",
  TOCSIN_ALERT_AUDIENCE_CACHE_MS: "alertAudienceCacheMs",
  TOCSIN_REACH_CACHE_MS: "reachCacheMs",
  TOCSIN_SEND_RATE_PER_SEC: "sendRatePerSec",
  TOCSIN_POLL_TIMEOUT_MS: "pollTimeoutMs",
  TOCSIN_POLL_LINGER_MS: "pollLingerMs",
  TOCSIN_CLIENT_ID_TTL_MS: "clientIdTtlMs",
  TOCSIN_FANOUT_SHARDS: "fanoutShards",
  TOCSIN_FANOUT_LOG_TTL_MS: "fanoutLogTtlMs",
  TOCSIN_FANOUT_POLL_MS: "fanoutPollMs",
  TOCSIN_CHANNEL_CACHE: "channelCache",
  TOCSIN_REPLAY_PAGE: "replayPage",
  TOCSIN_DELIVERED_FLUSH_MS: "deliveredFlushMs",
  TOCSIN_COMMIT_MAX_ATTEMPTS: "commitMaxAttempts",
  TOCSIN_GROUP_COMMIT_MAX: "groupCommitMax",
  TOCSIN_FANOUT_INLINE_CHARS: "fanoutInlineChars",
  TOCSIN_MAX_GROUP_MEMBERS: "maxGroupMembers",
  TOCSIN_MAX_MEMBERS_PER_REQUEST: "maxMembersPerRequest",
  TOCSIN_HISTORY_PAGE_MAX: "historyPageMax",
  TOCSIN_HISTORY_PAGE: "historyPage",
  TOCSIN_DIRECTORY_LIMIT: "directoryLimit",
  TOCSIN_MAX_DEPARTMENTS: "maxDepartments",
  TOCSIN_MAX_DEPARTMENT_DEPTH: "maxDepartmentDepth",
  TOCSIN_AVATAR_MAX_BYTES: "avatarMaxBytes",
  TOCSIN_STATUS_MAX_CHARS: "statusMaxChars",
  TOCSIN_ANNOUNCEMENT_MAX_CHARS: "announcementMaxChars",
  TOCSIN_MAX_ANNOUNCEMENTS: "maxAnnouncements",
  TOCSIN_HOOK_MAX_BODY_BYTES: "hookMaxBodyBytes",
  TOCSIN_DELIVERY_DEDUP_MS: "deliveryDedupMs",
  TOCSIN_ALERT_MAX_ITEMS: "alertMaxItems",
  TOCSIN_ALERT_LIST_LIMIT: "alertListLimit",
  TOCSIN_ALERT_LIST_SCAN_MAX: "alertListScanMax",
  TOCSIN_SEARCH_LIMIT: "searchLimit",
  TOCSIN_SEARCH_SCAN_MAX: "searchScanMax",
  TOCSIN_SEARCH_GLOBAL_SCOPES: "searchGlobalScopes",
  TOCSIN_SEARCH_PACK_MS: "searchPackMs",
  TOCSIN_SEARCH_PACK_AFTER_MS: "searchPackAfterMs",
  TOCSIN_REPORT_MAX_DAYS: "reportMaxDays",
  TOCSIN_REPORT_NIGHT_FROM_HOUR: "reportNightFromHour",
  TOCSIN_REPORT_NIGHT_TO_HOUR: "reportNightToHour",
  TOCSIN_DISABLED_HOOK_RETRY_AFTER_S: "disabledHookRetryAfterS",
  TOCSIN_TIMER_SWEEP_MS: "timerSweepMs",
  TOCSIN_TIMER_SWEEP_CONCURRENCY: "timerSweepConcurrency",
  TOCSIN_TIMER_PEER_GRACE_MS: "timerPeerGraceMs",
  TOCSIN_TIMER_CLAIM_MS: "timerClaimMs",
  TOCSIN_MESSAGE_RETENTION_DAYS: "messageRetentionDays",
  TOCSIN_RETENTION_SWEEP_MS: "retentionSweepMs",
  TOCSIN_ALERT_RETENTION_DAYS: "alertRetentionDays",
  TOCSIN_SILENCE_END_NOTICE_MINUTES: "silenceEndNoticeMinutes",
  TOCSIN_OVERDUE_ESCALATE_MINUTES: "overdueEscalateMinutes",
  TOCSIN_LDAP_SYNC_MS: "ldapSyncMs",
  TOCSIN_SSO_STATE_TTL_MS: "ssoStateTtlMs",
  TOCSIN_SSO_TIMEOUT_MS: "ssoTimeoutMs",
  TOCSIN_HEARTBEATS_PER_TEAM: "heartbeatsPerTeam",
  TOCSIN_SILENCES_PER_TEAM: "silencesPerTeam",
  TOCSIN_MAX_FILE_BYTES: "maxFileBytes",
  TOCSIN_FILE_QUOTA_BYTES: "fileQuotaBytes",
  TOCSIN_UPLOAD_TTL_MS: "uploadTtlMs",
  TOCSIN_FILE_SWEEP_MS: "fileSweepMs",
  TOCSIN_MAX_MUTE_MS: "maxMuteMs",
  TOCSIN_MAX_PINS: "maxPins",
  TOCSIN_WAR_ROOM_SUMMARY_NOTES: "warRoomSummaryNotes",
  TOCSIN_WAR_ROOM_NOTE_CHARS: "warRoomNoteChars",
  TOCSIN_MAX_SENSITIVE_WORDS: "maxSensitiveWords",
  TOCSIN_PRESENCE_BEAT_MS: "presenceBeatMs",
  TOCSIN_WEBHOOK_TIMEOUT_MS: "webhookTimeoutMs",
  TOCSIN_WEBHOOK_MAX_ATTEMPTS: "webhookMaxAttempts",
  TOCSIN_EVENT_WEBHOOK_MAX_ATTEMPTS: "eventWebhookMaxAttempts",
  TOCSIN_EVENT_WEBHOOK_BACKOFF_MS: "eventWebhookBackoffMs",
  TOCSIN_EVENT_WEBHOOKS_PER_TEAM: "eventWebhooksPerTeam",
  TOCSIN_EVENT_WEBHOOK_LOG_KEPT: "eventWebhookLogKept",
  TOCSIN_DELIVERY_MAX_ATTEMPTS: "deliveryMaxAttempts",
  TOCSIN_PUSH_MAX_DEVICES: "pushMaxDevices",
  TOCSIN_DING_STEP_MS: "dingStepMs",
  TOCSIN_DING_AGAIN_MS: "dingAgainMs",
  TOCSIN_DING_MAX_RECIPIENTS: "dingMaxRecipients",
  TOCSIN_DING_PER_HOUR: "dingPerHour",
  TOCSIN_PUSH_TTL_S: "pushTtlS",
  TOCSIN_ACK_LINK_TTL_MS: "ackLinkTtlMs",
  TOCSIN_VERIFY_CODE_TTL_MS: "verifyCodeTtlMs",
  TOCSIN_VERIFY_WINDOW_MS: "verifyWindowMs",
  TOCSIN_VERIFY_MAX_PER_USER: "verifyMaxPerUser",
  TOCSIN_VERIFY_MAX_PER_ADDRESS: "verifyMaxPerAddress",
  TOCSIN_VERIFY_MAX_PER_PROVIDER: "verifyMaxPerProvider",
  TOCSIN_SMTP_TIMEOUT_MS: "smtpTimeoutMs",
  TOCSIN_READY_MAX_SWEEP_AGE_MS: "readyMaxSweepAgeMs",
  TOCSIN_METRICS_TIMER_SCAN_MAX: "metricsTimerScanMax",
  TOCSIN_SELF_HEARTBEAT_MS: "selfHeartbeatMs",
};

/** Names of every environment variable Tocsin reads (for docs and tests). */
export const ENV_NAMES: string[] = [
  "TOCSIN_KV",
  "TOCSIN_HOST",
  "TOCSIN_LOG_FORMAT",
  "TOCSIN_KV_QUEUES",
  "TOCSIN_PUBLIC_URL",
  "TOCSIN_VAPID_SUBJECT",
  "TOCSIN_ALLOWED_ORIGINS",
  "TOCSIN_TRUST_PROXY",
  "TOCSIN_ALLOW_PRIVATE_WEBHOOKS",
  "TOCSIN_OUTBOUND_ALLOW",
  "TOCSIN_DEFAULT_LANG",
  "TOCSIN_METRICS_TOKEN",
  "TOCSIN_METRICS_ALLOW",
  "TOCSIN_SELF_HEARTBEAT_URL",
  "TOCSIN_SIGNUP_DOMAINS",
  "TOCSIN_REPORT_TIME_ZONE",
  ...Object.keys(NUMERIC_ENV),
];

/** The report options: their zone, and their ranges (hours of the day, at least one day). */
function readReportEnv(config: Config, env: Record<string, string | undefined>): void {
  if (env.TOCSIN_REPORT_TIME_ZONE) config.reportTimeZone = reportZone(env.TOCSIN_REPORT_TIME_ZONE);
  if (config.reportNightFromHour > 23 || config.reportNightToHour > 23) {
    throw new Error("TOCSIN_REPORT_NIGHT_FROM_HOUR and _TO_HOUR must be hours (0-23)");
  }
  if (config.reportMaxDays < 1) throw new Error("TOCSIN_REPORT_MAX_DAYS must be at least 1");
}

/** A time zone name the runtime knows (Asia/Shanghai, UTC), in its canonical spelling. */
function reportZone(raw: string): string {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: raw }).resolvedOptions().timeZone;
  } catch {
    throw new Error(
      `TOCSIN_REPORT_TIME_ZONE must be a time zone name such as Asia/Shanghai, got ${
        JSON.stringify(raw)
      }`,
    );
  }
}

/**
 * Builds the config from environment variables. Throws with a clear message
 * on a malformed value, so that a typo stops start-up instead of being ignored.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const config = defaultConfig();
  for (const [name, field] of Object.entries(NUMERIC_ENV)) {
    const raw = env[name];
    if (raw === undefined || raw === "") continue;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0 || !Number.isInteger(n)) {
      throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
    }
    (config[field] as number) = n;
  }
  if (config.groupCommitMax < 1) throw new Error("TOCSIN_GROUP_COMMIT_MAX must be at least 1");
  readReportEnv(config, env);
  if (config.fanoutShards < 1 || config.fanoutShards > 64) {
    throw new Error("TOCSIN_FANOUT_SHARDS must be between 1 and 64");
  }
  if (env.TOCSIN_KV) config.kvPath = env.TOCSIN_KV;
  if (env.TOCSIN_HOST) {
    if (/[\s/]/.test(env.TOCSIN_HOST)) {
      throw new Error(
        `TOCSIN_HOST must be an address or host name, got ${JSON.stringify(env.TOCSIN_HOST)}`,
      );
    }
    config.host = env.TOCSIN_HOST;
  }
  if (env.TOCSIN_LOG_FORMAT) {
    if (env.TOCSIN_LOG_FORMAT !== "text" && env.TOCSIN_LOG_FORMAT !== "json") {
      throw new Error(
        `TOCSIN_LOG_FORMAT must be text or json, got ${JSON.stringify(env.TOCSIN_LOG_FORMAT)}`,
      );
    }
    config.logFormat = env.TOCSIN_LOG_FORMAT;
  }
  if (env.TOCSIN_KV_QUEUES) {
    const q = env.TOCSIN_KV_QUEUES;
    if (q !== "auto" && q !== "on" && q !== "off") {
      throw new Error(`TOCSIN_KV_QUEUES must be auto, on or off, got ${JSON.stringify(q)}`);
    }
    config.kvQueues = q;
  }
  if (env.TOCSIN_VAPID_SUBJECT) {
    if (!/^(mailto:\S+@\S+|https:\/\/\S+)$/.test(env.TOCSIN_VAPID_SUBJECT)) {
      throw new Error("TOCSIN_VAPID_SUBJECT must be a mailto: address or an https: URL");
    }
    config.vapidSubject = env.TOCSIN_VAPID_SUBJECT;
  }
  if (env.TOCSIN_PUBLIC_URL) {
    config.publicOrigin = parseOrigin("TOCSIN_PUBLIC_URL", env.TOCSIN_PUBLIC_URL);
  }
  if (env.TOCSIN_ALLOWED_ORIGINS) {
    config.allowedOrigins = env.TOCSIN_ALLOWED_ORIGINS.split(",").map((s) => s.trim()).filter(
      Boolean,
    ).map((s) => parseOrigin("TOCSIN_ALLOWED_ORIGINS", s));
  }
  config.trustProxy = ["1", "true", "yes"].includes((env.TOCSIN_TRUST_PROXY ?? "").toLowerCase());
  if (env.TOCSIN_DEFAULT_LANG) {
    if (env.TOCSIN_DEFAULT_LANG !== "en" && env.TOCSIN_DEFAULT_LANG !== "zh") {
      throw new Error(
        `TOCSIN_DEFAULT_LANG must be en or zh, got ${JSON.stringify(env.TOCSIN_DEFAULT_LANG)}`,
      );
    }
    config.defaultLang = env.TOCSIN_DEFAULT_LANG;
  }
  config.allowPrivateWebhooks = ["1", "true", "yes"].includes(
    (env.TOCSIN_ALLOW_PRIVATE_WEBHOOKS ?? "").toLowerCase(),
  );
  if (env.TOCSIN_OUTBOUND_ALLOW) {
    config.outboundAllow = env.TOCSIN_OUTBOUND_ALLOW.split(",").map((s) => s.trim()).filter(
      Boolean,
    );
    for (const c of config.outboundAllow) {
      if (!parseCidr(c)) {
        throw new Error(`TOCSIN_OUTBOUND_ALLOW: ${JSON.stringify(c)} is not an IP range (CIDR)`);
      }
    }
  }
  readOpsEnv(config, env);
  readSignupEnv(config, env);
  return config;
}

/** The operator's options: /metrics access and the self-heartbeat. */
function readOpsEnv(config: Config, env: Record<string, string | undefined>): void {
  if (env.TOCSIN_METRICS_TOKEN) {
    if (env.TOCSIN_METRICS_TOKEN.length < METRICS_TOKEN_MIN_LENGTH) {
      throw new Error(
        `TOCSIN_METRICS_TOKEN must be at least ${METRICS_TOKEN_MIN_LENGTH} characters`,
      );
    }
    config.metricsToken = env.TOCSIN_METRICS_TOKEN;
  }
  if (env.TOCSIN_METRICS_ALLOW !== undefined) {
    // Set but empty: no address is admitted without the token.
    config.metricsAllow = env.TOCSIN_METRICS_ALLOW.split(",").map((s) => s.trim()).filter(Boolean);
    for (const c of config.metricsAllow) {
      if (!parseCidr(c)) {
        throw new Error(`TOCSIN_METRICS_ALLOW: ${JSON.stringify(c)} is not an IP range (CIDR)`);
      }
    }
  }
  if (env.TOCSIN_SELF_HEARTBEAT_URL) {
    let url: URL | null = null;
    try {
      url = new URL(env.TOCSIN_SELF_HEARTBEAT_URL);
    } catch {
      // reported below
    }
    // The URL itself is not repeated: a switch's URL is often its secret.
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
      throw new Error("TOCSIN_SELF_HEARTBEAT_URL must be an http(s) URL");
    }
    config.selfHeartbeatUrl = url.href;
  }
  if (config.selfHeartbeatMs < 1_000) {
    throw new Error("TOCSIN_SELF_HEARTBEAT_MS must be at least 1000");
  }
}

/** TOCSIN_SIGNUP_DOMAINS: self-registration starts on, for these e-mail domains (an admin may change it). */
function readSignupEnv(config: Config, env: Record<string, string | undefined>): void {
  const raw = env.TOCSIN_SIGNUP_DOMAINS;
  if (!raw) return;
  const domains = raw.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const d of domains) {
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(d)) {
      throw new Error(`TOCSIN_SIGNUP_DOMAINS: ${JSON.stringify(d)} is not a domain name`);
    }
  }
  config.signupDomains = domains;
  config.signupEnabled = domains.length > 0;
}

/** Whether KV queues are used as a timer wake-up: TOCSIN_KV_QUEUES, "auto" resolved from TOCSIN_KV. */
export function queuesOn(config: Pick<Config, "kvQueues" | "kvPath">): boolean {
  if (config.kvQueues !== "auto") return config.kvQueues === "on";
  return !/^https?:\/\//i.test(config.kvPath);
}

function parseOrigin(name: string, value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http(s)");
    return url.origin;
  } catch {
    throw new Error(`${name} must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
}

/** A config for tests: defaults, cheap password hashing, and the given overrides. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...defaultConfig(),
    // Tests create many users; hashing cost is not what they test.
    argon2MemoryKib: 1024,
    argon2Iterations: 1,
    ...overrides,
  };
}
