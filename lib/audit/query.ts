/**
 * Reading the audit log: newest first, filtered by actor, action, target and time range.
 * Entries are in commit order, which is time order to within the clocks of the writing
 * processes, so a scan stops once it passes the start of the range.
 */
import { keys } from "../core/keys.ts";
import type { AuditEntry } from "./chain.ts";

export interface AuditFilter {
  /** Actor id, or a part of the actor's name or e-mail. */
  actor?: string;
  /** An action, or a prefix ending in "." (`alert.` for every alert action). */
  action?: string;
  /** Target id, or `type:id`, or a type followed by ":" for every target of that type. */
  target?: string;
  from?: number;
  to?: number;
  /** Only failed (false) or successful (true) actions. */
  ok?: boolean;
}

/** Whether an entry passes the filter (time range aside). */
export function matches(e: AuditEntry, f: AuditFilter): boolean {
  if (f.actor) {
    const a = f.actor.toLowerCase();
    if (e.actorId !== f.actor && !e.actorName.toLowerCase().includes(a)) return false;
  }
  if (f.action) {
    if (f.action.endsWith(".") ? !e.action.startsWith(f.action) : e.action !== f.action) {
      return false;
    }
  }
  if (f.target) {
    const t = e.target;
    if (!t) return false;
    const full = `${t.type}:${t.id}`;
    if (
      f.target.endsWith(":") ? !full.startsWith(f.target) : (t.id !== f.target && full !== f.target)
    ) {
      return false;
    }
  }
  if (f.ok !== undefined && e.ok !== f.ok) return false;
  return true;
}

/**
 * The entries that match, newest first, starting below seq `before` (exclusive). Reads at most
 * `scanMax` entries; yields `{entry}` per match and a final `{scannedTo}` with the lowest seq
 * read when it stopped early (a cursor to read on from), or `{scannedTo: null}` at the end.
 */
export async function* scanAudit(
  kv: Deno.Kv,
  filter: AuditFilter,
  opts: { before?: number; scanMax?: number } = {},
): AsyncGenerator<{ entry: AuditEntry } | { scannedTo: number | null }> {
  const scanMax = opts.scanMax ?? Infinity;
  let scanned = 0;
  const selector = opts.before !== undefined
    ? { start: keys.auditEntry(0), end: keys.auditEntry(opts.before) }
    : { prefix: keys.auditEntries() };
  for await (
    const e of kv.list<AuditEntry>(selector, { reverse: true, batchSize: 500 })
  ) {
    const v = e.value;
    if (!v || typeof v !== "object") continue;
    if (filter.from !== undefined && v.at < filter.from) break;
    if (scanned++ >= scanMax) {
      yield { scannedTo: e.key[1] as number + 1 };
      return;
    }
    if (filter.to !== undefined && v.at > filter.to) continue;
    if (matches(v, filter)) yield { entry: v };
  }
  yield { scannedTo: null };
}

/** One page of matching entries, newest first; `cursor` reads on (null at the end). */
export async function listAudit(
  kv: Deno.Kv,
  filter: AuditFilter,
  opts: { before?: number; limit: number; scanMax: number },
): Promise<{ items: AuditEntry[]; cursor: number | null }> {
  const items: AuditEntry[] = [];
  for await (const r of scanAudit(kv, filter, { before: opts.before, scanMax: opts.scanMax })) {
    if ("entry" in r) {
      items.push(r.entry);
      if (items.length >= opts.limit) return { items, cursor: r.entry.seq };
    } else return { items, cursor: r.scannedTo };
  }
  return { items, cursor: null };
}
