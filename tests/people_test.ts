/**
 * The caller's own password change (verified like a login, ends the other
 * sessions, keeps the current one and the API tokens) and team rename and
 * archive (the name index moves with the name; an archived team's webhooks
 * answer 503 with Retry-After and its open alerts page nobody).
 */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { keys } from "../lib/core/keys.ts";
import { adminClient, Client, startServer, userClient } from "./_helpers.ts";

const MIN = 60_000;

Deno.test("own password - wrong current password is refused and counted; right one ends other sessions only", async () => {
  await using srv = await startServer({ config: { loginMaxFailuresPerAccount: 3 } });
  await adminClient(srv);
  const ann = await userClient(srv, "Ann");
  const email = ann.user.email;
  // A second browser, and an API token.
  const other = new Client(srv.url);
  assert.equal(
    (await other.post("/api/v1/session", { email, password: "user-password" })).status,
    200,
  );
  const token = (await ann.client.post("/api/v1/tokens", { name: "ci" })).json.token;
  const bearer = new Client(srv.url, token, null);

  const wrong = await ann.client.post("/api/v1/me/password", {
    current: "not-it",
    next: "brand-new-password",
  });
  assert.equal(wrong.status, 403);
  assert.equal(wrong.json.error.code, "wrong_password");
  assert.equal((await other.get("/api/v1/me")).status, 200, "a failure changes nothing");

  // Too short a new password: 400 before any hashing of it.
  const short = await ann.client.post("/api/v1/me/password", {
    current: "user-password",
    next: "short",
  });
  assert.equal(short.status, 400);

  const ok = await ann.client.post("/api/v1/me/password", {
    current: "user-password",
    next: "brand-new-password",
  });
  assert.equal(ok.status, 200);
  assert.equal((await ann.client.get("/api/v1/me")).status, 200, "this session stays");
  assert.equal((await other.get("/api/v1/me")).status, 401, "the other session ended");
  assert.equal((await bearer.get("/api/v1/me")).status, 200, "API tokens keep working");
  // The other session's records are gone, not only refused.
  const sessions = [];
  for await (const e of srv.kv.list({ prefix: keys.sessionsByUser(ann.user.id) })) sessions.push(e);
  assert.equal(sessions.length, 1);
  // The old password no longer logs in; the new one does.
  const fresh = new Client(srv.url);
  assert.equal(
    (await fresh.post("/api/v1/session", { email, password: "user-password" })).status,
    401,
  );
  assert.equal(
    (await fresh.post("/api/v1/session", { email, password: "brand-new-password" })).status,
    200,
  );
});

Deno.test("own password - guesses of the current password hit the login limits", async () => {
  await using srv = await startServer({ config: { loginMaxFailuresPerAccount: 3 } });
  await adminClient(srv);
  const ann = await userClient(srv, "Ann");
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) {
    statuses.push(
      (await ann.client.post("/api/v1/me/password", { current: `guess-${i}`, next: "whatever-1" }))
        .status,
    );
  }
  assert.deepEqual(statuses.slice(0, 3), [403, 403, 403]);
  assert.equal(statuses[4], 429);
  // A token cannot change the password (it has no session to keep).
  const token = (await ann.client.post("/api/v1/tokens", { name: "t" })).json.token;
  const r = await new Client(srv.url, token, null).post("/api/v1/me/password", {
    current: "user-password",
    next: "whatever-12",
  });
  assert.equal(r.status, 403);
});

Deno.test("teams - rename moves the unique name index in the same commit", async () => {
  await using srv = await startServer();
  const { client: admin } = await adminClient(srv);
  const a = (await admin.post("/api/v1/teams", { name: "SRE" })).json.team;
  await admin.post("/api/v1/teams", { name: "DBA" });
  assert.equal((await admin.patch(`/api/v1/teams/${a.id}`, { name: "dba" })).status, 409);
  assert.equal((await admin.patch(`/api/v1/teams/${a.id}`, { name: "Platform" })).status, 200);
  // The old name is free again; the new one is taken.
  assert.equal((await admin.post("/api/v1/teams", { name: "sre" })).status, 201);
  assert.equal((await admin.post("/api/v1/teams", { name: "PLATFORM" })).status, 409);
  assert.equal((await srv.kv.get(keys.teamByName("Platform"))).value, a.id);
  // A change of case only keeps the index entry.
  assert.equal((await admin.patch(`/api/v1/teams/${a.id}`, { name: "platform" })).status, 200);
  assert.equal((await srv.kv.get(keys.teamByName("platform"))).value, a.id);
  assert.equal((await admin.get(`/api/v1/teams/${a.id}`)).json.team.name, "platform");
});

Deno.test("teams - archived: hidden from lists, webhooks answer 503 with Retry-After, nobody is paged; unarchive restores", async () => {
  const clock = new ManualClock();
  await using srv = await startServer({
    clock,
    config: { timerSweepMs: 0, disabledHookRetryAfterS: 120 },
  });
  const { client: admin, user: adminUser } = await adminClient(srv);
  const ann = await userClient(srv, "Ann");
  const team = (await admin.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [ann.user.id],
    adminIds: [ann.user.id, adminUser.id],
  })).json.team;
  const hook =
    (await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id })).json;
  const post = (text: string) =>
    fetch(`${srv.url}/hooks/${hook.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${hook.token}`, priority: "urgent" },
      body: text,
    });
  const first = await post("db down");
  assert.equal(first.status, 202);
  const alertId = (await first.json()).alerts[0].alertId;

  // Only admins archive, not a team admin.
  assert.equal((await ann.client.post(`/api/v1/teams/${team.id}/archive`)).status, 403);
  const archived = await admin.post(`/api/v1/teams/${team.id}/archive`);
  assert.equal(archived.status, 200);
  assert.equal(typeof archived.json.team.archivedAt, "number");

  const names = async (c: Client, q = "") =>
    (await c.get("/api/v1/teams" + q)).json.items.map((t: { name: string }) => t.name);
  assert.deepEqual(await names(ann.client), []);
  assert.deepEqual(await names(admin), []);
  assert.deepEqual(await names(admin, "?archived=1"), ["SRE"]);
  // History stays readable.
  assert.equal((await ann.client.get(`/api/v1/teams/${team.id}`)).status, 200);
  assert.equal((await ann.client.get(`/api/v1/alerts/${alertId}`)).status, 200);

  const refused = await post("db down again");
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get("retry-after"), "120");
  assert.equal((await refused.json()).error.code, "unavailable");

  // The open urgent alert's reminders stop: nobody is paged while archived.
  const notified = async () =>
    (await admin.get(`/api/v1/alerts/${alertId}`)).json.timeline
      .filter((e: { kind: string }) => e.kind === "notified").length;
  const before = await notified();
  for (let i = 0; i < 3; i++) {
    clock.advance(2 * MIN);
    await srv.core.timers.sweep();
  }
  assert.equal(await notified(), before);

  assert.equal((await admin.post(`/api/v1/teams/${team.id}/unarchive`)).status, 200);
  assert.deepEqual(await names(ann.client), ["SRE"]);
  assert.equal((await post("db down once more")).status, 202);
});
