import assert from "node:assert/strict";
import ExcelJS from "exceljs";
import { adminClient, type Client, startServer, type TestServer, userClient } from "./_helpers.ts";
import { keys } from "../lib/core/keys.ts";
import type { AuditEntry } from "../lib/audit/chain.ts";
import { recordAudit } from "../lib/audit/chain.ts";
import { verifyAudit } from "../lib/audit/verify.ts";
import { systemClock } from "../lib/core/clock.ts";

const UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1";

async function entries(kv: Deno.Kv): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  for await (const e of kv.list<AuditEntry>({ prefix: keys.auditEntries() })) out.push(e.value);
  return out;
}

async function team(srv: TestServer) {
  const { client: admin, user: adminUser } = await adminClient(srv);
  const { client: member, user: memberUser } = await userClient(srv, "Oncall");
  const t = (await admin.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [memberUser.id],
    adminIds: [adminUser.id],
  })).json.team;
  const r = await admin.post("/api/v1/integrations", { name: "text", type: "text", teamId: t.id });
  const hook = (text: string) =>
    fetch(`${srv.url}/hooks/${r.json.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${r.json.token}`, "content-type": "text/plain" },
      body: text,
    }).then((res) => res.body?.cancel());
  return { admin, adminUser, member, memberUser, team: t, hook };
}

async function alertIds(c: Client): Promise<string[]> {
  return (await c.get("/api/v1/alerts?sort=oldest")).json.items.map((a: { id: string }) => a.id);
}

Deno.test("audit - logins (failed ones too), tokens, teams and alert actions form one verified chain", async () => {
  await using srv = await startServer();
  const t = await team(srv);
  // A failed login is recorded with its address and user agent; it writes nothing else.
  const bad = await fetch(`${srv.url}/api/v1/session`, {
    method: "POST",
    headers: { "content-type": "application/json", "user-agent": UA, origin: srv.url },
    body: JSON.stringify({ email: "nobody@example.com", password: "wrong-password" }),
  });
  assert.equal(bad.status, 401);
  await bad.body?.cancel();
  const tok = await t.admin.post("/api/v1/tokens", { name: "script" });
  assert.equal(tok.status, 201);
  assert.equal((await t.admin.delete(`/api/v1/tokens/${tok.json.apiToken.id}`)).status, 200);
  const pw = (current: string) =>
    t.admin.post("/api/v1/me/password", { current, next: "another-password" });
  assert.equal((await pw("not-the-password")).status, 403);
  assert.equal((await pw("admin-password")).status, 200);
  await t.hook("disk full");
  const [id] = await alertIds(t.member);
  assert.equal((await t.member.post(`/api/v1/alerts/${id}/ack`, { note: "mine" })).status, 200);
  assert.equal(
    (await t.member.post(`/api/v1/alerts/${id}/notes`, { text: "looking" })).status,
    200,
  );
  assert.equal((await t.member.post(`/api/v1/alerts/${id}/resolve`)).status, 200);

  const all = await entries(srv.kv);
  const actions = all.map((e) => e.action);
  for (
    const a of [
      "auth.setup",
      "user.create",
      "auth.login",
      "team.create",
      "integration.create",
      "token.create",
      "token.revoke",
      "alert.ack",
      "alert.note",
      "alert.resolve",
    ]
  ) assert.ok(actions.includes(a), `${a} in ${actions.join(",")}`);
  assert.deepEqual(
    all.filter((e) => e.action === "auth.password_change").map((e) => e.ok),
    [false, true],
  );
  const failed = all.find((e) => e.action === "auth.login" && !e.ok)!;
  assert.equal(failed.userAgent, UA);
  assert.equal(failed.actorId, null);
  assert.equal(failed.detail?.email, "nobody@example.com");
  assert.ok(failed.ip, "the address");
  const ack = all.find((e) => e.action === "alert.ack")!;
  assert.deepEqual(ack.target, { type: "alert", id });
  assert.equal(ack.actorId, t.memberUser.id);
  // The chain: dense seqs, each linked to the one before.
  all.forEach((e, i) => {
    assert.equal(e.seq, i + 1);
    if (i) assert.equal(e.prev, all[i - 1].hash);
  });
  const v = await t.admin.get("/api/v1/audit/verify");
  assert.deepEqual(v.json, { ok: true, count: all.length, lastHash: all.at(-1)!.hash });
  // Members neither list nor verify.
  assert.equal((await t.member.get("/api/v1/audit")).status, 403);
  assert.equal((await t.member.get("/api/v1/audit/verify")).status, 403);
});

