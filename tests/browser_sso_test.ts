/**
 * Single sign-on in real Chromium: an admin sets up OpenID Connect on /admin/sso, then a new
 * person signs in through a real provider (`oidc-provider`, its own login and consent pages),
 * lands in Tocsin with the team their group maps to, and logs out at the provider. Then the
 * admin page and the login page's sign-in buttons at 390 px in Chinese.
 */
import assert from "node:assert/strict";
import {
  assertNoHorizontalOverflow,
  browserConfig,
  buildAssets,
  closeBrowser,
  getBrowser,
  person,
  PHONE,
  shot,
  test,
} from "./_browser.ts";
import { startServer } from "./_helpers.ts";
import { startProvider } from "./_oidc_provider.ts";
import { keys } from "../lib/core/keys.ts";
import { getUserByEmail } from "../lib/accounts/users.ts";

const assets = await buildAssets();
const config = { ...browserConfig, outboundAllow: ["127.0.0.0/8"] };

test("browser sso - an admin sets up OpenID Connect; a new person signs in at the provider and out again", async () => {
  await using srv = await startServer({ config, assets });
  await using op = await startProvider(`${srv.url}/auth/oidc/callback`, {
    alice: { email: "alice@corp.test", name: "Alice Browser", groups: ["sre"] },
  });
  const admin = await person(srv, "Root", { admin: true });
  const team = (await admin.api.post("/api/v1/teams", { name: "SRE" })).json.team;
  const { page } = admin;
  await page.goto(srv.url + "/admin/sso");
  await page.waitForSelector("h1:has-text('Single sign-on')");
  assert.equal(await page.getAttribute("a[href='/admin/sso']", "aria-current"), "page");
  await page.check("input[name=oidc-enabled]");
  await page.fill("input[name=oidc-label]", "Corp SSO");
  await page.fill("input[name=oidc-issuer]", op.issuer);
  await page.fill("input[name=oidc-clientId]", "tocsin");
  await page.fill("input[name=oidc-clientSecret]", "tocsin-secret");
  await page.fill("input[name=oidc-scopes]", "openid email profile groups");
  await page.getByRole("button", { name: "Add mapping" }).click();
  await page.getByLabel("Group", { exact: true }).fill("sre");
  await shot(page, "sso-admin");
  await page.getByRole("button", { name: "Save" }).click();
  await page.waitForSelector("[role=status]:has-text('Saved.')");
  const stored = (await srv.kv.get<{
    oidc: { clientSecret: string; groupMappings: unknown[]; issuer: string };
  }>(keys.ssoSettings())).value!;
  assert.equal(stored.oidc.clientSecret, "tocsin-secret");
  assert.equal(stored.oidc.issuer, op.issuer);
  assert.deepEqual(stored.oidc.groupMappings, [{ group: "sre", teamId: team.id, role: "member" }]);
  // The secret is write-only: the field is empty and says a value is saved.
  assert.equal(await page.inputValue("input[name=oidc-clientSecret]"), "");
  await page.waitForSelector("section[aria-label='OpenID Connect'] .tag.on");
  await admin.ctx.close();

  // A person with no account yet, in a browser of their own.
  const ctx = await (await getBrowser()).newContext({ viewport: { width: 1100, height: 720 } });
  // The provider's pages load web fonts from the Internet: the test has none, so refuse at once.
  await ctx.route((u) => u.hostname !== "127.0.0.1", (r) => r.abort());
  const p = await ctx.newPage();
  p.setDefaultTimeout(30_000);
  await p.goto(srv.url + "/login");
  await p.getByRole("link", { name: "Sign in with Corp SSO" }).click();
  // The provider's own login page, then its consent page.
  await p.waitForURL((u) => u.href.startsWith(op.issuer));
  await p.fill("input[name=login]", "alice");
  await p.fill("input[name=password]", "whatever");
  await p.click("button[type=submit]");
  await p.waitForSelector("button[type=submit]:has-text('Continue')");
  await p.click("button[type=submit]");
  await p.waitForURL((u) => u.href.startsWith(srv.url) && u.pathname === "/");
  const alice = await getUserByEmail(srv.kv, "alice@corp.test");
  assert.equal(alice?.name, "Alice Browser");
  assert.equal(
    (await srv.kv.get<{ role: string }>(keys.teamMember(team.id, alice!.id))).value?.role,
    "member",
  );
  // Log out from the profile page: the provider asks, then sends the browser back to /login.
  await p.goto(srv.url + "/profile");
  await p.getByRole("button", { name: "Log out" }).click();
  await p.waitForURL((u) => u.href.startsWith(op.issuer));
  await p.click("button[value=yes]");
  await p.waitForURL((u) => u.href.startsWith(srv.url) && u.pathname === "/login");
  const me = await p.request.get(srv.url + "/api/v1/me");
  assert.equal(me.status(), 401);
  await ctx.close();
});

