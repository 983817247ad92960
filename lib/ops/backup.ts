/**
 * Backup and restore of a Tocsin KV store as NDJSON (docs/operations.md).
 *
 * One line per entry, between a header and a trailer:
 *
 *     {"format":"tocsin-backup","version":1,"createdAt":"…"}
 *     {"k":["users","01J…"],"v":{"id":"01J…","name":"A",…}}
 *     {"k":["receipts_read","01J…","01J…"],"v":{"$type":"KvU64","value":"7"}}
 *     {"end":true,"entries":1234}
 *
 * Key parts keep their type: a string, number or boolean is itself, a bigint is
 * `{"bigint":"12"}`, a Uint8Array `{"bytes":"<base64>"}`, a number JSON cannot hold
 * (NaN, ±Infinity, -0) `{"number":"NaN"}`. Values are JSON where JSON can say them; anything else
 * is an object tagged `$type` (KvU64, bigint, Uint8Array, Date, Map, Set, RegExp, undefined, such
 * numbers), and a stored object that itself has a `$type` field is wrapped as `{"$type":"object"}`,
 * so that nothing reads back as something else. A value of any other type stops the backup with
 * its key: losing data quietly is worse than failing.
 *
 * What does not survive, by the nature of KV:
 * - Versionstamps. Restored entries get new ones; Tocsin keeps none in its values, and only
 *   compares them within a running process.
 * - Queue messages (timer wake-ups). The timer records are restored, and the reconciler's sweep
 *   at start-up and every TOCSIN_TIMER_SWEEP_MS fires each due one.
 * - Expiry. KV does not tell a reader an entry's remaining `expireIn`, so expiring entries follow
 *   EXPIRY_RULES, decided per key prefix.
 *
 * Consistency: a backup taken while Tocsin serves reads the store page by page, and KV lists are
 * not one snapshot across pages. Every entry is a committed value, but entries are read at
 * different moments, so two entries written by one commit during the backup may be one before and
 * one after it. For a fully consistent backup stop Tocsin first, or copy a SQLite store with
 * `sqlite3 tocsin.kv ".backup copy.kv"` (one snapshot) and back that copy up.
 */
import type { Clock } from "../core/clock.ts";
import type { Config } from "../core/config.ts";
import {
  decodeKeyPart,
  decodeValue,
  encodeKeyPart,
  encodeValue,
  isRecord,
} from "./backup_codec.ts";

/** The header's `format` and `version`. */
export const BACKUP_FORMAT = "tocsin-backup";
export const BACKUP_VERSION = 1;

/**
 * Mutations per restore commit: half of KV's 1,000, so a batch also stays clear of the size limits
 * of one commit together with RESTORE_BATCH_BYTES.
 */
export const RESTORE_BATCH_ENTRIES = 500;
/** Estimated bytes of keys and values per restore commit: under KV's 800 KiB for one commit. */
export const RESTORE_BATCH_BYTES = 400 * 1024;
/** Estimated key bytes per restore commit: under KV's 80 KiB of keys for one commit. */
export const RESTORE_BATCH_KEY_BYTES = 60 * 1024;

/** What happens to the entries under one key prefix that Tocsin writes with `expireIn`. */
export type ExpiryRule =
  | { kind: "skip"; why: string }
  /** Restored to expire at the `expiresAt` its value holds (none: no expiry); skipped if past. */
  | { kind: "expires_at"; why: string }
  /** Restored with a fresh full lifetime from the config. */
  | { kind: "fresh"; ttl: (config: Config) => number; why: string };

/**
 * Every key prefix whose entries expire, and what backup and restore do with them. Every other
 * entry is written without expiry, as Tocsin wrote it.
 */
export const EXPIRY_RULES: ReadonlyMap<string, ExpiryRule> = new Map<string, ExpiryRule>([
  ["rate_limits", {
    kind: "skip",
    why: "counters of windows a few minutes long; starting afresh forgives a few attempts",
  }],
  ["fanout_log", {
    kind: "skip",
    why: "change hints for processes that were running; a new process starts from the counters",
  }],
  ["readyz", { kind: "skip", why: "the readiness probe's scratch entry" }],
  ["sessions", {
    kind: "expires_at",
    why: "logins survive a move to a new store, and still end when they would have",
  }],
  ["sessions_by_user", {
    kind: "fresh",
    ttl: (c) => c.sessionTtlMs,
    why: "an index for logging out everywhere: outliving its session is harmless",
  }],
  ["api_tokens", { kind: "expires_at", why: "a token keeps its own expiry, or none" }],
  ["api_tokens_by_user", { kind: "expires_at", why: "as api_tokens" }],
  ["messages_by_client_id", {
    kind: "fresh",
    ttl: (c) => c.clientIdTtlMs,
    why: "a client retrying a send across the restore must not post twice",
  }],
  ["alert_deliveries", {
    kind: "fresh",
    ttl: (c) => c.deliveryDedupMs,
    why: "a webhook retried across the restore must not count twice",
  }],
  ["event_webhook_events", {
    kind: "expires_at",
    why: "an event's payload, kept while its webhook deliveries may still be retried",
  }],
  ["ack_links", {
    kind: "fresh",
    ttl: (c) => c.ackLinkTtlMs,
    why: "the link's signed expiry still bounds its use",
  }],
]);

