/** CSV import of users: the dry run writes nothing and says what would change; applying does it row by row. */
import assert from "node:assert/strict";
import { parseCsv } from "../lib/accounts/csv_import.ts";
import { adminClient, startServer, userClient } from "./_helpers.ts";

Deno.test("user import - parseCsv reads quotes, doubled quotes, CRLF and a BOM", () => {
  assert.deepEqual(parseCsv('\uFEFFemail,name\r\n"a@x.io","Lee, ""Al"""\r\n\r\nb@x.io,B'), [
    ["email", "name"],
    ["a@x.io", 'Lee, "Al"'],
    ["b@x.io", "B"],
  ]);
});

Deno.test("user import - dry run reports create/update/unchanged/errors and writes nothing; apply commits each row", async () => {
  await using srv = await startServer();
  const { client: admin, user: me } = await adminClient(srv);
  const ann = await userClient(srv, "Ann");
  const team = (await admin.post("/api/v1/teams", { name: "Payments", memberIds: [] })).json.team;
  const csv = [
    "Email,Name,Role,Teams,Department",
    "new.one@example.com,New One,member,Payments,Finance",
    `${ann.user.email},Ann Renamed,,payments;,`,
    `${ann.user.email},Twice,,,`,
    "admin@example.com,Admin,,,",
    "bad-address,X,,,",
    "nobody@example.com,Nobody,boss,,",
    "ghost@example.com,Ghost,,No Such Team,",
    "noname@example.com,,,,",
    "admin@example.com,Admin,member,,",
  ].join("\n");
  const dry = await admin.post("/api/v1/user-import", { csv });
  assert.equal(dry.status, 200, JSON.stringify(dry.json));
  assert.equal(dry.json.applied, false);
  const summary = dry.json.rows.map((
    r: { line: number; action: string; changes: string[] },
  ) => [r.line, r.action, r.changes]);
  assert.deepEqual(summary.slice(0, 4), [
    [2, "create", ["name", "team:Payments"]],
    [3, "update", ["name", "team:Payments"]],
    [4, "error", []],
    [5, "unchanged", []],
  ]);
  assert.deepEqual(dry.json.rows.slice(4).map((r: { action: string }) => r.action), [
    "error",
    "error",
    "error",
    "error",
    "error",
  ]);
  assert.match(dry.json.rows[6].error, /No Such Team/);
  // Nothing was written.
  assert.equal((await admin.get("/api/v1/users?q=new.one")).json.items.length, 0);
  assert.equal((await admin.get(`/api/v1/users/${ann.user.id}`)).json.user.name, "Ann");

  const applied = await admin.post("/api/v1/user-import", { csv, apply: true });
  assert.equal(applied.json.applied, true);
  assert.deepEqual(
    applied.json.rows.map((r: { action: string }) => r.action),
    dry.json.rows.map((r: { action: string }) => r.action),
  );
  const created = (await admin.get("/api/v1/users?q=new.one")).json.items[0];
  assert.equal(created.name, "New One");
  assert.equal((await admin.get(`/api/v1/users/${ann.user.id}`)).json.user.name, "Ann Renamed");
  const members = (await admin.get(`/api/v1/teams/${team.id}`)).json.members.map((
    m: { userId: string },
  ) => m.userId).sort();
  assert.deepEqual(members, [ann.user.id, created.id].sort());
  assert.equal((await admin.get(`/api/v1/users/${me.id}`)).json.user.role, "admin");
  // Running it again changes nothing.
  const again = await admin.post("/api/v1/user-import", { csv, apply: false });
  assert.deepEqual(again.json.rows.slice(0, 2).map((r: { action: string }) => r.action), [
    "unchanged",
    "unchanged",
  ]);
  // Limits and access.
  assert.equal((await ann.client.post("/api/v1/user-import", { csv })).status, 403);
  assert.equal((await admin.post("/api/v1/user-import", { csv: "name\nX" })).status, 400);
});

Deno.test("user import - rows and size limits from the config", async () => {
  await using srv = await startServer({ config: { csvImportMaxRows: 2, csvImportMaxBytes: 200 } });
  const { client: admin } = await adminClient(srv);
  const rows = (n: number) =>
    ["email,name", ...Array.from({ length: n }, (_, i) => `u${i}@example.com,U${i}`)].join("\n");
  assert.equal((await admin.post("/api/v1/user-import", { csv: rows(2) })).status, 200);
  const many = await admin.post("/api/v1/user-import", { csv: rows(3) });
  assert.equal(many.status, 400);
  assert.match(many.json.error.message, /at most 2 rows/);
  const big = await admin.post("/api/v1/user-import", { csv: rows(1) + ",".repeat(300) });
  assert.equal(big.status, 413);
});
