import assert from "node:assert/strict";
import { adminClient, Client, connect, startServer, userClient } from "./_helpers.ts";

Deno.test("setup - creates the first admin once, then answers 409", async () => {
  await using srv = await startServer();
  const anon = new Client(srv.url);
  assert.deepEqual((await anon.get("/api/v1/setup")).json, { needed: true });
  const { client, user } = await adminClient(srv);
  assert.equal(user.role, "admin");
  assert.equal(user.email, "admin@example.com");
  assert.ok(client.cookie, "setup logs the admin in");
  assert.equal((await client.get("/api/v1/me")).json.user.id, user.id);
  const again = await anon.post("/api/v1/setup", {
    email: "other@example.com",
    name: "Other",
    password: "other-password",
  });
  assert.equal(again.status, 409);
  assert.equal(again.json.error.code, "setup_done");
  assert.deepEqual((await anon.get("/api/v1/setup")).json, { needed: false });
});

Deno.test("setup - concurrent setups: exactly one wins", async () => {
  await using srv = await startServer();
  const results = await Promise.all(
    [1, 2, 3, 4].map((i) =>
      new Client(srv.url).post("/api/v1/setup", {
        email: `a${i}@example.com`,
        name: `A${i}`,
        password: "password-" + i,
      })
    ),
  );
  assert.deepEqual(results.map((r) => r.status).sort(), [201, 409, 409, 409]);
});

Deno.test("session - login sets an HttpOnly SameSite=Lax cookie; logout ends it", async () => {
  await using srv = await startServer();
  await adminClient(srv);
  const c = new Client(srv.url);
  const r = await c.post("/api/v1/session", {
    email: "ADMIN@example.com ",
    password: "admin-password",
  });
  assert.equal(r.status, 200);
  const cookie = r.headers.get("set-cookie")!;
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);
  assert.doesNotMatch(cookie, /Secure/, "plain http on localhost must still work");
  assert.equal((await c.get("/api/v1/me")).status, 200);
  const saved = c.cookie;
  assert.equal((await c.delete("/api/v1/session")).status, 200);
  c.cookie = saved;
  const after = await c.get("/api/v1/me");
  assert.equal(after.status, 401);
  assert.equal(after.json.error.code, "unauthorized");
});

Deno.test("session - Secure cookie when the public URL is https", async () => {
  await using srv = await startServer({
    config: { publicOrigin: "https://tocsin.example.com" },
  });
  const c = new Client(srv.url, undefined, "https://tocsin.example.com");
  const r = await c.post("/api/v1/setup", {
    email: "a@example.com",
    name: "A",
    password: "a-password",
  });
  assert.equal(r.status, 201);
  assert.match(r.headers.get("set-cookie")!, /Secure/);
});

Deno.test("session - wrong password is 401 and the same for unknown accounts", async () => {
  await using srv = await startServer();
  await adminClient(srv);
  const c = new Client(srv.url);
  const wrong = await c.post("/api/v1/session", {
    email: "admin@example.com",
    password: "nope-nope",
  });
  const unknown = await c.post("/api/v1/session", {
    email: "who@example.com",
    password: "nope-nope",
  });
  assert.equal(wrong.status, 401);
  assert.equal(unknown.status, 401);
  assert.deepEqual(wrong.json, unknown.json);
});

Deno.test("session - failed logins are rate limited per account with Retry-After", async () => {
  await using srv = await startServer({ config: { loginMaxFailuresPerAccount: 3 } });
  await adminClient(srv);
  const c = new Client(srv.url);
  for (let i = 0; i < 3; i++) {
    assert.equal(
      (await c.post("/api/v1/session", { email: "admin@example.com", password: "x" })).status,
      401,
    );
  }
  const limited = await c.post("/api/v1/session", {
    email: "admin@example.com",
    password: "admin-password",
  });
  assert.equal(limited.status, 429);
  assert.equal(limited.json.error.code, "rate_limited");
  assert.ok(Number(limited.headers.get("retry-after")) > 0);
});

