/**
 * What an export writes: a table of columns over an async row iterator. Any list can be
 * exported by giving one (alerts, an alert's timeline and deliveries, the audit log, and
 * whatever else builds an `ExportTable`: search results, report tables). The writers (csv.ts,
 * xlsx.ts) pull rows one at a time as the client reads, so memory does not grow with rows.
 */

/** One cell: text, a number, a time (written as ISO 8601 / an Excel date), or empty. */
export type Cell = string | number | boolean | Date | null | undefined;

export interface Column<R> {
  /** The header, in the export's language. */
  header: string;
  value: (row: R) => Cell;
  /** Width in characters, for XLSX (default 16). */
  width?: number;
}

export interface ExportTable<R> {
  /** The sheet name and the start of the file name (letters, digits, `-` and `_`). */
  name: string;
  columns: Column<R>[];
  rows: AsyncIterable<R>;
}

export type ExportFormat = "csv" | "xlsx";

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};

/** The rows of `rows`, at most `max` of them (the export's row limit). */
export async function* take<R>(rows: AsyncIterable<R>, max: number): AsyncGenerator<R> {
  if (max <= 0) return;
  let n = 0;
  for await (const r of rows) {
    yield r;
    if (++n >= max) return;
  }
}

/** Pages of a `{items, cursor}` lister as one row iterator. */
export async function* paged<R, C>(
  page: (cursor: C | null) => Promise<{ items: R[]; cursor: C | null }>,
): AsyncGenerator<R> {
  let cursor: C | null = null;
  do {
    const p = await page(cursor);
    yield* p.items;
    if (p.cursor === null || p.cursor === cursor || !p.items.length && p.cursor === null) return;
    cursor = p.cursor;
  } while (cursor !== null);
}

/** A time as ISO 8601 (UTC), empty for null. */
export function isoTime(ms: number | null | undefined): Date | null {
  return ms === null || ms === undefined ? null : new Date(ms);
}
