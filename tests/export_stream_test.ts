/**
 * 100,000 alerts exported as a stream. What this proves: the CSV through the API has every row
 * (and only the caller's alerts); while the reader pauses, the writers stop reading rows a bounded
 * number of rows ahead of what was read (backpressure), so the memory an export holds does not
 * grow with the row count. RSS is sampled too, but it is only a coarse guard: the test process
 * also holds the in-memory KV and the server.
 */
import assert from "node:assert/strict";
import { startServer, type TestServer } from "./_helpers.ts";
import { setupTeam } from "./_process.ts";
import { keys } from "../lib/core/keys.ts";
import { ulid } from "../lib/core/ids.ts";
import type { Alert } from "../lib/alerts/model.ts";
import { stageAlertIndexes } from "../lib/alerts/alert_index.ts";
import { getUser } from "../lib/accounts/users.ts";
import { alertsTable } from "../lib/export/tables.ts";
import { csvStream } from "../lib/export/csv.ts";
import { xlsxStream } from "../lib/export/xlsx.ts";
import type { ExportTable } from "../lib/export/table.ts";

const N = 100_000;
/**
 * Alerts per seeding commit: each is its record, its list indexes and its search postings (about
 * a dozen writes), well under KV's 1,000 mutations per commit.
 */
const PER_COMMIT = 60;

async function seedAlerts(srv: TestServer, template: Alert): Promise<void> {
  const t0 = template.createdAt - N;
  for (let i = 0; i < N; i += PER_COMMIT) {
    const op = srv.kv.atomic();
    for (let j = i; j < Math.min(N, i + PER_COMMIT); j++) {
      const a: Alert = { ...template, id: ulid(t0 + j), createdAt: t0 + j, title: `alert ${j}` };
      op.set(keys.alert(a.id), a);
      stageAlertIndexes(op, null, a);
    }
    assert.ok((await op.commit()).ok);
  }
}

/** Counts the rows the writer has pulled from the table. */
function counted<R>(table: ExportTable<R>): { table: ExportTable<R>; pulled: () => number } {
  let n = 0;
  async function* rows() {
    for await (const r of table.rows) {
      n++;
      yield r;
    }
  }
  return { table: { ...table, rows: rows() }, pulled: () => n };
}

const pause = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/** Waits until `n()` stops moving (the same over 300 ms); fails when it never does. */
async function settled(n: () => number, what: string): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const v = n();
    await pause(300);
    if (n() === v) return v;
  }
  throw new Error(`${what}: the writer never stopped pulling rows`);
}

Deno.test("export - 100,000 alerts stream out as CSV with every row, and a paused reader stops the writers", async () => {
  await using srv = await startServer();
  const { admin, hook } = await setupTeam(srv.url, "text");
  await fetch(`${srv.url}/hooks/${hook.integration.id}`, {
    method: "POST",
    headers: { authorization: `Bearer ${hook.token}`, "content-type": "text/plain" },
    body: "template",
  }).then((r) => r.body?.cancel());
  const first = (await admin.get("/api/v1/alerts")).json.items[0] as Alert;
  await seedAlerts(srv, first);
  const token = (await admin.post("/api/v1/tokens", { name: "export" })).json.token;

  // Through the API with a token, as a script would: count lines as they arrive.
  const rss0 = Deno.memoryUsage().rss;
  let peak = rss0;
  const res = await fetch(`${srv.url}/api/v1/alerts/export?format=csv`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 200);
  let lines = 0;
  let chunks = 0;
  for await (const chunk of res.body!) {
    for (const b of chunk) if (b === 10) lines++;
    if (++chunks % 50 === 0) peak = Math.max(peak, Deno.memoryUsage().rss);
  }
  assert.equal(lines, N + 2, "a header, the template alert and the seeded ones");
  assert.ok(chunks > 100, `streamed in many chunks (${chunks})`);
  // Coarse: the whole CSV is ~15 MB and the KV holds ~150 MB of alerts; growth stays small.
  assert.ok(peak - rss0 < 200 * 2 ** 20, `RSS grew ${((peak - rss0) / 2 ** 20).toFixed(0)} MB`);

  // Backpressure, CSV and XLSX: read a little, stop reading, and the writer stops pulling rows.
  const user = (await getUser(srv.kv, (await admin.get("/api/v1/me")).json.user.id))!;
  for (const [name, write] of [["csv", csvStream], ["xlsx", xlsxStream]] as const) {
    const c = counted(alertsTable(srv.core, user, {}, "en"));
    const reader = write(c.table).getReader();
    for (let i = 0; i < 3; i++) assert.ok(!(await reader.read()).done);
    const held = await settled(c.pulled, name);
    // CSV: 200 rows per chunk, a few chunks queued (800 seen); XLSX: 1 MB of zip waiting (~13k).
    assert.ok(held < (name === "csv" ? 2_000 : 40_000), `${name}: ${held} rows ahead`);
    // Reading on pulls more rows.
    for (let i = 0; i < 10_000 && c.pulled() === held; i++) await reader.read();
    assert.ok(c.pulled() > held, `${name}: reading on pulls rows`);
    await reader.cancel();
  }
});
