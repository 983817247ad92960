/**
 * The profile page, the users and teams admin pages, the navigation on phones
 * and the dark theme in real Chromium: a member changes their name, language
 * and password and manages API tokens; an admin revokes someone's token and
 * renames and archives a team; every page fits 390 px as admin and member, in
 * English and Chinese, with a one-line bar; dark follows the system and the
 * toggle, from the first paint.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import {
  assertNoHorizontalOverflow,
  browserConfig as config,
  buildAssets,
  closeBrowser,
  type Person,
  person,
  PHONE,
  POLL,
  shot,
  test,
} from "./_browser.ts";
import { Client, startServer, type TestServer } from "./_helpers.ts";

const assets = await buildAssets();

/** Perceived lightness (0..1) of a computed CSS colour. */
async function lightness(page: Page, selector: string): Promise<number> {
  const rgb = await page.$eval(selector, (el) => getComputedStyle(el).backgroundColor);
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? []).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

test("browser people - profile: name and language saved, password change ends other sessions, tokens", async () => {
  await using srv = await startServer({ config, assets });
  const admin = await person(srv, "Root", { admin: true });
  const bob = await person(srv, "Bob");
  await bob.ctx.grantPermissions(["clipboard-read", "clipboard-write"], { origin: srv.url });
  const { page } = bob;
  // Bob in another browser: a session of its own.
  const other = new Client(srv.url);
  assert.equal(
    (await other.post("/api/v1/session", { email: "bob@example.com", password: "password-Bob" }))
      .status,
    200,
  );
  await page.goto(srv.url + "/profile");
  assert.equal(await page.title(), "Profile · Tocsin");
  await page.waitForSelector("text=No API tokens yet.");

  // Name and language: saved on the server, and the page switches to Chinese.
  await page.fill("form[aria-label='Profile'] input[name=name]", "Bobby");
  await page.selectOption("form[aria-label='Profile'] select[name=lang]", "zh");
  await page.click("form[aria-label='Profile'] button[type=submit]");
  await page.waitForSelector("h1:has-text('个人资料')");
  const stored = (await admin.api.get(`/api/v1/users/${bob.user.id}`)).json.user;
  assert.equal(stored.name, "Bobby");
  assert.equal(stored.lang, "zh");
  // The saved language wins over the browser's (en-US) on the next load, title included.
  await page.reload();
  await page.waitForSelector("h1:has-text('个人资料')");
  assert.equal(await page.title(), "个人资料 · Tocsin");
  await page.selectOption("form[aria-label='个人资料'] select[name=lang]", "en");
  await page.click("form[aria-label='个人资料'] button[type=submit]");
  await page.waitForSelector("h1:has-text('Profile')");
  assert.equal((await admin.api.get(`/api/v1/users/${bob.user.id}`)).json.user.lang, "en");

  // Password: a wrong current password is refused by its code, translated.
  const pw = "form[aria-label='Change password']";
  await page.fill(`${pw} input[name=current]`, "not-my-password");
  await page.fill(`${pw} input[name=next]`, "a-new-password-1");
  await page.click(`${pw} button[type=submit]`);
  await page.waitForSelector("[role=alert]:has-text('The current password is wrong.')");
  assert.equal((await other.get("/api/v1/me")).status, 200);
  await page.fill(`${pw} input[name=current]`, "password-Bob");
  await page.fill(`${pw} input[name=next]`, "a-new-password-1");
  await page.click(`${pw} button[type=submit]`);
  await page.waitForSelector("[role=status]:has-text('Your other sessions were logged out')");
  assert.equal((await other.get("/api/v1/me")).status, 401, "the other session ended");
  await page.reload();
  await page.waitForSelector("h1:has-text('Profile')");
  assert.match(page.url(), /\/profile$/, "this session stayed");
  const relogin = new Client(srv.url);
  assert.equal(
    (await relogin.post("/api/v1/session", {
      email: "bob@example.com",
      password: "a-new-password-1",
    }))
      .status,
    200,
  );

  // API tokens: created with an expiry, shown once, copied, listed, then revoked.
  const tk = "form[aria-label='Create token']";
  await page.fill(`${tk} input[name=name]`, "ci deploys");
  await page.selectOption(`${tk} select[name=expiry]`, "30");
  await page.click(`${tk} button[type=submit]`);
  const secret = (await page.textContent("[data-testid=new-token]"))!.trim();
  assert.match(secret, /^tcn_/);
  await page.click(".pp-secret button:has-text('Copy')");
  await page.waitForSelector(".pp-secret button:has-text('Copied.')");
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
  const row = page.locator("tr", { hasText: "ci deploys" });
  await row.waitFor();
  assert.ok((await row.textContent())!.includes("Never used"));
  const listed = (await relogin.get("/api/v1/tokens")).json.items;
  assert.equal(listed.length, 1);
  const days = (listed[0].expiresAt - Date.now()) / 86_400_000;
  assert.ok(days > 29 && days <= 30, `expires in ${days} days`);
  const bearer = new Client(srv.url, secret, null);
  assert.equal((await bearer.get("/api/v1/me")).status, 200);
  await page.reload();
  await page.waitForSelector("tr:has-text('ci deploys')");
  assert.equal(await page.locator("[data-testid=new-token]").count(), 0, "shown once only");
  await shot(page, "profile");
  page.once("dialog", (d) => d.accept());
  await row.locator("button", { hasText: "Revoke" }).click();
  await page.waitForSelector("text=No API tokens yet.");
  assert.equal((await bearer.get("/api/v1/me")).status, 401);
  // Contacts, rules and quiet hours are one click away.
  await page.click("a:has-text('Open my notification settings')");
  await page.waitForURL("**/oncall#my-notifications");
  await page.waitForSelector("#my-notifications");
  await admin.ctx.close();
  await bob.ctx.close();
});

