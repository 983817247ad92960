/**
 * CSV (RFC 4180) as a byte stream pulled row by row. UTF-8 with a byte-order mark so that
 * Excel opens Chinese text correctly; CRLF line ends. A cell that starts like a formula
 * (`=`, `+`, `-`, `@`, tab, CR) is written with a leading `'`, so that alert text from outside
 * cannot run as a formula in a spreadsheet (CSV injection).
 */
import type { Cell, ExportTable } from "./table.ts";

/** Rows encoded per pull: big enough to keep chunks efficient, small enough to stay bounded. */
const ROWS_PER_CHUNK = 200;
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(v: Cell): string {
  if (v === null || v === undefined) return "";
  let s = v instanceof Date ? v.toISOString() : String(v);
  if (typeof v === "string" && FORMULA_START.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The table as CSV bytes; rows are read only as the reader asks for more. */
export function csvStream<R>(table: ExportTable<R>): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  const it = table.rows[Symbol.asyncIterator]();
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      let out = "";
      if (!started) {
        started = true;
        out = "\ufeff" + table.columns.map((c) => csvCell(c.header)).join(",") + "\r\n";
      }
      for (let i = 0; i < ROWS_PER_CHUNK; i++) {
        const r = await it.next();
        if (r.done) {
          if (out) ctrl.enqueue(enc.encode(out));
          ctrl.close();
          return;
        }
        out += table.columns.map((c) => csvCell(c.value(r.value))).join(",") + "\r\n";
      }
      ctrl.enqueue(enc.encode(out));
    },
    async cancel() {
      await it.return?.(undefined);
    },
  }, { highWaterMark: 1 });
}
