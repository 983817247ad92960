/**
 * Exports of search results and of report tables: the same rows as the JSON answers, with the
 * same access (nobody downloads what they may not read).
 */
import assert from "node:assert/strict";
import ExcelJS from "exceljs";
import { adminClient, type Client, startServer, userClient } from "./_helpers.ts";
import type { SearchHit, SearchPage } from "../lib/search/model.ts";

type Table = {
  id: string;
  columns: { key: string; label: string }[];
  rows: Record<string, string | number | null>[];
};

async function download(c: Client, path: string) {
  const res = await fetch(c.base + path, { headers: { cookie: c.cookie } });
  return { status: res.status, type: res.headers.get("content-type"), body: await res.bytes() };
}

/** RFC 4180 rows of an export (after its byte order mark). */
function parseCsv(bytes: Uint8Array): string[][] {
  const text = new TextDecoder().decode(bytes).replace(/^\ufeff/, "");
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') cell += '"', i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(cell), cell = "";
    else if (ch === "\n") row.push(cell.replace(/\r$/, "")), rows.push(row), row = [], cell = "";
    else cell += ch;
  }
  return rows;
}

/** Every hit of a search, page after page, as the search page reads them. */
async function allHits(c: Client, q: string): Promise<SearchHit[]> {
  const out: SearchHit[] = [];
  let cursor: string | null = null;
  do {
    const r = await c.get(`/api/v1/search?q=${q}&limit=50${cursor ? `&cursor=${cursor}` : ""}`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const page = r.json as SearchPage;
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

async function setup() {
  // 51 rows at most: one more than a search page, so that the export reads two pages.
  const srv = await startServer({ config: { sendRatePerSec: 0, exportMaxRows: 51 } });
  const { client: admin, user: adminUser } = await adminClient(srv);
  const bob = await userClient(srv, "Bob");
  const carol = await userClient(srv, "Carol");
  const dave = await userClient(srv, "Dave");
  const conv = (await admin.post("/api/v1/conversations", {
    kind: "group",
    title: "ops",
    memberIds: [bob.user.id],
  })).json.conversation;
  const hidden = (await admin.post("/api/v1/conversations", {
    kind: "group",
    title: "hidden-room",
    memberIds: [dave.user.id],
  })).json.conversation;
  const team = (await admin.post("/api/v1/teams", {
    name: "Payments",
    memberIds: [bob.user.id],
    adminIds: [adminUser.id],
  })).json.team;
  const { integration, token } = (await admin.post("/api/v1/integrations", {
    name: "text",
    type: "text",
    teamId: team.id,
  })).json;
  const fire = async (title: string, priority: string) => {
    const r = await fetch(`${srv.url}/hooks/${integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, title, priority },
      body: title,
    });
    const text = await r.text();
    assert.equal(r.status, 202, text);
  };
  return { srv, admin, bob, carol, conv, hidden, team, fire };
}

Deno.test("export - search results as CSV: the caller's hits, page after page up to the row limit; an outsider's export holds none", async () => {
  const { srv, admin, bob, carol, conv, hidden, fire } = await setup();
  await using _srv = srv;
  for (let i = 0; i < 52; i++) {
    const r = await admin.post(`/api/v1/conversations/${conv.id}/messages`, {
      clientId: `m${i}`,
      text: `deploy step ${i}`,
    });
    assert.equal(r.status, 201);
  }
  await admin.post(`/api/v1/conversations/${hidden.id}/messages`, {
    clientId: "h",
    text: "deploy hidden-secret",
  });
  await fire("deploy failed", "high");

  const hits = await allHits(bob.client, "deploy");
  assert.equal(hits.length, 53, "52 messages and the alert");
  const csv = await download(bob.client, "/api/v1/search/export?q=deploy&format=csv&lang=en");
  assert.equal(csv.status, 200);
  assert.match(csv.type!, /text\/csv/);
  const rows = parseCsv(csv.body);
  assert.deepEqual(rows[0], [
    "Time",
    "Event",
    "Conversation",
    "Sender",
    "Alert",
    "Alert status",
    "Priority",
    "Text",
  ]);
  const body = rows.slice(1);
  assert.equal(body.length, 51, "the export row limit");
  assert.deepEqual(
    body.map((r) => [r[0], r[7]]),
    hits.slice(0, 51).map((h) => [new Date(h.at).toISOString(), h.excerpt]),
  );
  assert.equal(body[0][1], "alert");
  assert.deepEqual(body[0].slice(3, 7), ["", "deploy failed", "triggered", "high"]);
  assert.deepEqual(body[1].slice(1, 4), ["message", "ops", "Admin"]);
  assert.equal(rows.flat().some((c) => c.includes("hidden")), false, "not in Bob's rooms");

  // Carol is in neither the room nor the team: her export is the header alone.
  const outsider = parseCsv(
    (await download(carol.client, "/api/v1/search/export?q=deploy")).body,
  );
  assert.equal(outsider.length, 1);
  // A filter on a room that is not hers is an error answer, not a broken download.
  const foreign = await carol.client.get(
    `/api/v1/search/export?q=deploy&conversationId=${conv.id}`,
  );
  assert.equal(foreign.status, 404);
  assert.equal(foreign.json.error.code, "not_found");
  assert.equal((await bob.client.get("/api/v1/search/export?format=csv")).status, 400);
});

Deno.test("export - each report table as XLSX has the JSON report's rows; same access as the report", async () => {
  const { srv, admin, bob, carol, team, fire } = await setup();
  await using _srv = srv;
  await fire("disk full", "high");
  await fire("cpu hot", "urgent");

  const q = `team=${team.id}`;
  const report = (await bob.client.get(`/api/v1/reports?${q}`)).json.report as {
    tables: Table[];
  };
  assert.equal(report.tables.length, 7);
  for (const table of report.tables) {
    const x = await download(
      bob.client,
      `/api/v1/reports/export?${q}&table=${table.id}&format=xlsx`,
    );
    assert.equal(x.status, 200, table.id);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(x.body as unknown as Parameters<typeof wb.xlsx.load>[0]);
    const ws = wb.getWorksheet(`report_${table.id}`)!;
    const values = (n: number) =>
      table.columns.map((_, i) => ws.getRow(n).getCell(i + 1).value ?? null);
    assert.deepEqual(values(1), table.columns.map((c) => c.label), table.id);
    assert.equal(ws.rowCount, table.rows.length + 1, table.id);
    table.rows.forEach((r, i) =>
      assert.deepEqual(values(i + 2), table.columns.map((c) => r[c.key]), table.id)
    );
  }
  const titles = report.tables.find((t) => t.id === "titles")!;
  assert.equal(titles.rows.length, 2);

  // Chinese headings; the same access as the report; a table that does not exist is 400.
  const zh = parseCsv(
    (await download(bob.client, `/api/v1/reports/export?${q}&table=titles&lang=zh`)).body,
  );
  assert.deepEqual(zh[0], ["标题", "告警数", "从未确认"]);
  assert.equal((await carol.client.get(`/api/v1/reports/export?${q}&table=titles`)).status, 404);
  assert.equal((await bob.client.get("/api/v1/reports/export?table=titles")).status, 403);
  assert.equal((await admin.get("/api/v1/reports/export?table=teams")).status, 200);
  assert.equal((await bob.client.get(`/api/v1/reports/export?${q}&table=nope`)).status, 400);
});