test("browser people - admins revoke anyone's token; teams are renamed, archived and brought back", async () => {
  await using srv = await startServer({ config, assets });
  const admin = await person(srv, "Root", { admin: true });
  const bob = await person(srv, "Bob");
  const secret = (await bob.api.post("/api/v1/tokens", { name: "laptop script" })).json.token;
  const { page } = admin;
  await page.goto(srv.url + "/admin/users");
  await page.locator("tr", { hasText: "bob@example.com" }).locator("button", {
    hasText: "API tokens",
  }).click();
  await page.waitForSelector(".dialog tr:has-text('laptop script')");
  page.once("dialog", (d) => d.accept());
  await page.click(".dialog tr:has-text('laptop script') button:has-text('Revoke')");
  await page.waitForSelector(".dialog >> text=Bob has no API tokens.");
  assert.equal((await new Client(srv.url, secret, null).get("/api/v1/me")).status, 401);
  await page.click(".dialog button[aria-label='Close'], .dialog-head button");

  await page.goto(srv.url + "/admin/teams");
  await page.waitForSelector("text=No teams yet.");
  await page.fill("form[aria-label='Create team'] input[name=name]", "SRE");
  await page.click("form[aria-label='Create team'] button[type=submit]");
  await page.click(".team-list button:has-text('SRE')");
  await page.waitForSelector("text=Nobody is in this team yet.");
  await page.click(".team-detail button:has-text('Rename')");
  await page.fill("form[aria-label='Rename'] input[name=name]", "Platform");
  await page.click("form[aria-label='Rename'] button[type=submit]");
  await page.waitForSelector(".team-list button:has-text('Platform')");
  const team = (await admin.api.get("/api/v1/teams")).json.items[0];
  assert.equal(team.name, "Platform");
  assert.equal((await admin.api.post("/api/v1/teams", { name: "sre" })).status, 201);

  page.once("dialog", (d) => d.accept());
  await page.click(".team-detail button:has-text('Archive')");
  await page.waitForSelector(".team-list button:has-text('Platform')", { state: "detached" });
  assert.equal(
    typeof (await admin.api.get(`/api/v1/teams/${team.id}`)).json.team.archivedAt,
    "number",
  );
  await page.check("label.show-archived input");
  await page.click(".team-list button:has-text('Platform')");
  await page.waitForSelector(".team-list button:has-text('Platform (Archived)')");
  await page.waitForSelector("[role=note]:has-text('nobody is paged')");
  await shot(page, "teams-archived");
  await page.click(".team-detail button:has-text('Unarchive')");
  // Exactly "Archive": `has-text` would match the "Unarchive" button that is still there.
  await page.waitForSelector(".team-detail button:text-is('Archive')");
  assert.equal((await admin.api.get(`/api/v1/teams/${team.id}`)).json.team.archivedAt, undefined);
  await admin.ctx.close();
  await bob.ctx.close();
});

