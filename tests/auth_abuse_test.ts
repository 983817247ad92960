/**
 * Abuse of the unauthenticated account routes and of API tokens: concurrent
 * guessing against the login limits, lock-out of other people's accounts,
 * CPU burn through setup and login, and tokens that outlive a reset.
 */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { passwordStats } from "../lib/accounts/passwords.ts";
import { adminClient, Client, startServer, userClient } from "./_helpers.ts";

function tally(statuses: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1;
  return out;
}

/** A client that says it comes from `ip` (the server trusts the proxy header). */
function from(url: string, ip: string): Client {
  const c = new Client(url);
  const request = c.request.bind(c);
  c.request = (method, path, body, headers = {}) =>
    request(method, path, body, { "x-forwarded-for": ip, ...headers });
  return c;
}

Deno.test("login - 25 concurrent bad passwords for one account: the limit get 401, the rest 429", async () => {
  await using srv = await startServer();
  await adminClient(srv);
  const statuses = await Promise.all(
    Array.from({ length: 25 }, () =>
      new Client(srv.url).post("/api/v1/session", {
        email: "admin@example.com",
        password: "wrong-password",
      }).then((r) => r.status)),
  );
  const t = tally(statuses);
  assert.equal(t[401], srv.config.loginMaxFailuresPerAccount, JSON.stringify(t));
  assert.equal(t[429], 25 - srv.config.loginMaxFailuresPerAccount, JSON.stringify(t));
});

Deno.test("login - 110 concurrent attempts from one address: the address limit holds", async () => {
  await using srv = await startServer();
  const statuses = await Promise.all(
    Array.from({ length: 110 }, (_, i) =>
      new Client(srv.url).post("/api/v1/session", {
        email: `nobody${i}@example.com`,
        password: "wrong-password",
      }).then((r) => r.status)),
  );
  const t = tally(statuses);
  assert.equal(t[401], srv.config.loginMaxAttemptsPerIp, JSON.stringify(t));
  assert.equal(t[429], 110 - srv.config.loginMaxAttemptsPerIp, JSON.stringify(t));
});

Deno.test("login - the owner still logs in from a fresh address after an attacker's 10 failures", async () => {
  await using srv = await startServer({ config: { trustProxy: true } });
  await adminClient(srv);
  const attacker = from(srv.url, "203.0.113.7");
  for (let i = 0; i < 10; i++) {
    const r = await attacker.post("/api/v1/session", { email: "admin@example.com", password: "x" });
    assert.equal(r.status, 401);
  }
  // The attacker's address is locked for this account, even with the right password ...
  const locked = await attacker.post("/api/v1/session", {
    email: "admin@example.com",
    password: "admin-password",
  });
  assert.equal(locked.status, 429);
  // ... but the owner, elsewhere, is not.
  const owner = from(srv.url, "198.51.100.20");
  const r = await owner.post("/api/v1/session", {
    email: "admin@example.com",
    password: "admin-password",
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
});

Deno.test("login - past the account-wide ceiling attempts are spaced out, not refused for the window", async () => {
  const clock = new ManualClock();
  await using srv = await startServer({
    clock,
    config: { trustProxy: true, loginSlowAfterFailures: 3, loginSlowSpacingMs: 5_000 },
  });
  await adminClient(srv);
  for (let i = 0; i < 3; i++) {
    const r = await from(srv.url, `203.0.113.${i}`).post("/api/v1/session", {
      email: "admin@example.com",
      password: "x",
    });
    assert.equal(r.status, 401);
  }
  const owner = from(srv.url, "198.51.100.20");
  const body = { email: "admin@example.com", password: "admin-password" };
  const slowed = await owner.post("/api/v1/session", body);
  assert.equal(slowed.status, 429);
  const wait = Number(slowed.headers.get("retry-after"));
  assert.ok(wait >= 1 && wait <= 5, `Retry-After ${wait}`);
  clock.advance(5_000);
  assert.equal((await owner.post("/api/v1/session", body)).status, 200);
  // A guesser right after is held to the spacing too.
  const next = await from(srv.url, "203.0.113.99").post("/api/v1/session", {
    email: "admin@example.com",
    password: "x",
  });
  assert.equal(next.status, 429);
});

Deno.test("login - limits set to 0 are off", async () => {
  await using srv = await startServer({
    config: { loginMaxAttemptsPerIp: 0, loginMaxFailuresPerAccount: 0, loginSlowAfterFailures: 0 },
  });
  await adminClient(srv);
  const c = new Client(srv.url);
  for (let i = 0; i < 12; i++) {
    assert.equal(
      (await c.post("/api/v1/session", { email: "admin@example.com", password: "x" })).status,
      401,
    );
  }
  const r = await c.post("/api/v1/session", {
    email: "admin@example.com",
    password: "admin-password",
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
});

Deno.test("setup - once set up, 40 concurrent setups answer setup_done without hashing", async () => {
  await using srv = await startServer();
  await adminClient(srv);
  const before = passwordStats.hashes;
  const results = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      new Client(srv.url).post("/api/v1/setup", {
        email: `x${i}@example.com`,
        name: "X",
        password: "some-password",
      })),
  );
  for (const r of results) {
    assert.equal(r.status, 409);
    assert.equal(r.json.error.code, "setup_done");
  }
  assert.equal(passwordStats.hashes, before, "no password was hashed");
});

Deno.test("setup - attempts are counted per address before hashing", async () => {
  await using srv = await startServer({ config: { loginMaxAttemptsPerIp: 2 } });
  const before = passwordStats.hashes;
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      new Client(srv.url).post("/api/v1/setup", {
        email: `x${i}@example.com`,
        name: "X",
        password: "some-password",
      })),
  );
  const t = tally(results.map((r) => r.status));
  assert.equal(t[201], 1, JSON.stringify(t));
  assert.ok(passwordStats.hashes - before <= 2, `hashed ${passwordStats.hashes - before} times`);
});

