/**
 * The directory and site-wide announcements in real Chromium: an admin builds departments and
 * places a person; a member uploads an avatar and sets a status on the profile, browses the tree,
 * opens the card and starts a direct conversation from it. An announcement that needs
 * confirmation shows a banner (390 px, Chinese) until it is confirmed, and the admin sees who did.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  assertNoHorizontalOverflow,
  browserConfig,
  buildAssets,
  closeBrowser,
  person,
  PHONE,
  POLL,
  shot,
  test,
} from "./_browser.ts";
import { startServer } from "./_helpers.ts";
import { createUser } from "../lib/accounts/users.ts";

const assets = await buildAssets();

/** A 1 x 1 PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

test("browser directory - admin builds departments and places a person; a member browses, opens the card and messages them", async () => {
  await using srv = await startServer({ config: browserConfig, assets });
  const admin = await person(srv, "Root", { admin: true });
  const bob = await createUser(srv.core, {
    email: "bob@example.com",
    name: "Bob Chen",
    password: "password-bob",
    role: "member",
  });
  const { page } = admin;
  await page.goto(srv.url + "/directory");
  await page.waitForSelector("text=No departments yet. Add the first one below.");
  const add = async (name: string, parent?: string) => {
    const form = page.locator("form[aria-label='Add department']");
    await form.locator("input[name=name]").fill(name);
    if (parent) await form.locator("select[name=parent]").selectOption({ label: parent });
    await form.locator("button[type=submit]").click();
    await page.waitForSelector(`li[data-dept='${name}']`);
  };
  await add("Engineering");
  await page.click("button:has-text('Edit departments')");
  await add("SRE", "Engineering");
  const depts = (await admin.api.get("/api/v1/departments")).json.items;
  const eng = depts.find((d: { name: string }) => d.name === "Engineering");
  const sre = depts.find((d: { name: string }) => d.name === "SRE");
  assert.equal(sre.parentId, eng.id);
  // Place Bob in SRE with a title, from his card.
  await page.fill("input.dir-search", "bob");
  await page.click("button.dir-person:has-text('Bob Chen')");
  const place = page.locator("form[aria-label='Department and title']");
  await place.locator("select[name=department]").selectOption({ label: "\u00a0\u00a0SRE" });
  await place.locator("input[name=title]").fill("SRE Lead");
  await place.locator("button[type=submit]").click();
  await page.waitForSelector(".dir-card dd:has-text('Engineering › SRE')");
  const placed = (await admin.api.get(`/api/v1/users/${bob.id}`)).json.user;
  assert.equal(placed.departmentId, sre.id);
  assert.equal(placed.title, "SRE Lead");
  await shot(page, "directory-admin");
  await admin.ctx.close();

  // Ann sets her avatar and status on the profile page.
  const ann = await person(srv, "Ann");
  const p = ann.page;
  await p.goto(srv.url + "/profile");
  await p.waitForSelector("html[data-hydrated]");
  await p.setInputFiles(".dir-upload input[type=file]", {
    name: "me.png",
    mimeType: "image/png",
    buffer: PNG,
  });
  await p.waitForSelector(
    "#dir-me ~ .dir-avatar-row img.avatar-img, .dir-avatar-row img.avatar-img",
  );
  const me = await p.locator("form[aria-label='My directory card']");
  await me.locator("input[name=emoji]").fill("🌴");
  await me.locator("input[name=status]").fill("On leave until Monday");
  await me.locator("button[type=submit]").click();
  await p.waitForSelector("text=Saved.");
  const annUser = (await ann.api.get("/api/v1/me")).json.user;
  assert.ok(annUser.avatar, "the avatar is stored");
  assert.deepEqual(annUser.status, { text: "On leave until Monday", emoji: "🌴" });

  // She browses: Engineering holds Bob (in SRE below it); his card; Message opens a DM.
  await p.goto(srv.url + "/directory");
  await p.waitForSelector("button.dir-person:has-text('Ann') img.avatar-img");
  await p.waitForSelector("button.dir-person:has-text('On leave until Monday')");
  await p.click("li[data-dept='Engineering'] button.dir-node");
  await p.waitForSelector("button.dir-person:has-text('Bob Chen')");
  // Bob is in the whole list too: wait for the department's list to replace it.
  await p.waitForFunction(
    () => document.querySelectorAll("button.dir-person").length === 1,
    null,
    POLL,
  ).catch(() => {});
  assert.equal(await p.locator("button.dir-person").count(), 1);
  await p.click("button.dir-person:has-text('Bob Chen')");
  await p.waitForSelector(".dir-card:has-text('SRE Lead')");
  assert.equal(await p.locator("form[aria-label='Department and title']").count(), 0);
  await shot(p, "directory-card");
  await p.click(".dir-card button:has-text('Message')");
  await p.waitForURL(/\/c\/[0-9A-Z]{26}$/);
  const convId = new URL(p.url()).pathname.split("/")[2];
  const conv = (await ann.api.get(`/api/v1/conversations/${convId}`)).json.conversation;
  assert.equal(conv.kind, "direct");
  assert.equal(conv.peer.id, bob.id);
  await ann.ctx.close();
});

test("browser directory - an announcement needing confirmation shows a banner at 390 px in Chinese until confirmed; the admin sees who confirmed", async () => {
  await using srv = await startServer({ config: browserConfig, assets });
  const admin = await person(srv, "Root", { admin: true, viewport: PHONE, locale: "zh-CN" });
  const { page } = admin;
  await page.goto(srv.url + "/admin/announcements");
  await page.waitForSelector("text=还没有公告");
  await page.click("button:has-text('新建公告')");
  const form = page.locator("form[aria-label='新建公告']");
  await form.locator("input[name=title]").fill("周六数据库维护");
  await form.locator("textarea[name=body]").fill("**22:00** 开始，预计 1 小时。");
  await page.waitForSelector(".ann-preview strong:has-text('22:00')");
  await form.locator("input[name=confirm]").check();
  await form.locator("button[type=submit]").click();
  await page.waitForSelector("li.ann-item:has-text('周六数据库维护') .badge:has-text('生效中')");
  const [a] = (await admin.api.get("/api/v1/announcements")).json.items;
  assert.equal(a.requireConfirm, true);
  await assertNoHorizontalOverflow(page, "announcements admin, 390 px, zh");
  await shot(page, "announcements-admin-phone-zh");

  const mia = await person(srv, "Mia", { viewport: PHONE, locale: "zh-CN" });
  const p = mia.page;
  await p.goto(srv.url + "/directory");
  await p.waitForSelector(".ann-banner:has-text('周六数据库维护') button:has-text('我已阅读')");
  await p.waitForSelector("h1:has-text('通讯录')");
  await assertNoHorizontalOverflow(p, "directory with banner, 390 px, zh");
  await shot(p, "directory-banner-phone-zh");
  // Still there on another page until confirmed; then gone for good.
  await p.goto(srv.url + "/");
  await p.waitForSelector(".ann-banner button:has-text('我已阅读')");
  await assertNoHorizontalOverflow(p, "chat with banner, 390 px, zh");
  await p.click(".ann-banner button:has-text('我已阅读')");
  await p.waitForSelector(".ann-banner", { state: "detached" });
  const seen = (await admin.api.get(`/api/v1/announcements/${a.id}/confirmations`)).json;
  assert.deepEqual(seen.confirmed.map((u: { id: string }) => u.id), [mia.user.id]);
  const reloaded = p.waitForResponse((r) => r.url().endsWith("/api/v1/announcements/active"));
  await p.reload();
  await reloaded;
  await p.waitForSelector("html[data-hydrated]");
  assert.equal(await p.locator(".ann-banner").count(), 0);
  await mia.ctx.close();

  // The admin sees Mia among those who confirmed.
  await page.reload();
  await page.click("li.ann-item button:has-text('已读情况')");
  await page.waitForSelector("li[data-confirmed]:has-text('Mia')");
  await page.waitForSelector("text=已确认：1");
  await admin.ctx.close();
});

Deno.test({
  name: "browser directory - (teardown)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await closeBrowser();
  },
});