/** A world with a little of everything, so that lists and tables have rows to lay out. */
async function world(srv: TestServer, admin: Person, member: Person) {
  const team = (await admin.api.post("/api/v1/teams", {
    name: "Site reliability engineering",
    memberIds: [member.user.id],
    adminIds: [admin.user.id],
  })).json.team;
  const hook = (await admin.api.post("/api/v1/integrations", {
    name: "prometheus-alertmanager-production-cluster",
    type: "text",
    teamId: team.id,
  })).json;
  await fetch(`${srv.url}/hooks/${hook.integration.id}`, {
    method: "POST",
    headers: { authorization: `Bearer ${hook.token}`, priority: "high" },
    body: "Disk usage on db-primary-0001.example.internal is above 95 percent",
  });
  await admin.api.post("/api/v1/tokens", { name: "a rather long token name for tests" });
  const conv = (await admin.api.post("/api/v1/conversations", {
    kind: "direct",
    userId: member.user.id,
  })).json.conversation;
  await admin.api.post(`/api/v1/conversations/${conv.id}/messages`, {
    clientId: "w1",
    text: "hello",
  });
  return { conv };
}

/** Every page the navigation offers this user, plus a conversation and the profile. */
async function pagesOf(page: Page, convId: string): Promise<string[]> {
  const hrefs = await page.$$eval(".nav-links a", (as) => as.map((a) => a.getAttribute("href")!));
  return [...new Set([...hrefs, `/c/${convId}`, "/profile"])];
}

async function assertOneLineBar(page: Page, what: string) {
  const bar = await page.$eval("header.topbar", (el) => {
    const r = el.getBoundingClientRect();
    const kids = [...el.children].filter((c) =>
      getComputedStyle(c).display !== "none" &&
      getComputedStyle(c).position !== "absolute"
    )
      .map((c) => c.getBoundingClientRect()).filter((b) => b.width > 0);
    return { height: r.height, mids: kids.map((b) => Math.round(b.top + b.height / 2)) };
  });
  assert.ok(bar.height <= 56, `${what}: the bar is ${bar.height} px high`);
  const spread = Math.max(...bar.mids) - Math.min(...bar.mids);
  assert.ok(spread <= 8, `${what}: the bar's items sit on more than one line (${bar.mids})`);
}

/** Every page of the bar for one person in one language: fits 390 px, one-line bar, menu. */
async function checkEveryPage(
  srv: TestServer,
  p: Person,
  isAdmin: boolean,
  locale: string,
  convId: string,
) {
  const ctx = await p.ctx.browser()!.newContext({ viewport: PHONE, locale });
  await ctx.addCookies(await p.ctx.cookies());
  const page = await ctx.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(srv.url + "/profile");
  await page.waitForSelector(".nav-links a[href='/profile']", { state: "attached" });
  const pages = await pagesOf(page, convId);
  assert.equal(pages.includes("/admin/users"), isAdmin, "Users link only for admins");
  assert.equal(pages.includes("/admin/notifications"), isAdmin);
  for (const path of pages) {
    const what = `${p.user.name} ${locale} ${path}`;
    await page.goto(srv.url + path);
    await page.waitForSelector("header.topbar");
    // Let the island load its data and lay it out.
    await page.waitForLoadState("networkidle");
    await assertNoHorizontalOverflow(page, what);
    await assertOneLineBar(page, what);
    if (!isAdmin) {
      assert.equal(
        await page.locator("a[href='/admin/users'], a[href='/admin/notifications']").count(),
        0,
        `${what}: admin links shown to a member`,
      );
    }
  }
  // The menu opens the links, and they fit too.
  await page.goto(srv.url + "/alerts");
  await page.waitForLoadState("networkidle");
  const menu = page.locator("header.topbar .menu-button");
  assert.equal(await page.locator(".nav-links").isVisible(), false, "folded at 390 px");
  await menu.click();
  await page.waitForSelector(".nav-links a[href='/profile']", { state: "visible" });
  assert.equal(await menu.getAttribute("aria-expanded"), "true");
  await assertNoHorizontalOverflow(page, `${p.user.name} ${locale} menu open`);
  if (isAdmin && locale === "en-US") await shot(page, "phone-nav");
  if (!isAdmin && locale === "zh-CN") await shot(page, "phone-nav-zh-member");
  await page.click(".nav-links a[href='/profile']");
  await page.waitForURL("**/profile");
  await ctx.close();
}

