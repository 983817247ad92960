/**
 * XLSX through exceljs's streaming writer (WorkbookWriter): each row is committed to the zip
 * as it is read, and reading pauses while the client has not taken what was written, so
 * memory stays bounded whatever the row count. No shared strings table (it would grow with
 * the rows) and no styles but a date format.
 */
import ExcelJS from "exceljs";
import { PassThrough } from "node:stream";
import type { Cell, ExportTable } from "./table.ts";

/** Bytes written but not yet read by the client, above which reading rows pauses. */
const HIGH_WATER_BYTES = 1 << 20;
/** Rows between two checks of that. */
const ROWS_PER_CHECK = 200;

function xlsxCell(v: Cell): string | number | boolean | Date | null {
  if (v === undefined) return null;
  // Text that looks like a formula stays text: exceljs writes strings as strings, never formulas.
  return v;
}

/** The table as an XLSX byte stream. */
export function xlsxStream<R>(table: ExportTable<R>): ReadableStream<Uint8Array> {
  const pass = new PassThrough();
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: pass,
    useSharedStrings: false,
    useStyles: true,
  });
  const ws = wb.addWorksheet(table.name.slice(0, 31));
  ws.columns = table.columns.map((c, i) => ({
    header: c.header,
    key: String(i),
    width: c.width ?? 16,
  }));
  // The zip's bytes wait here until the reader takes them; rows are read only while few wait.
  const queue: Uint8Array[] = [];
  let queued = 0;
  let ended = false;
  let cancelled = false;
  let failed: unknown = null;
  let wakeReader: (() => void) | null = null;
  let wakeWriter: (() => void) | null = null;
  pass.on("data", (c: Uint8Array) => {
    queue.push(c);
    queued += c.byteLength;
    wakeReader?.();
  });
  pass.on("end", () => {
    ended = true;
    wakeReader?.();
  });
  pass.on("error", (e: unknown) => {
    failed = e;
    wakeReader?.();
  });

  (async () => {
    const it = table.rows[Symbol.asyncIterator]();
    try {
      let n = 0;
      for (let r = await it.next(); !r.done; r = await it.next()) {
        if (cancelled) return void await it.return?.(undefined);
        const row = ws.addRow(table.columns.map((c) => xlsxCell(c.value(r.value))));
        row.eachCell((cell) => {
          if (cell.value instanceof Date) cell.numFmt = "yyyy-mm-dd hh:mm:ss";
        });
        row.commit();
        if (++n % ROWS_PER_CHECK === 0) {
          while (queued > HIGH_WATER_BYTES && !cancelled) {
            await new Promise<void>((ok) => wakeWriter = ok);
          }
        }
      }
      ws.commit();
      await wb.commit();
    } catch (err) {
      pass.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  })();

  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      while (!queue.length && !ended && failed === null) {
        await new Promise<void>((ok) => wakeReader = ok);
      }
      wakeReader = null;
      if (queue.length) {
        const c = queue.shift()!;
        queued -= c.byteLength;
        ctrl.enqueue(c);
        if (queued <= HIGH_WATER_BYTES) wakeWriter?.();
      } else if (failed !== null) ctrl.error(failed);
      else ctrl.close();
    },
    cancel() {
      cancelled = true;
      wakeWriter?.();
      pass.destroy();
    },
  }, { highWaterMark: 0 });
}