function ruleFor(key: Deno.KvKey): ExpiryRule | undefined {
  return typeof key[0] === "string" ? EXPIRY_RULES.get(key[0]) : undefined;
}

// ---- backup ----

/** Counts of one backup or restore. */
export interface BackupStats {
  entries: number;
  /** Entries left out, per key prefix (EXPIRY_RULES). */
  skipped: Record<string, number>;
}

/**
 * Writes every entry of `kv` to `out` as NDJSON (then closes it). Safe while Tocsin serves;
 * see the module doc for the consistency that gives.
 */
export async function writeBackup(
  kv: Deno.Kv,
  out: WritableStream<Uint8Array>,
  opts: { clock: Clock },
): Promise<BackupStats> {
  const writer = out.getWriter();
  const enc = new TextEncoder();
  const stats: BackupStats = { entries: 0, skipped: Object.create(null) };
  let buf = "";
  const flush = async () => {
    if (buf) await writer.write(enc.encode(buf));
    buf = "";
  };
  try {
    buf += JSON.stringify({
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      createdAt: new Date(opts.clock.now()).toISOString(),
    }) + "\n";
    for await (const e of kv.list({ prefix: [] }, { batchSize: 500 })) {
      const rule = ruleFor(e.key);
      if (rule?.kind === "skip") {
        const p = String(e.key[0]);
        stats.skipped[p] = (stats.skipped[p] ?? 0) + 1;
        continue;
      }
      let line: string;
      try {
        line = JSON.stringify({ k: e.key.map(encodeKeyPart), v: encodeValue(e.value) });
      } catch (err) {
        throw new Error(
          `backup: entry ${describeKey(e.key)}: ${err instanceof Error ? err.message : err}`,
        );
      }
      buf += line + "\n";
      stats.entries++;
      if (buf.length > 64 * 1024) await flush();
    }
    buf += JSON.stringify({ end: true, entries: stats.entries }) + "\n";
    await flush();
    await writer.close();
  } catch (err) {
    await writer.abort(err).catch(() => {});
    throw err;
  }
  return stats;
}

function describeKey(key: Deno.KvKey): string {
  return JSON.stringify(key.map((p) => typeof p === "bigint" ? `${p}n` : p));
}

// ---- restore ----

/** True when the store holds no entry at all. */
export async function isEmpty(kv: Deno.Kv): Promise<boolean> {
  for await (const _ of kv.list({ prefix: [] }, { limit: 1 })) return false;
  return true;
}

/** Splits a byte stream into lines (without their "\n"). */
async function* lines(input: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let rest = "";
  const dec = new TextDecoder();
  for await (const bytes of input) {
    rest += dec.decode(bytes, { stream: true });
    let i: number;
    while ((i = rest.indexOf("\n")) >= 0) {
      yield rest.slice(0, i);
      rest = rest.slice(i + 1);
    }
  }
  rest += dec.decode();
  if (rest) yield rest;
}

/**
 * Loads a backup into `kv`, which must be empty unless `force` (then entries of the backup
 * overwrite those with the same key; other entries stay). Entries are written in atomic batches
 * as they are read; a backup without its trailer (cut short) is reported as an error after what
 * came before it was written, so restore into an empty store and start again from a whole file.
 */