test(
  "browser people - every page at 390 px, admin and member, English and Chinese: no sideways scroll, one-line bar",
  async () => {
    await using srv = await startServer({ config, assets });
    const admin = await person(srv, "Root", { admin: true, viewport: PHONE });
    const member = await person(srv, "Mia", { viewport: PHONE });
    const { conv } = await world(srv, admin, member);
    // The four walks run side by side: each page mostly waits for the network to go quiet.
    const walks = await Promise.allSettled(
      [admin, member].flatMap((p) =>
        ["en-US", "zh-CN"].map((locale) => checkEveryPage(srv, p, p === admin, locale, conv.id))
      ),
    );
    await admin.ctx.close();
    await member.ctx.close();
    for (const w of walks) if (w.status === "rejected") throw w.reason;
    // Every page of the bar, twice over in two languages: it grows with each page added.
  },
  300_000,
);

test("browser people - dark theme follows the system, the toggle overrides it from the first paint", async () => {
  await using srv = await startServer({ config, assets });
  const admin = await person(srv, "Root", { admin: true });
  const { page } = admin;
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto(srv.url + "/profile");
  // The token list loads after hydration: the theme select works from then on.
  await page.waitForSelector("text=No API tokens yet.");
  assert.ok(await lightness(page, "body") < 0.2, "dark body with a dark system");
  assert.ok(await lightness(page, ".pp-section") < 0.25, "dark cards");
  assert.ok(await lightness(page, "header.topbar") < 0.25, "dark bar");
  await shot(page, "dark-mode");
  // Light chosen: it holds against the dark system, and the server paints it at once.
  await page.selectOption("select.theme-select", "light");
  await page.waitForFunction(
    () => getComputedStyle(document.body).backgroundColor !== "rgb(20, 22, 26)",
    null,
    POLL,
  );
  assert.ok(await lightness(page, "body") > 0.8);
  const res = await page.goto(srv.url + "/admin/teams");
  assert.match(await res!.text(), /<html[^>]* data-theme="light"/);
  await page.waitForSelector("text=No teams yet.");
  assert.ok(await lightness(page, "body") > 0.8);
  assert.equal(await page.evaluate(() => localStorage.getItem("tocsin.theme")), "light");
  // Back to the system's.
  await page.selectOption("select.theme-select", "system");
  await page.waitForFunction(() => !document.documentElement.dataset.theme, null, POLL);
  assert.ok(await lightness(page, "body") < 0.2);
  // Dark chosen on a light system.
  await page.emulateMedia({ colorScheme: "light" });
  assert.ok(await lightness(page, "body") > 0.8);
  await page.selectOption("select.theme-select", "dark");
  const again = await page.goto(srv.url + "/alerts");
  assert.match(await again!.text(), /<html[^>]* data-theme="dark"/);
  assert.ok(await lightness(page, "body") < 0.2);
  assert.ok(await lightness(page, "header.topbar") < 0.25);
  await admin.ctx.close();
});

Deno.test({
  name: "browser people - (teardown)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await closeBrowser();
  },
});