Deno.test("audit - an entry commits with its action: a refused action leaves none, concurrent writers never fork the chain", async () => {
  await using srv = await startServer();
  const t = await team(srv);
  for (let i = 0; i < 12; i++) await t.hook(`alert ${i}`);
  const ids = await alertIds(t.member);
  assert.equal(ids.length, 12);
  assert.equal((await t.member.post(`/api/v1/alerts/${ids[0]}/resolve`)).status, 200);
  const before = (await entries(srv.kv)).length;
  // Resolving again is refused (409): no entry.
  assert.equal((await t.member.post(`/api/v1/alerts/${ids[0]}/resolve`)).status, 409);
  assert.equal((await entries(srv.kv)).length, before);
  // Eleven acks, a profile edit and failed-login entries at once: each commits exactly once.
  const results = await Promise.all([
    ...ids.slice(1).map((id) => t.member.post(`/api/v1/alerts/${id}/ack`)),
    t.admin.patch("/api/v1/me", { name: "Admin 2" }),
    recordAudit(srv.kv, systemClock, { actor: null, action: "auth.login", ok: false }),
    recordAudit(srv.kv, systemClock, { actor: null, action: "auth.login", ok: false }),
  ]);
  for (const r of results.slice(0, 12)) assert.equal((r as { status: number }).status, 200);
  const all = await entries(srv.kv);
  assert.equal(all.length, before + 14);
  assert.equal(all.filter((e) => e.action === "alert.ack").length, 11);
  assert.deepEqual(
    new Set(all.filter((e) => e.action === "alert.ack").map((e) => e.target!.id)),
    new Set(ids.slice(1)),
  );
  assert.equal((await verifyAudit(srv.kv)).ok, true);
});

Deno.test("audit - verify names an edited, a deleted, a reordered and a cut-off entry", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    for (let i = 0; i < 6; i++) {
      await recordAudit(kv, systemClock, { actor: null, action: `test.${i}` });
    }
    assert.equal((await verifyAudit(kv)).count, 6);
    const e3 = (await kv.get<AuditEntry>(keys.auditEntry(3))).value!;
    const e4 = (await kv.get<AuditEntry>(keys.auditEntry(4))).value!;
    // Edited.
    await kv.set(keys.auditEntry(3), { ...e3, action: "test.other" });
    assert.deepEqual((await verifyAudit(kv)).broken, { seq: 3, reason: "hash_mismatch" });
    await kv.set(keys.auditEntry(3), e3);
    // Swapped (reordered).
    await kv.set(keys.auditEntry(3), e4);
    await kv.set(keys.auditEntry(4), e3);
    assert.deepEqual((await verifyAudit(kv)).broken, { seq: 3, reason: "out_of_order" });
    // Renumbered to hide the swap: the link to the one before breaks.
    await kv.set(keys.auditEntry(3), { ...e4, seq: 3 });
    assert.equal((await verifyAudit(kv)).broken?.seq, 3);
    await kv.set(keys.auditEntry(3), e3);
    await kv.set(keys.auditEntry(4), e4);
    assert.equal((await verifyAudit(kv)).ok, true);
    // Deleted.
    await kv.delete(keys.auditEntry(4));
    assert.deepEqual((await verifyAudit(kv)).broken, { seq: 4, reason: "missing" });
    await kv.set(keys.auditEntry(4), e4);
    // The tail cut off.
    await kv.delete(keys.auditEntry(6));
    assert.deepEqual((await verifyAudit(kv)).broken, { seq: 6, reason: "head_mismatch" });
  } finally {
    kv.close();
  }
});

