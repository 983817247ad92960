/**
 * OpenID Connect sign-in against a real provider (`oidc-provider`) running in
 * the test, the browser's redirects driven with fetch: a new account created
 * just in time with its teams from the groups claim, logout at the provider,
 * and the refusals (a tampered state, a tampered or missing nonce, an ID
 * token for another audience).
 */
import assert from "node:assert/strict";
import { adminClient, Client, startServer, type TestServer } from "./_helpers.ts";
import { Jar, loginAtProvider, startProvider, type TestProvider } from "./_oidc_provider.ts";
import { getUserByEmail } from "../lib/accounts/users.ts";

const ACCOUNTS = {
  alice: { email: "alice@corp.test", name: "Alice Oidc", groups: ["sre", "db-admins"] },
  bob: { email: "bob@corp.test", name: "Bob Oidc", groups: ["sales"] },
  carol: { email: "carol@corp.test", name: "Carol Oidc", groups: ["sre"] },
  dave: { email: "dave@corp.test", name: "Dave Oidc", groups: [] },
  erin: { email: "erin@corp.test", name: "Erin Oidc", groups: [] },
};

async function setUp(srv: TestServer, op: TestProvider) {
  const { client: admin } = await adminClient(srv);
  const sre = (await admin.post("/api/v1/teams", { name: "SRE" })).json.team;
  const db = (await admin.post("/api/v1/teams", { name: "Databases" })).json.team;
  const r = await admin.request("PUT", "/api/v1/sso/settings", {
    oidc: {
      enabled: true,
      label: "Corp SSO",
      issuer: op.issuer,
      clientId: "tocsin",
      clientSecret: "tocsin-secret",
      scopes: "openid email profile groups",
      emailClaim: "email",
      nameClaim: "name",
      groupsClaim: "groups",
      jit: true,
      groupMappings: [
        { group: "sre", teamId: sre.id, role: "member" },
        { group: "db-admins", teamId: db.id, role: "admin" },
      ],
    },
    ldap: null,
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.oidc.clientSecretSet, true);
  assert.equal(r.json.oidc.clientSecret, undefined, "the secret is never sent back");
  return { admin, sre, db };
}

/** Starts a login at Tocsin as a browser: the provider's URL, with the state cookie in `jar`. */
async function start(srv: TestServer, jar: Jar, next = "/alerts"): Promise<URL> {
  const res = await jar.fetch(`${srv.url}/auth/oidc/start?next=${encodeURIComponent(next)}`);
  assert.equal(res.status, 302);
  assert.ok(jar.get("tocsin_sso_state"), "the state is tied to the browser");
  return new URL(res.headers.get("location")!);
}

async function callback(jar: Jar, url: URL) {
  const res = await jar.fetch(url.href);
  await res.body?.cancel();
  return { status: res.status, location: res.headers.get("location") ?? "" };
}

async function withWorld(fn: (srv: TestServer, op: TestProvider) => Promise<void>) {
  await using srv = await startServer({ config: { outboundAllow: ["127.0.0.0/8"] } });
  const redirect = `${srv.url}/auth/oidc/callback`;
  await using op = await startProvider(redirect, ACCOUNTS);
  await fn(srv, op);
}

Deno.test("sso oidc - a first sign-in creates the account with its teams; logout ends it at the provider", async () => {
  await withWorld(async (srv, op) => {
    const { sre, db } = await setUp(srv, op);
    const pub = await new Client(srv.url).get("/api/v1/sso");
    assert.deepEqual(pub.json, { oidc: { label: "Corp SSO" }, ldap: null });

    const jar = new Jar();
    const auth = await start(srv, jar);
    assert.equal(auth.searchParams.get("code_challenge_method"), "S256");
    assert.ok(auth.searchParams.get("nonce"));
    const back = await loginAtProvider(jar, auth.href, "alice", `${srv.url}/auth/oidc/callback`);
    const done = await callback(jar, back);
    assert.equal(done.status, 302);
    assert.equal(done.location, "/alerts");
    assert.ok(jar.get("tocsin_session"), "a Tocsin session was opened");

    const me = await jar.fetch(`${srv.url}/api/v1/me`);
    const body = await me.json();
    assert.equal(me.status, 200);
    assert.equal(body.user.email, "alice@corp.test");
    assert.equal(body.user.name, "Alice Oidc");
    const teams = new Map(
      (body.teams as { id: string; role?: string }[]).map((t) => [t.id, t]),
    );
    assert.ok(teams.has(sre.id) && teams.has(db.id), JSON.stringify(body.teams));
    const user = (await getUserByEmail(srv.kv, "alice@corp.test"))!;
    const roles = await Promise.all(
      [sre.id, db.id].map((t) => srv.kv.get<{ role: string }>(["team_members", t, user.id])),
    );
    assert.deepEqual(roles.map((r) => r.value?.role), ["member", "admin"]);

    // The same callback again: the login was single use.
    const replay = await callback(jar, back);
    assert.equal(replay.location, "/login?sso_error=state");

    // Logout: the session ends here and the browser is sent to the provider's end_session.
    const out = await jar.fetch(`${srv.url}/api/v1/session`, {
      method: "DELETE",
      headers: { origin: srv.url },
    });
    const outBody = await out.json();
    assert.ok(outBody.redirect?.startsWith(`${op.issuer}/session/end`), outBody.redirect);
    assert.equal(new URL(outBody.redirect).searchParams.get("client_id"), "tocsin");
    const after = await jar.fetch(`${srv.url}/api/v1/me`);
    await after.body?.cancel();
    assert.equal(after.status, 401);

    // Without just-in-time accounts a stranger is refused; the known account still gets in.
    const s = (await srv.kv.get<{ oidc: { jit: boolean } }>(["sso_settings"])).value!;
    await srv.kv.set(["sso_settings"], { ...s, oidc: { ...s.oidc, jit: false } });
    const jar2 = new Jar();
    const back2 = await loginAtProvider(
      jar2,
      (await start(srv, jar2)).href,
      "bob",
      back.origin + back.pathname,
    );
    assert.equal((await callback(jar2, back2)).location, "/login?sso_error=account");
    assert.equal(await getUserByEmail(srv.kv, "bob@corp.test"), null);
  });
});

Deno.test("sso oidc - a tampered state, a tampered or missing nonce and another audience are refused", async () => {
  await withWorld(async (srv, op) => {
    await setUp(srv, op);
    const redirect = `${srv.url}/auth/oidc/callback`;
    const refused = async (login: string, how: (auth: URL, jar: Jar) => Promise<URL>) => {
      const jar = new Jar();
      const auth = await start(srv, jar);
      const back = await how(auth, jar);
      const r = await callback(jar, back);
      assert.equal(jar.get("tocsin_session"), undefined, `${login}: no session`);
      assert.equal(
        await getUserByEmail(srv.kv, `${login}@corp.test`),
        null,
        `${login}: no account`,
      );
      return r.location;
    };

    // The state in the callback is not the one this browser started with.
    assert.equal(
      await refused("carol", async (auth, jar) => {
        const back = await loginAtProvider(jar, auth.href, "carol", redirect);
        back.searchParams.set("state", back.searchParams.get("state")!.slice(0, -2) + "xx");
        return back;
      }),
      "/login?sso_error=state",
    );
    // A callback that arrives in another browser (no state cookie).
    {
      const jar = new Jar();
      const back = await loginAtProvider(jar, (await start(srv, jar)).href, "carol", redirect);
      const other = new Jar();
      assert.equal((await callback(other, back)).location, "/login?sso_error=state");
      assert.equal(await getUserByEmail(srv.kv, "carol@corp.test"), null);
    }
    // The nonce sent to the provider was changed on the way: the ID token carries another one.
    assert.equal(
      await refused("carol", (auth, jar) => {
        auth.searchParams.set("nonce", "not-the-one-tocsin-made");
        return loginAtProvider(jar, auth.href, "carol", redirect);
      }),
      "/login?sso_error=provider",
    );
    // The nonce was removed: the ID token has none.
    assert.equal(
      await refused("dave", (auth, jar) => {
        auth.searchParams.delete("nonce");
        return loginAtProvider(jar, auth.href, "dave", redirect);
      }),
      "/login?sso_error=provider",
    );
    // The provider's own key signs an ID token for another client.
    op.tamper.audience = "someone-else";
    assert.equal(
      await refused("erin", (auth, jar) => loginAtProvider(jar, auth.href, "erin", redirect)),
      "/login?sso_error=provider",
    );
    op.tamper.audience = undefined;
    // And the same person gets in once nothing is tampered with.
    const jar = new Jar();
    const back = await loginAtProvider(jar, (await start(srv, jar)).href, "erin", redirect);
    assert.equal((await callback(jar, back)).location, "/alerts");
    assert.ok(await getUserByEmail(srv.kv, "erin@corp.test"));
  });
});

Deno.test("sso oidc - starting logins is rate limited per address like login attempts", async () => {
  await using srv = await startServer({ config: { loginMaxAttemptsPerIp: 2 } });
  const get = () => fetch(`${srv.url}/auth/oidc/start`, { redirect: "manual" });
  for (let i = 0; i < 2; i++) {
    const r = await get();
    await r.body?.cancel();
    // Not set up: back to the login page, which says single sign-on is unavailable.
    assert.equal(r.headers.get("location"), "/login?sso_error=unavailable");
  }
  const over = await get();
  assert.equal(over.status, 429);
  assert.equal((await over.json()).error.code, "rate_limited");
  assert.equal((await srv.kv.list({ prefix: ["sso_state"] }).next()).done, true);
});