export async function restoreBackup(
  kv: Deno.Kv,
  input: ReadableStream<Uint8Array>,
  opts: { config: Config; clock: Clock; force?: boolean },
): Promise<BackupStats> {
  if (!opts.force && !(await isEmpty(kv))) {
    await input.cancel().catch(() => {});
    throw new Error("restore: the store is not empty (pass --force to write over it)");
  }
  const stats: BackupStats = { entries: 0, skipped: Object.create(null) };
  const now = opts.clock.now();
  let n = 0;
  let header = false;
  let trailer: { entries: number } | null = null;
  const batch = new RestoreBatch(kv, stats);
  for await (const text of lines(input)) {
    n++;
    if (!text.trim()) continue;
    const where = `restore: line ${n}`;
    if (trailer) throw new Error(`${where}: data after the end of the backup`);
    let j: unknown;
    try {
      j = JSON.parse(text);
    } catch {
      throw new Error(`${where}: not JSON`);
    }
    if (!isRecord(j)) throw new Error(`${where}: not an object`);
    if (!header) {
      checkHeader(j, where);
      header = true;
      continue;
    }
    if (j.end === true) {
      if (typeof j.entries !== "number") throw new Error(`${where}: malformed trailer`);
      trailer = { entries: j.entries };
      continue;
    }
    const { key, value } = decodeEntry(j, where);
    const expireIn = restoredExpiry(key, value, now, opts.config);
    if (expireIn === null) {
      const p = String(key[0]);
      stats.skipped[p] = (stats.skipped[p] ?? 0) + 1;
      continue;
    }
    // Sizes as KV will count them, estimated from the JSON (two bytes a character covers UTF-16).
    await batch.add(
      { key, value, expireIn },
      2 * JSON.stringify(j.k).length,
      2 * JSON.stringify(j.v).length,
    );
  }
  await batch.commit();
  if (!header) throw new Error("restore: the input is empty");
  if (!trailer) {
    throw new Error(
      `restore: the backup is cut short (no end line) after ${stats.entries} entries were written`,
    );
  }
  const skipped = Object.values(stats.skipped).reduce((a, b) => a + b, 0);
  if (trailer.entries !== stats.entries + skipped) {
    throw new Error(
      `restore: the backup says ${trailer.entries} entries, ${stats.entries + skipped} were read`,
    );
  }
  return stats;
}

/** Throws unless `j` is the header of a backup this version reads. */
function checkHeader(j: Record<string, unknown>, where: string): void {
  if (j.format !== BACKUP_FORMAT) throw new Error(`${where}: not a Tocsin backup`);
  if (j.version !== BACKUP_VERSION) {
    throw new Error(`${where}: backup version ${j.version} is not ${BACKUP_VERSION}`);
  }
}

/** The key and value of an entry line; throws, naming the line, on anything else. */
function decodeEntry(
  j: Record<string, unknown>,
  where: string,
): { key: Deno.KvKey; value: unknown } {
  if (!Array.isArray(j.k) || j.k.length === 0 || !Object.hasOwn(j, "v")) {
    throw new Error(`${where}: not an entry`);
  }
  try {
    return { key: j.k.map(decodeKeyPart), value: decodeValue(j.v) };
  } catch (err) {
    throw new Error(`${where}: ${err instanceof Error ? err.message : err}`);
  }
}

/**
 * The `expireIn` a restored entry is written with (undefined: none) under EXPIRY_RULES, or null
 * when it is left out (a skipped prefix, or already expired).
 */
function restoredExpiry(
  key: Deno.KvKey,
  value: unknown,
  now: number,
  config: Config,
): number | undefined | null {
  const rule = ruleFor(key);
  if (rule?.kind === "skip") return null;
  if (rule?.kind === "fresh") return Math.max(1, rule.ttl(config));
  if (rule?.kind === "expires_at") {
    const at = isRecord(value) ? value.expiresAt : undefined;
    if (typeof at === "number") return at <= now ? null : at - now;
  }
  return undefined;
}

/** Restored entries gathered into atomic commits that stay inside KV's limits for one commit. */
class RestoreBatch {
  #items: { key: Deno.KvKey; value: unknown; expireIn?: number }[] = [];
  #bytes = 0;
  #keyBytes = 0;

  #kv: Deno.Kv;
  #stats: BackupStats;

  constructor(kv: Deno.Kv, stats: BackupStats) {
    this.#kv = kv;
    this.#stats = stats;
  }

  /** Adds an entry of estimated key and value sizes, committing the batch first if it is full. */
  async add(m: { key: Deno.KvKey; value: unknown; expireIn?: number }, kb: number, vb: number) {
    if (
      this.#items.length >= RESTORE_BATCH_ENTRIES || this.#bytes + kb + vb > RESTORE_BATCH_BYTES ||
      this.#keyBytes + kb > RESTORE_BATCH_KEY_BYTES
    ) await this.commit();
    this.#items.push(m);
    this.#bytes += kb + vb;
    this.#keyBytes += kb;
  }

  /** Writes what is gathered in one atomic commit and counts it. */
  async commit() {
    if (!this.#items.length) return;
    const op = this.#kv.atomic();
    for (const m of this.#items) {
      op.set(m.key, m.value, m.expireIn === undefined ? undefined : { expireIn: m.expireIn });
    }
    const r = await op.commit();
    if (!r.ok) throw new Error("restore: a batch commit was refused");
    this.#stats.entries += this.#items.length;
    this.#items = [];
    this.#bytes = 0;
    this.#keyBytes = 0;
  }
}
