/**
 * The audit log: who did what, as a hash chain in KV.
 *
 * Entries live under a dense sequence `["audit", 1..n]`; the head `["audit_head"]` holds the
 * last seq and hash. Each entry holds the hash of the one before it (`prev`) and its own
 * (`hash` = SHA-256 over the canonical JSON of every other field), so an edited, deleted or
 * reordered entry breaks the chain where it happened (lib/audit/verify.ts).
 *
 * An action adds its entry to its own atomic operation (`stageAudit`), which checks the head:
 * the entry commits with the action or not at all, and two concurrent writers cannot fork the
 * chain (the loser's commit fails its check and is retried like any other conflict). In one
 * fanout group commit, later entries follow the earlier ones' staged head (staged_op.ts
 * stagedHead), so the group still commits once. `recordAudit` is for an event with no other
 * write (a failed login, an export).
 */
import { z } from "zod";
import type { Clock } from "../core/clock.ts";
import { ApiError } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import { noteHead, stagedHead, StagedOperation } from "../core/staged_op.ts";
import { requestMeta } from "./context.ts";
import { KeyedMutex } from "../core/mutex.ts";

/** The group-commit id of the chain's head (not a conversation id: those are ULIDs). */
const CHAIN = "\u0000audit";
/** Attempts of recordAudit against concurrent writers before it gives up with 503. */
const RECORD_ATTEMPTS = 20;
/** Longest text kept in an entry's free fields (user agents, names, details). */
export const AUDIT_TEXT_MAX = 200;

export const AuditTargetSchema = z.object({ type: z.string(), id: z.string() });