Deno.test("audit - the list filters by actor, action, target and time, newest first, with a cursor", async () => {
  await using srv = await startServer();
  const t = await team(srv);
  await t.hook("one");
  await t.hook("two");
  const [a, b] = await alertIds(t.member);
  await t.member.post(`/api/v1/alerts/${a}/ack`);
  await t.member.post(`/api/v1/alerts/${b}/ack`);
  await t.admin.post(`/api/v1/alerts/${b}/resolve`);
  const acks = (await t.admin.get("/api/v1/audit?action=alert.ack")).json;
  assert.deepEqual(acks.items.map((e: AuditEntry) => e.target!.id), [b, a]);
  const byMember = (await t.admin.get(`/api/v1/audit?actor=oncall&action=alert.`)).json.items;
  assert.deepEqual(byMember.map((e: AuditEntry) => e.action), ["alert.ack", "alert.ack"]);
  const onB = (await t.admin.get(`/api/v1/audit?target=alert:${b}`)).json.items;
  assert.deepEqual(onB.map((e: AuditEntry) => e.action), ["alert.resolve", "alert.ack"]);
  const page1 = (await t.admin.get("/api/v1/audit?limit=2")).json;
  assert.equal(page1.items.length, 2);
  const page2 = (await t.admin.get(`/api/v1/audit?limit=2&cursor=${page1.cursor}`)).json;
  assert.ok(page2.items[0].seq < page1.items[1].seq);
  const future = new Date(Date.now() + 3600_000).toISOString();
  assert.deepEqual((await t.admin.get(`/api/v1/audit?from=${encodeURIComponent(future)}`)).json, {
    items: [],
    cursor: null,
  });
  assert.equal((await t.admin.get("/api/v1/audit?from=yesterday")).status, 400);
  assert.equal((await t.admin.get("/api/v1/audit?cursor=-1")).status, 400);
});

Deno.test("sessions - a user sees their sessions and ends another one; its cookie stops working", async () => {
  await using srv = await startServer();
  const { client: admin } = await adminClient(srv);
  const { client: phone, user } = await userClient(srv, "Mobile");
  const email = user.email;
  const { Client } = await import("./_helpers.ts");
  const laptop = new Client(srv.url);
  const login = await laptop.request("POST", "/api/v1/session", {
    email,
    password: "user-password",
  }, { "user-agent": UA });
  assert.equal(login.status, 200);
  const list = (await laptop.get("/api/v1/me/sessions")).json.items;
  assert.equal(list.length, 2);
  const mine = list.find((s: { current: boolean }) => s.current);
  const other = list.find((s: { current: boolean }) => !s.current);
  assert.equal(mine.userAgent, UA);
  assert.ok(other.createdAt && other.lastUsedAt && other.ip);
  // Another user cannot end it (it is not theirs): 404, and it still works.
  assert.equal((await admin.delete(`/api/v1/me/sessions/${other.id}`)).status, 404);
  assert.equal((await admin.delete(`/api/v1/me/sessions/not-an-id`)).status, 404);
  assert.equal((await phone.get("/api/v1/me")).status, 200);
  const end = await laptop.request("DELETE", `/api/v1/me/sessions/${other.id}`, undefined, {
    "user-agent": UA,
  });
  assert.equal(end.status, 200);
  assert.equal((await phone.get("/api/v1/me")).status, 401);
  assert.equal((await laptop.get("/api/v1/me/sessions")).json.items.length, 1);
  const ended = (await admin.get("/api/v1/audit?action=session.end")).json.items;
  assert.equal(ended.length, 1);
  assert.deepEqual(ended[0].target, { type: "session", id: other.id });
  assert.equal(ended[0].actorId, user.id);
  assert.equal(ended[0].userAgent, UA);
  // Logging out is recorded too.
  assert.equal((await laptop.delete("/api/v1/session")).status, 200);
  assert.equal((await admin.get("/api/v1/audit?action=auth.logout")).json.items.length, 1);
});

/** Reads XLSX bytes back with the library that wrote them (its types want Node's Buffer). */
export async function loadXlsx(wb: ExcelJS.Workbook, bytes: Uint8Array): Promise<void> {
  await wb.xlsx.load(bytes as unknown as Parameters<typeof wb.xlsx.load>[0]);
}

async function download(c: Client, path: string) {
  const res = await fetch(c.base + path, { headers: { cookie: c.cookie } });
  return { status: res.status, type: res.headers.get("content-type"), body: await res.bytes() };
}