test("browser sso - 390 px in Chinese: the admin page and the login page's sign-in buttons fit", async () => {
  await using srv = await startServer({ config, assets });
  const admin = await person(srv, "Root", { admin: true, viewport: PHONE, locale: "zh-CN" });
  const team = (await admin.api.post("/api/v1/teams", { name: "SRE" })).json.team;
  const mapping = [{ group: "a-rather-long-directory-group-name", teamId: team.id, role: "admin" }];
  const r = await admin.api.request("PUT", "/api/v1/sso/settings", {
    oidc: {
      enabled: true,
      label: "Corp SSO",
      issuer: "http://127.0.0.1:9/realms/main",
      clientId: "tocsin",
      clientSecret: "s",
      scopes: "openid email profile",
      emailClaim: "email",
      nameClaim: "name",
      groupsClaim: "groups",
      jit: true,
      groupMappings: mapping,
    },
    ldap: {
      enabled: true,
      label: "目录",
      url: "ldap://127.0.0.1:9",
      startTls: true,
      bindDn: "cn=tocsin,dc=example,dc=com",
      bindPassword: "pw",
      baseDn: "dc=example,dc=com",
      userFilter: "(&(objectClass=inetOrgPerson)(uid={username}))",
      groupFilter: "(&(objectClass=groupOfNames)(member={dn}))",
      emailAttr: "mail",
      nameAttr: "cn",
      groupNameAttr: "cn",
      jit: false,
      groupMappings: mapping,
    },
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const { page } = admin;
  await page.goto(srv.url + "/admin/sso");
  await page.waitForSelector("h1:has-text('单点登录')");
  await page.waitForSelector("input[name=ldap-bindDn]");
  assert.equal(await page.inputValue("input[name=ldap-bindPassword]"), "");
  await page.waitForSelector("text=尚未同步");
  await assertNoHorizontalOverflow(page, "/admin/sso at 390 px");
  await shot(page, "sso-admin-phone");
  await admin.ctx.close();

  const ctx = await (await getBrowser()).newContext({ viewport: PHONE, locale: "zh-CN" });
  const p = await ctx.newPage();
  p.setDefaultTimeout(30_000);
  await p.goto(srv.url + "/login?sso_error=state");
  await p.waitForSelector("[role=alert]:has-text('该登录链接已使用或已过期')");
  await p.waitForSelector("a.sso-button:has-text('使用 Corp SSO 登录')");
  await p.waitForSelector("html[data-hydrated]");
  await p.getByRole("button", { name: "使用 目录 登录" }).click();
  await p.waitForSelector("input[name=username]");
  assert.equal(await p.locator("input[name=email]").count(), 0);
  await assertNoHorizontalOverflow(p, "/login at 390 px");
  await shot(p, "sso-login-phone");
  await ctx.close();
});

Deno.test({
  name: "browser sso - (teardown)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await closeBrowser();
  },
});