Deno.test("session - attempts are rate limited per IP across accounts", async () => {
  await using srv = await startServer({ config: { loginMaxAttemptsPerIp: 5 } });
  const c = new Client(srv.url);
  const statuses = [];
  for (let i = 0; i < 7; i++) {
    statuses.push(
      (await c.post("/api/v1/session", { email: `x${i}@example.com`, password: "x" })).status,
    );
  }
  assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
});

Deno.test("users - admins create users; members cannot; directory search for everyone", async () => {
  await using srv = await startServer();
  const { client: admin } = await adminClient(srv);
  const created = await admin.post("/api/v1/users", {
    email: "zhang.wei@example.com",
    name: "张伟",
    password: "zhang-password",
    role: "member",
  });
  assert.equal(created.status, 201);
  const dup = await admin.post("/api/v1/users", {
    email: "Zhang.Wei@example.com",
    name: "Dup",
    password: "zhang-password",
  });
  assert.equal(dup.status, 409);
  const short = await admin.post("/api/v1/users", {
    email: "s@example.com",
    name: "S",
    password: "short",
  });
  assert.equal(short.status, 400);
  assert.match(short.json.error.message, /password/);

  const { client: member } = await userClient(srv, "Member");
  const denied = await member.post("/api/v1/users", {
    email: "x@example.com",
    name: "X",
    password: "x-password",
  });
  assert.equal(denied.status, 403);
  const found = await member.get("/api/v1/users?q=" + encodeURIComponent("张"));
  assert.equal(found.status, 200);
  assert.deepEqual(found.json.items.map((u: { name: string }) => u.name), ["张伟"]);
  assert.equal(found.json.items[0].password, undefined);
});

Deno.test("users - disabling a user ends their sessions and closes their sockets", async () => {
  await using srv = await startServer();
  const { client: admin } = await adminClient(srv);
  const { client: bob, user } = await userClient(srv, "Bob");
  const ws = await connect(bob);
  const r = await admin.patch(`/api/v1/users/${user.id}`, { disabled: true });
  assert.equal(r.status, 200);
  assert.equal(r.json.user.disabled, true);
  const closed = await ws.untilClosed();
  assert.equal(closed.code, 4003);
  assert.equal((await bob.get("/api/v1/me")).status, 401);
  const login = await new Client(srv.url).post("/api/v1/session", {
    email: user.email,
    password: "user-password",
  });
  assert.equal(login.status, 403);
});

Deno.test("users - admin password reset ends the user's sessions; the new password works", async () => {
  await using srv = await startServer();
  const { client: admin } = await adminClient(srv);
  const { client: bob, user } = await userClient(srv, "Bob");
  assert.equal(
    (await admin.patch(`/api/v1/users/${user.id}`, { password: "new-password-1" })).status,
    200,
  );
  assert.equal((await bob.get("/api/v1/me")).status, 401);
  const c = new Client(srv.url);
  assert.equal(
    (await c.post("/api/v1/session", { email: user.email, password: "new-password-1" })).status,
    200,
  );
});

Deno.test("tokens - shown once, stored hashed, accepted as Bearer, revocable", async () => {
  await using srv = await startServer();
  const { client: admin, user } = await adminClient(srv);
  const created = await admin.post("/api/v1/tokens", { name: "ci script" });
  assert.equal(created.status, 201);
  const token: string = created.json.token;
  assert.match(token, /^tcn_/);
  const list = await admin.get("/api/v1/tokens");
  assert.equal(list.json.items.length, 1);
  assert.equal(
    JSON.stringify(list.json).includes(token),
    false,
    "the secret is never listed again",
  );
  // Nothing in KV holds the secret itself.
  for await (const e of srv.kv.list({ prefix: [] })) {
    assert.equal(JSON.stringify(e).includes(token), false);
  }
  const bot = new Client(srv.url, token, null);
  const me = await bot.get("/api/v1/me");
  assert.equal(me.status, 200);
  assert.equal(me.json.user.id, user.id);
  assert.equal(me.json.via, "token");
  // A token cannot mint tokens.
  assert.equal((await bot.post("/api/v1/tokens", { name: "x" })).status, 403);
  assert.equal((await admin.delete(`/api/v1/tokens/${created.json.apiToken.id}`)).status, 200);
  assert.equal((await bot.get("/api/v1/me")).status, 401);
  assert.equal((await new Client(srv.url, "tcn_forged", null).get("/api/v1/me")).status, 401);
});

