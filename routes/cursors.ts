/**
 * The compact cursor form used in query strings and SSE event ids:
 * `ID:SEQ,ID:SEQ` (ids are ULIDs, seqs non-negative integers).
 */
import { ApiError } from "../lib/core/errors.ts";
import { isUlid } from "../lib/core/ids.ts";
import type { Cursors } from "../lib/protocol.ts";

/** Most cursors one request may name. */
export const MAX_CURSORS = 10_000;

export function parseCursors(s: string | undefined | null): Cursors {
  const out: Cursors = {};
  if (!s) return out;
  const parts = s.split(",");
  if (parts.length > MAX_CURSORS) throw new ApiError("invalid_input", "too many cursors");
  for (const p of parts) {
    if (!p) continue;
    const [id, seq, extra] = p.split(":");
    const n = Number(seq);
    if (extra !== undefined || !isUlid(id ?? "") || !Number.isSafeInteger(n) || n < 0) {
      throw new ApiError("invalid_input", "cursors: expected ID:SEQ pairs separated by commas");
    }
    out[id] = Math.max(out[id] ?? 0, n);
  }
  return out;
}

export function formatCursors(c: Iterable<[string, number]>): string {
  return [...c].map(([id, seq]) => `${id}:${seq}`).join(",");
}