/** UTF-8 text with its byte-order mark kept (TextDecoder drops it by default). */
const utf8 = (b: Uint8Array) => new TextDecoder("utf-8", { ignoreBOM: true }).decode(b);

function parseCsv(text: string): string[][] {
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

Deno.test("export - alerts, a timeline, deliveries and the audit log as CSV and XLSX that parse back", async () => {
  await using srv = await startServer();
  const t = await team(srv);
  await t.hook('=cmd|"/c calc"!A1, "quoted", 磁盘已满');
  await t.hook("second");
  const [a, b] = await alertIds(t.member);
  await t.member.post(`/api/v1/alerts/${b}/ack`);

  const csv = await download(t.member, "/api/v1/alerts/export?format=csv&lang=zh");
  assert.equal(csv.status, 200);
  assert.match(csv.type!, /text\/csv/);
  const text = utf8(csv.body);
  assert.ok(text.startsWith("\ufeff"));
  const rows = parseCsv(text.slice(1));
  assert.equal(rows[0][1], "标题");
  assert.equal(rows.length, 3);
  const first = rows.find((r) => r[0] === a)!;
  // Formula-looking text is written as text.
  assert.equal(first[1], `'=cmd|"/c calc"!A1, "quoted", 磁盘已满`);
  // The list's filters apply.
  const acked = parseCsv(
    utf8(
      (await download(t.member, "/api/v1/alerts/export?status=acknowledged")).body,
    ).slice(1),
  );
  assert.deepEqual(acked.slice(1).map((r) => r[0]), [b]);
  assert.equal((await download(t.member, "/api/v1/alerts/export?format=pdf")).status, 400);

  const xlsx = await download(t.member, "/api/v1/alerts/export?format=xlsx");
  assert.equal(xlsx.status, 200);
  const wb = new ExcelJS.Workbook();
  await loadXlsx(wb, xlsx.body);
  const ws = wb.getWorksheet("alerts")!;
  assert.equal(ws.rowCount, 3);
  assert.equal(ws.getRow(1).getCell(2).value, "Title");
  const titles = [ws.getRow(2).getCell(2).value, ws.getRow(3).getCell(2).value];
  assert.ok(titles.includes("second"));
  assert.ok(ws.getRow(2).getCell(7).value instanceof Date, "times are dates");

  const tl = parseCsv(
    utf8(
      (await download(t.member, `/api/v1/alerts/${b}/timeline/export`)).body,
    ).slice(1),
  );
  assert.ok(tl.some((r) => r[1] === "acknowledged" && r[2] === "Oncall"), JSON.stringify(tl));
  const dl = await download(t.member, `/api/v1/alerts/${b}/deliveries/export?format=xlsx`);
  assert.equal(dl.status, 200);
  const dwb = new ExcelJS.Workbook();
  await loadXlsx(dwb, dl.body);
  assert.equal(dwb.worksheets[0].getRow(1).getCell(3).value, "Channel");

  // Someone outside the team cannot export the alert's timeline.
  const { client: outsider } = await userClient(srv, "Outsider");
  assert.equal((await download(outsider, `/api/v1/alerts/${b}/timeline/export`)).status, 404);

  // The same through an API token, for scripts; every export is itself audited.
  const tok = (await t.admin.post("/api/v1/tokens", { name: "reports" })).json.token;
  const audit = await fetch(`${srv.url}/api/v1/audit/export?format=xlsx&action=export.`, {
    headers: { authorization: `Bearer ${tok}` },
  });
  assert.equal(audit.status, 200);
  const awb = new ExcelJS.Workbook();
  await loadXlsx(awb, await audit.bytes());
  const aws = awb.getWorksheet("audit")!;
  const exported = [];
  for (let r = 2; r <= aws.rowCount; r++) exported.push(aws.getRow(r).getCell(4).value);
  // Newest first; the audit export's own entry is written before it streams.
  assert.deepEqual(exported, [
    "export.audit",
    "export.alert_deliveries",
    "export.alert_timeline",
    "export.alerts",
    "export.alerts",
    "export.alerts",
  ]);
  assert.equal((await fetch(`${srv.url}/api/v1/alerts/export`)).status, 401);
});