Deno.test("hashing - concurrent logins hash at most the configured number at once; excess gets 503", async () => {
  await using srv = await startServer({ config: { passwordHashConcurrency: 2 } });
  await adminClient(srv);
  passwordStats.peak = passwordStats.active;
  const statuses = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      new Client(srv.url).post("/api/v1/session", {
        email: `nobody${i}@example.com`,
        password: "wrong-password",
      }).then((r) => r.status)),
  );
  assert.deepEqual(tally(statuses), { 401: 20 });
  assert.ok(passwordStats.peak <= 2, `peak ${passwordStats.peak}`);

  await using tight = await startServer({
    config: { passwordHashConcurrency: 1, passwordHashWaitMs: 1, argon2MemoryKib: 8192 },
  });
  await adminClient(tight);
  const results = await Promise.all(
    Array.from({ length: 10 }, () =>
      new Client(tight.url).post("/api/v1/session", {
        email: "admin@example.com",
        password: "admin-password",
      })),
  );
  const busy = results.filter((r) => r.status === 503);
  assert.ok(busy.length > 0, JSON.stringify(tally(results.map((r) => r.status))));
  assert.equal(busy[0].json.error.code, "unavailable");
  assert.ok(Number(busy[0].headers.get("retry-after")) >= 1);
  // Shed attempts were not counted as failures: the owner is not locked out.
  assert.equal(
    (await new Client(tight.url).post("/api/v1/session", {
      email: "admin@example.com",
      password: "admin-password",
    })).status,
    200,
  );
});

