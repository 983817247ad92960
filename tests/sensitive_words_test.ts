/**
 * Sensitive words: admins' words and RE2 patterns block a message with a clear error, replace
 * their matches with ***, or warn the sender; only admins manage them; alert payloads are
 * masked by them and by the credential and token formats before an alert is stored.
 */
import assert from "node:assert/strict";
import { applyWordRules, type WordRule } from "../lib/chat/sensitive_words.ts";
import { redactText } from "../lib/alerts/redact.ts";
import { adminClient, startServer, userClient } from "./_helpers.ts";

const rule = (pattern: string, kind: WordRule["kind"], action: WordRule["action"]): WordRule => ({
  id: pattern,
  pattern,
  kind,
  action,
  createdAt: 0,
  createdBy: "a",
});

Deno.test("sensitive words - block names the word, replace masks every match, warn lists it; case-insensitive", () => {
  const rules = [
    rule("hunter2", "word", "replace"),
    rule("(?i)acme-[0-9]+", "regex", "warn"),
    rule("drop table", "word", "block"),
  ];
  const r = applyWordRules(rules, "pw HUNTER2 and hunter2 for ACME-42");
  assert.equal(r.text, "pw *** and *** for ACME-42");
  assert.deepEqual(r.warnings, ["ACME-42"]);
  assert.throws(
    () => applyWordRules(rules, "please DROP TABLE users"),
    (e: Error & { code?: string }) => e.code === "blocked_word" && /“drop table”/.test(e.message),
  );
  // A word is literal: regex characters in it match themselves only.
  assert.equal(applyWordRules([rule("a.b", "word", "replace")], "axb a.b").text, "axb ***");
  // Linear on hostile input.
  const t0 = performance.now();
  applyWordRules([rule("(a+)+b", "regex", "replace")], "a".repeat(8000));
  assert.ok(performance.now() - t0 < 1000);
});

Deno.test("sensitive words - over HTTP: admins manage rules, sends are blocked, masked or warned", async () => {
  await using srv = await startServer({ config: { sendRatePerSec: 0 } });
  const { client: admin } = await adminClient(srv);
  const bob = await userClient(srv, "Bob");
  const add = (body: unknown, c = admin) => c.post("/api/v1/sensitive-words", body);
  assert.equal(
    (await add({ pattern: "x", kind: "word", action: "block" }, bob.client)).status,
    403,
  );
  assert.equal((await bob.client.get("/api/v1/sensitive-words")).status, 403);
  const bad = await add({ pattern: "(a", kind: "regex", action: "block" });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error.message, /RE2/);
  assert.equal((await add({ pattern: "badword", kind: "word", action: "block" })).status, 201);
  assert.equal((await add({ pattern: "s3cr3t", kind: "word", action: "replace" })).status, 201);
  assert.equal(
    (await add({ pattern: "prod-db-[0-9]+", kind: "regex", action: "warn" })).status,
    201,
  );

  const conv = (await admin.post("/api/v1/conversations", {
    kind: "group",
    title: "ops",
    memberIds: [bob.user.id],
  })).json.conversation.id;
  const send = (text: string, id: string) =>
    bob.client.post(`/api/v1/conversations/${conv}/messages`, { clientId: id, text });
  const blocked = await send("this is a BadWord", "m1");
  assert.equal(blocked.status, 403);
  assert.equal(blocked.json.error.code, "blocked_word");
  assert.match(blocked.json.error.message, /badword/);
  const masked = await send("the password is s3cr3t", "m2");
  assert.equal(masked.json.message.text, "the password is ***");
  const warned = await send("failing over prod-db-3", "m3");
  assert.equal(warned.status, 201);
  assert.deepEqual(warned.json.warnings, ["prod-db-3"]);
  const texts = (await admin.get(`/api/v1/conversations/${conv}/messages`)).json.items.map((
    m: { text: string },
  ) => m.text);
  assert.equal(texts.some((t: string) => /badword|s3cr3t/i.test(t)), false);

  const list = (await admin.get("/api/v1/sensitive-words")).json.items;
  assert.equal(list.length, 3);
  assert.equal((await admin.delete(`/api/v1/sensitive-words/${list[0].id}`)).status, 204);
  assert.equal((await send("badword again", "m4")).status, 201);
});

Deno.test("sensitive words - alert payloads are masked: URL credentials, tokens and admin patterns", async () => {
  await using srv = await startServer();
  const { client: admin, user } = await adminClient(srv);
  await admin.post("/api/v1/sensitive-words", {
    pattern: "customer-[0-9]{4}",
    kind: "regex",
    action: "warn",
  });
  const team = (await admin.post("/api/v1/teams", { name: "sre", adminIds: [user.id] })).json.team;
  const int =
    (await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id }))
      .json;
  const jwt =
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
  const body = `db postgres://app:hunter2pw@db:5432 down for customer-1234, token ${jwt}`;
  const res = await fetch(`${srv.url}/hooks/${int.integration.id}`, {
    method: "POST",
    headers: { authorization: `Bearer ${int.token}`, title: "db down customer-1234" },
    body,
  });
  assert.equal(res.status, 202, await res.clone().text());
  const alertId = (await res.json()).alerts[0].alertId;
  const alert = (await admin.get(`/api/v1/alerts/${alertId}`)).json.alert;
  const all = JSON.stringify(alert);
  for (const secret of ["hunter2pw", "customer-1234", jwt]) {
    assert.equal(all.includes(secret), false, `${secret} stored`);
  }
  assert.match(alert.title, /db down \*\*\*/);
});

Deno.test("redact - JWTs, vendor tokens and PEM private keys are masked", () => {
  const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY-----";
  const s = redactText(
    `a eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0x.c2lnbmF0dXJlX3g b AIzaSyA1234567890abcdefghij ${pem} end`,
  );
  assert.equal(s, "a *** b AIza*** *** end");
});
