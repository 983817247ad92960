/**
 * Verifies the audit chain (lib/audit/chain.ts) from its first entry: the sequence is dense,
 * each entry sits under its own seq, links to the hash of the one before, and hashes to what
 * it says. The first entry that fails is named, with why. The head must name the last entry,
 * so a cut-off tail is caught too. (Deleting the tail and rewriting the head to match cannot be
 * told from a shorter log by the log alone: keep the verdict's count and last hash elsewhere,
 * e.g. in the operator's monitoring, to catch that.)
 */
import { keys } from "../core/keys.ts";
import { type AuditEntry, type AuditHead, GENESIS, hashEntry } from "./chain.ts";

export type BreakReason =
  | "missing"
  | "out_of_order"
  | "unreadable"
  | "prev_mismatch"
  | "hash_mismatch"
  | "head_mismatch";

export interface Verdict {
  ok: boolean;
  /** Entries checked. */
  count: number;
  /** The last good entry's hash (the chain's tip when ok). */
  lastHash: string;
  /** The first broken entry: its seq and why. */
  broken?: { seq: number; reason: BreakReason };
}

/** Reads the whole chain in order (one list, constant memory) and says where it first breaks. */
export async function verifyAudit(kv: Deno.Kv): Promise<Verdict> {
  let expected = 1;
  let prev = GENESIS;
  const fail = (seq: number, reason: BreakReason): Verdict => ({
    ok: false,
    count: expected - 1,
    lastHash: prev,
    broken: { seq, reason },
  });
  for await (const e of kv.list<AuditEntry>({ prefix: keys.auditEntries() }, { batchSize: 500 })) {
    const seq = e.key[1];
    if (typeof seq !== "number") return fail(expected, "unreadable");
    if (seq !== expected) return fail(expected, "missing");
    const v = e.value;
    if (!v || typeof v !== "object" || typeof v.hash !== "string") return fail(seq, "unreadable");
    if (v.seq !== seq) return fail(seq, "out_of_order");
    if (v.prev !== prev) return fail(seq, "prev_mismatch");
    if (await hashEntry(v) !== v.hash) return fail(seq, "hash_mismatch");
    prev = v.hash;
    expected++;
  }
  const head = (await kv.get<AuditHead>(keys.auditHead())).value;
  const last = expected - 1;
  if ((head?.seq ?? 0) !== last || (head?.hash ?? GENESIS) !== prev) {
    // The head names entries past the last one read: those were cut off.
    return fail(last + 1, "head_mismatch");
  }
  return { ok: true, count: last, lastHash: prev };
}