Deno.test("tokens - revoked by a password reset and by disabling; re-enabling brings none back", async () => {
  await using srv = await startServer();
  const { client: admin } = await adminClient(srv);
  const { client: member, user } = await userClient(srv);
  const mint = async () => {
    const r = await member.post("/api/v1/tokens", { name: "script" });
    assert.equal(r.status, 201);
    return new Client(srv.url, r.json.token);
  };

  const t1 = await mint();
  assert.equal((await t1.get("/api/v1/me")).status, 200);
  assert.equal(
    (await admin.patch(`/api/v1/users/${user.id}`, { password: "new-password-1" })).status,
    200,
  );
  assert.equal((await t1.get("/api/v1/me")).status, 401);
  assert.deepEqual((await admin.get(`/api/v1/users/${user.id}/tokens`)).json.items, []);

  await member.post("/api/v1/session", { email: user.email, password: "new-password-1" });
  const t2 = await mint();
  assert.equal((await t2.get("/api/v1/me")).status, 200);
  assert.equal((await admin.patch(`/api/v1/users/${user.id}`, { disabled: true })).status, 200);
  assert.equal((await t2.get("/api/v1/me")).status, 401);
  assert.equal((await admin.patch(`/api/v1/users/${user.id}`, { disabled: false })).status, 200);
  assert.equal((await t2.get("/api/v1/me")).status, 401, "re-enabling must not revive tokens");
});

Deno.test("tokens - an expired token is refused; expiresAt must be in the future", async () => {
  const clock = new ManualClock();
  await using srv = await startServer({ clock });
  const { client: admin } = await adminClient(srv);
  const past = await admin.post("/api/v1/tokens", { name: "t", expiresAt: clock.now() - 1 });
  assert.equal(past.status, 400);
  const r = await admin.post("/api/v1/tokens", { name: "t", expiresAt: clock.now() + 60_000 });
  assert.equal(r.status, 201);
  assert.equal(r.json.apiToken.expiresAt, clock.now() + 60_000);
  const bot = new Client(srv.url, r.json.token);
  assert.equal((await bot.get("/api/v1/me")).status, 200);
  clock.advance(60_000);
  const refused = await bot.get("/api/v1/me");
  assert.equal(refused.status, 401);
  assert.equal(refused.json.error.code, "unauthorized");
});

Deno.test("tokens - last use is recorded at most once a minute", async () => {
  const clock = new ManualClock();
  await using srv = await startServer({ clock });
  const { client: admin } = await adminClient(srv);
  const r = await admin.post("/api/v1/tokens", { name: "t" });
  const bot = new Client(srv.url, r.json.token);
  const lastUsed = async () => (await admin.get("/api/v1/tokens")).json.items[0].lastUsedAt;
  assert.equal(await lastUsed(), null);
  const t0 = clock.now();
  await bot.get("/api/v1/me");
  assert.equal(await lastUsed(), t0);
  clock.advance(30_000);
  await bot.get("/api/v1/me");
  assert.equal(await lastUsed(), t0);
  clock.advance(30_000);
  await bot.get("/api/v1/me");
  assert.equal(await lastUsed(), t0 + 60_000);
});

Deno.test("tokens - admins list and revoke any user's tokens; members cannot", async () => {
  await using srv = await startServer();
  const { client: admin } = await adminClient(srv);
  const { client: member, user } = await userClient(srv);
  const { client: other } = await userClient(srv);
  const r = await member.post("/api/v1/tokens", { name: "laptop" });
  const bot = new Client(srv.url, r.json.token);
  const list = await admin.get(`/api/v1/users/${user.id}/tokens`);
  assert.equal(list.status, 200);
  assert.deepEqual(list.json.items.map((t: { name: string }) => t.name), ["laptop"]);
  assert.equal(list.json.items[0].hash, undefined);
  assert.equal((await other.get(`/api/v1/users/${user.id}/tokens`)).status, 403);
  assert.equal(
    (await other.delete(`/api/v1/users/${user.id}/tokens/${r.json.apiToken.id}`)).status,
    403,
  );
  assert.equal(
    (await admin.get(`/api/v1/users/01ARZ3NDEKTSV4RRFFQ69G5FAV/tokens`)).status,
    404,
  );
  const del = await admin.delete(`/api/v1/users/${user.id}/tokens/${r.json.apiToken.id}`);
  assert.equal(del.status, 200);
  assert.equal((await bot.get("/api/v1/me")).status, 401);
  assert.equal(
    (await admin.delete(`/api/v1/users/${user.id}/tokens/${r.json.apiToken.id}`)).status,
    404,
  );
});