Deno.test("origin - foreign Origin on cookie writes and on the upgrade is 403; bearer needs none", async () => {
  await using srv = await startServer();
  const { client: admin } = await adminClient(srv);
  const evil = new Client(srv.url, undefined, "http://evil.example");
  evil.cookie = admin.cookie;
  const w = await evil.post("/api/v1/conversations", { kind: "group", title: "x", memberIds: [] });
  assert.equal(w.status, 403);
  assert.equal(w.json.error.code, "origin_forbidden");
  // Reads are fine (SameSite and CORS keep their answers from other sites).
  assert.equal((await evil.get("/api/v1/me")).status, 200);
  const up = await fetch(srv.url + "/api/v1/ws", {
    headers: {
      cookie: admin.cookie,
      origin: "http://evil.example",
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      "sec-websocket-version": "13",
    },
  });
  assert.equal(up.status, 403);
  await up.body?.cancel();
  // Both spellings of the local origin work on a fresh start.
  const local = new Client(srv.url.replace("127.0.0.1", "localhost"));
  local.cookie = admin.cookie;
  assert.equal(
    (await local.post("/api/v1/conversations", { kind: "group", title: "ok", memberIds: [] }))
      .status,
    201,
  );
  const token = (await admin.post("/api/v1/tokens", { name: "t" })).json.token;
  const bot = new Client(srv.url, token, null);
  assert.equal(
    (await bot.post("/api/v1/conversations", { kind: "group", title: "bot", memberIds: [] }))
      .status,
    201,
  );
});

Deno.test("origin - with TOCSIN_PUBLIC_URL set, only it and the allowed list pass", async () => {
  await using srv = await startServer({
    config: {
      publicOrigin: "https://chat.example.com",
      allowedOrigins: ["https://ops.example.com"],
    },
  });
  // Setup itself is a cookie-less write from a browser: it must come from the public origin too.
  const refused = await new Client(srv.url).post("/api/v1/setup", {
    email: "a@example.com",
    name: "A",
    password: "a-password",
  });
  assert.equal(refused.status, 403);
  const admin = new Client(srv.url, undefined, "https://chat.example.com");
  const r = await admin.post("/api/v1/setup", {
    email: "a@example.com",
    name: "A",
    password: "a-password",
  });
  assert.equal(r.status, 201);
  for (
    const [origin, status] of [
      ["https://chat.example.com", 201],
      ["https://ops.example.com", 201],
      [srv.url, 403],
    ] as const
  ) {
    const c = new Client(srv.url, undefined, origin);
    c.cookie = admin.cookie;
    const r = await c.post("/api/v1/conversations", { kind: "group", title: "t", memberIds: [] });
    assert.equal(r.status, status, origin);
  }
});

Deno.test("auth - every API route needs authentication", async () => {
  await using srv = await startServer();
  const anon = new Client(srv.url);
  for (
    const [m, p] of [
      ["GET", "/api/v1/me"],
      ["GET", "/api/v1/users"],
      ["GET", "/api/v1/conversations"],
      ["GET", "/api/v1/teams"],
      ["GET", "/api/v1/tokens"],
      ["GET", "/api/v1/poll"],
      ["GET", "/api/v1/events"],
      ["GET", "/api/v1/ws"],
    ]
  ) {
    const r = await anon.request(m, p);
    assert.equal(r.status, 401, `${m} ${p}`);
    assert.equal(r.json.error.code, "unauthorized");
  }
  const bad = await new Client(srv.url).request("GET", "/api/v1/me", undefined, {
    authorization: "Basic abc",
  });
  assert.equal(bad.status, 401);
});