export const AuditEntrySchema = z.object({
  seq: z.number().int().positive(),
  at: z.number(),
  /** The user who acted; null for the system or an unknown caller (a failed login). */
  actorId: z.string().nullable(),
  /** The actor's name or e-mail at the time (the user may be renamed or removed later). */
  actorName: z.string(),
  /** A dotted verb: `auth.login`, `alert.ack`, `team.update`, `export.alerts`... */
  action: z.string(),
  target: AuditTargetSchema.nullable(),
  ok: z.boolean(),
  ip: z.string().optional(),
  userAgent: z.string().optional(),
  /** Small facts about the action (which fields changed, the format of an export...). */
  detail: z.record(z.string(), z.unknown()).optional(),
  prev: z.string(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** What a caller says about an action; the chain adds seq, time and hashes. */
export interface AuditInput {
  /** Who acted; absent: the request's caller (lib/audit/context.ts), or the system. */
  actor?: { id: string; name?: string; email?: string } | null;
  action: string;
  target?: { type: string; id: string } | null;
  ok?: boolean;
  ip?: string;
  userAgent?: string;
  detail?: Record<string, unknown>;
}

export interface AuditHead {
  seq: number;
  hash: string;
}

/**
 * Plain (non-fanout) audited commits of this process, per store, one at a time: a burst of them
 * (a hundred failed logins at once) would otherwise starve on the head's optimistic check. The
 * check stays the guard against other processes and fanout's group commits.
 */
const locks = new WeakMap<Deno.Kv, KeyedMutex>();
function serially<T>(kv: Deno.Kv, fn: () => Promise<T>): Promise<T> {
  let m = locks.get(kv);
  if (!m) locks.set(kv, m = new KeyedMutex());
  return m.run("audit", fn);
}

/** The `prev` of the first entry. */
export const GENESIS = "0".repeat(64);

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return "[" + value.map(canonicalJson).join(",") + "]";
  const o = value as Record<string, unknown>;
  return "{" + Object.keys(o).filter((k) => o[k] !== undefined).sort()
    .map((k) => JSON.stringify(k) + ":" + canonicalJson(o[k])).join(",") +
    "}";
}

/** SHA-256 (hex) of an entry's canonical JSON without its own `hash`. */
export async function hashEntry(entry: Omit<AuditEntry, "hash"> | AuditEntry): Promise<string> {
  const { hash: _h, ...rest } = entry as AuditEntry;
  const bytes = new TextEncoder().encode(canonicalJson(rest));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

const cut = (s: string) => s.slice(0, AUDIT_TEXT_MAX);

/** A detail object kept small: strings cut, at most 20 fields. */
function smallDetail(detail: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(detail).slice(0, 20)) {
    if (v === undefined) continue;
    out[cut(k)] = typeof v === "string" ? cut(v) : v;
  }
  const json = JSON.stringify(out);
  return json.length > 4_000 ? { truncated: true } : out;
}

/**
 * Adds an audit entry to `op`: reads the head (or follows the one an earlier write of the same
 * group commit staged), checks it, writes the entry and the new head. Returns the entry.
 */
export async function stageAudit(
  kv: Deno.Kv,
  op: Deno.AtomicOperation,
  clock: Clock,
  input: AuditInput,
): Promise<AuditEntry> {
  const chained = stagedHead(op, CHAIN) as AuditHead | null;
  let base: AuditHead;
  if (chained) base = chained;
  else {
    const head = await kv.get<AuditHead>(keys.auditHead());
    op.check(head);
    base = head.value ?? { seq: 0, hash: GENESIS };
  }
  const body: Omit<AuditEntry, "hash"> = {
    seq: base.seq + 1,
    at: clock.now(),
    actorId: input.actor?.id ?? null,
    actorName: cut(input.actor?.name || input.actor?.email || ""),
    action: input.action,
    target: input.target ? { type: input.target.type, id: cut(input.target.id) } : null,
    ok: input.ok ?? true,
    prev: base.hash,
  };
  if (input.ip) body.ip = input.ip.slice(0, 64);
  if (input.userAgent) body.userAgent = cut(input.userAgent);
  if (input.detail) body.detail = smallDetail(input.detail);
  const entry: AuditEntry = { ...body, hash: await hashEntry(body) };
  const next: AuditHead = { seq: entry.seq, hash: entry.hash };
  op.set(keys.auditEntry(entry.seq), entry).set(keys.auditHead(), next);
  noteHead(op, CHAIN, next);
  return entry;
}

/** Writes an entry on its own (an event with no other write), retrying on a moved head. */
export async function recordAudit(
  kv: Deno.Kv,
  clock: Clock,
  input: AuditInput,
): Promise<AuditEntry> {
  input = withMeta(input);
  return await serially(kv, async () => {
    for (let i = 0; i < RECORD_ATTEMPTS; i++) {
      const op = kv.atomic();
      const entry = await stageAudit(kv, op, clock, input);
      if ((await op.commit()).ok) return entry;
    }
    throw new ApiError("unavailable", "the audit log is busy; try again", 1);
  });
}

/**
 * Runs `build` on a fresh operation and commits it, again from the start while the commit
 * fails (for writes that stage an audit entry outside fanout: a concurrent entry moves the
 * head). `build` returns null when it decided not to commit; a commit that fails for another
 * reason is told apart by `build` itself, which re-reads and throws its own conflict.
 */
export function commitAudited<T>(
  kv: Deno.Kv,
  build: (op: Deno.AtomicOperation) => Promise<T>,
): Promise<T> {
  return serially(kv, async () => {
    for (let i = 0; i < RECORD_ATTEMPTS; i++) {
      const op = kv.atomic();
      const result = await build(op);
      if ((await op.commit()).ok) return result;
    }
    throw new ApiError("unavailable", "too much contention; try again", 1);
  });
}

/**
 * `kv.atomic()` for a plain (non-fanout) write that carries an audit entry: the same builder,
 * whose `commit()` adds the entry and, when only the chain's head moved meanwhile (another
 * entry committed first), commits again on the new head. A commit that failed one of the
 * writer's own checks returns `{ok: false}` as usual. The request's address and user agent are
 * taken now, where the write is requested.
 */
export function auditedAtomic(
  kv: Deno.Kv,
  clock: Clock,
  input: AuditInput,
): Deno.AtomicOperation {
  const full = withMeta(input);
  const staged = new StagedOperation();
  const checks: Deno.AtomicCheck[] = [];
  const recorder = staged.op;
  const check = staged.check.bind(staged);
  staged.check = (...cs: Deno.AtomicCheck[]) => {
    checks.push(...cs);
    return check(...cs);
  };
  // deno-lint-ignore no-explicit-any
  (staged as any).commit = (): Promise<Deno.KvCommitResult | Deno.KvCommitError> =>
    serially(kv, async () => {
      for (let i = 0; i < RECORD_ATTEMPTS; i++) {
        const op = kv.atomic();
        staged.replay(op);
        await stageAudit(kv, op, clock, full);
        const res = await op.commit();
        if (res.ok) return res;
        // Retry only when every check of the writer's own still holds (the head moved).
        const now = checks.length ? await getManyChecks(kv, checks) : [];
        if (now.some((vs, j) => vs !== checks[j].versionstamp)) return res;
      }
      throw new ApiError("unavailable", "the audit log is busy; try again", 1);
    });
  return recorder;
}

async function getManyChecks(kv: Deno.Kv, checks: Deno.AtomicCheck[]): Promise<(string | null)[]> {
  const out: (string | null)[] = [];
  for (let i = 0; i < checks.length; i += 10) {
    const got = await kv.getMany(checks.slice(i, i + 10).map((c) => c.key));
    for (const g of got) out.push(g.versionstamp);
  }
  return out;
}

/** An audit input with the current request's address and user agent (read it at the call). */
export function withMeta(input: AuditInput): AuditInput {
  const meta = requestMeta();
  return { ip: meta.ip, userAgent: meta.userAgent, ...input, actor: input.actor ?? meta.actor };
}
