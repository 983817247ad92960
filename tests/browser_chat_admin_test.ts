/**
 * Files, group admin, typing, presence and sensitive words in real Chromium: an owner attaches an image (button and paste) and a
 * log file, opens the image full size, mutes a member who is then refused and told why, pins a
 * message and posts an announcement the member sees as a banner. On a desktop in English and
 * on a 390 px phone in Chinese, with what the server stored checked each time.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Page } from "playwright-core";
import {
  assertNoHorizontalOverflow,
  browserConfig,
  buildAssets,
  closeBrowser,
  type Person,
  person,
  PHONE,
  shot,
  test,
} from "./_browser.ts";
import { startServer, type TestServer } from "./_helpers.ts";

const assets = await buildAssets();
const config = { ...browserConfig, fileSweepMs: 0 };
/** A 1×1 PNG. */
const PNG = Uint8Array.from(
  atob(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  ),
  (c) => c.charCodeAt(0),
);

async function setup(srv: TestServer, locale: string, viewport?: typeof PHONE) {
  const owner = await person(srv, "Olga", { admin: true, locale, viewport });
  const bob = await person(srv, "Bob", { locale, viewport });
  const conv = (await owner.api.post("/api/v1/conversations", {
    kind: "group",
    title: "db-incident",
    memberIds: [bob.user.id],
  })).json.conversation.id as string;
  await owner.api.post(`/api/v1/conversations/${conv}/messages`, {
    clientId: "m1",
    text: "runbook: restart the replica",
  });
  await owner.page.goto(`${srv.url}/c/${conv}`);
  await bob.page.goto(`${srv.url}/c/${conv}`);
  await owner.page.waitForSelector(".msg:has-text('runbook')");
  return { owner, bob, conv };
}

async function stored(p: Person, conv: string) {
  return (await p.api.get(`/api/v1/conversations/${conv}/messages`)).json.items as {
    text: string;
    senderId: string;
    files?: { name: string; type: string; size: number }[];
  }[];
}

async function attachImage(page: Page) {
  await page.setInputFiles("[data-testid=attach-input]", {
    name: "graph.png",
    mimeType: "image/png",
    buffer: Buffer.from(PNG),
  });
  await page.waitForFunction(() =>
    [...document.querySelectorAll<HTMLImageElement>(".att-image img")].some((i) =>
      i.complete && i.naturalWidth === 1
    )
  );
}

async function openInfo(page: Page, label: string) {
  await page.click(`.chat-head button.linkish:has-text('${label}')`);
  await page.waitForSelector(".dialog");
}

test("browser chat admin - desktop: attach by button and paste, open full size, mute, pin, announce", async () => {
  await using srv = await startServer({ config, assets });
  const { owner, bob, conv } = await setup(srv, "en-US");
  const page = owner.page;

  // Typing: Bob types, Olga sees it (nothing is stored). A notice is ephemeral, so both pages
  // must be connected first: one sent before Olga's socket is up is not replayed to her.
  await page.waitForSelector(".chat-head .dot.online");
  await bob.page.waitForSelector(".chat-head .dot.online");
  await bob.page.locator(".composer textarea").pressSequentially("hel");
  await page.waitForSelector("[data-testid=typing]:has-text('Bob is typing')");
  await bob.page.locator(".composer textarea").fill("");

  // Attach by button: shown inline, stored as one message with the file.
  await attachImage(page);
  await bob.page.waitForSelector(".att-image img");
  let items = await stored(owner, conv);
  assert.deepEqual(items.at(-1)!.files!.map((f) => [f.name, f.type, f.size]), [
    ["graph.png", "image/png", PNG.byteLength],
  ]);
  // Paste an image into the composer.
  await page.locator(".composer textarea").focus();
  await page.evaluate((bytes) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(bytes)], "pasted.png", { type: "image/png" }));
    document.querySelector(".composer textarea")!.dispatchEvent(
      new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }),
    );
  }, [...PNG]);
  await page.waitForFunction(() => document.querySelectorAll(".att-image img").length === 2);
  items = await stored(owner, conv);
  assert.equal(items.at(-1)!.files![0].name, "pasted.png");
  // A log file: a named attachment with its size.
  await page.setInputFiles("[data-testid=attach-input]", {
    name: "app.log",
    mimeType: "",
    buffer: Buffer.from("ERROR x\n".repeat(200)),
  });
  await page.waitForSelector(".att-file:has-text('app.log'):has-text('1.6 KB')");
  assert.equal((await stored(owner, conv)).at(-1)!.files![0].type, "text/plain");
  // Full size.
  await page.locator(".att-image").first().click();
  await page.waitForSelector(".dialog img.att-full");
  await shot(page, "chat-image-full");
  await page.keyboard.press("Escape");

  // Pin the runbook message.
  await page.locator(".msg:has-text('runbook') .pin-btn").click();
  await page.waitForSelector(".pins-toggle:has-text('Pinned (1)')");
  await bob.page.click(".pins-toggle");
  await bob.page.waitForSelector("[data-testid=pin-list]:has-text('restart the replica')");

  // Mute Bob for an hour from the group info dialog.
  await openInfo(page, "Group info");
  // Bob is online (a dot in his row).
  await page.waitForSelector(`li[data-user='${bob.user.id}'] .presence-dot.on`);
  await page.selectOption(`li[data-user='${bob.user.id}'] select[aria-label='Mute']`, "3600000");
  await page.waitForSelector(`li[data-user='${bob.user.id}']:has-text('muted until')`);
  // Announce, valid one day.
  await page.fill("textarea[aria-label='Announcement text']", "Change freeze until Monday");
  await page.click("button:has-text('Post announcement')");
  await page.waitForSelector("[data-testid=announcement]:has-text('Change freeze')");
  await shot(page, "chat-group-admin");
  await page.keyboard.press("Escape");

  // Bob sees the banner and why he cannot post; his message is refused and not stored.
  await bob.page.waitForSelector(
    "[data-testid=announcement]:has-text('Change freeze until Monday')",
  );
  await bob.page.waitForSelector(".mute-note:has-text('You are muted here until')");
  await bob.page.locator(".composer textarea").fill("can I post?");
  await bob.page.keyboard.press("Enter");
  await bob.page.waitForSelector(".msg.pending [data-status=failed]");
  const title = await bob.page.getAttribute(".msg.pending button[title]", "title");
  assert.match(title ?? "", /You cannot post here now/);
  assert.equal((await stored(owner, conv)).some((m) => m.text === "can I post?"), false);
  await shot(bob.page, "chat-muted-member");
  await owner.ctx.close();
  await bob.ctx.close();
});

test("browser chat admin - 390 px, zh-CN: image, mute the group, announcement; nothing overflows", async () => {
  await using srv = await startServer({ config, assets });
  const { owner, bob, conv } = await setup(srv, "zh-CN", PHONE);
  const page = owner.page;
  await page.waitForSelector("button:has-text('添加附件')");
  await attachImage(page);
  await assertNoHorizontalOverflow(page, "chat with an image");
  await openInfo(page, "群信息");
  await page.selectOption("select[aria-label='全员禁言']", "3600000");
  await page.waitForSelector(".dialog:has-text('全员禁言至')");
  await page.fill("textarea[aria-label='公告内容']", "今晚 22:00 数据库维护");
  await page.click("button:has-text('发布公告')");
  await assertNoHorizontalOverflow(page, "group info dialog");
  await shot(page, "chat-group-admin-phone-zh");
  await page.keyboard.press("Escape");
  await bob.page.waitForSelector("[data-testid=announcement]:has-text('数据库维护')");
  await bob.page.waitForSelector(".mute-note:has-text('全员禁言中')");
  await assertNoHorizontalOverflow(bob.page, "muted member's chat");
  const r = await bob.api.post(`/api/v1/conversations/${conv}/messages`, {
    clientId: "b1",
    text: "x",
  });
  assert.equal(r.json.error.code, "muted");
  await owner.ctx.close();
  await bob.ctx.close();
});

test("browser chat admin - sensitive words page: an admin adds a blocking word; a member's message with it is refused", async () => {
  await using srv = await startServer({ config, assets });
  const { owner, bob, conv } = await setup(srv, "en-US");
  const page = owner.page;
  await page.goto(`${srv.url}/admin/words`);
  await page.waitForSelector("text=No rules yet.");
  await page.fill("input[name=pattern]", "rm -rf");
  await page.selectOption("select[name=action]", "block");
  await page.click("button:has-text('Add rule')");
  await page.waitForSelector("li[data-rule='rm -rf']:has-text('Block the message')");
  await shot(page, "admin-sensitive-words");
  const rules = (await owner.api.get("/api/v1/sensitive-words")).json.items;
  assert.deepEqual(rules.map((r: { pattern: string; action: string }) => [r.pattern, r.action]), [
    ["rm -rf", "block"],
  ]);
  // A member does not see the link, and the page sends them away.
  await bob.page.goto(`${srv.url}/admin/words`);
  assert.equal(new URL(bob.page.url()).pathname, "/admin/teams");
  assert.equal(await bob.page.locator("a[href='/admin/words']").count(), 0);
  // Bob's message with the word is refused, and says why.
  await bob.page.goto(`${srv.url}/c/${conv}`);
  // Typed once the page is live (hydrated and connected), or Enter goes to a bare textarea.
  await bob.page.waitForSelector(".chat-head .dot.online");
  await bob.page.locator(".composer textarea").fill("just rm -rf /var/lib/pg");
  await bob.page.keyboard.press("Enter");
  await bob.page.waitForSelector(".msg.pending [data-status=failed]");
  const title = await bob.page.getAttribute(".msg.pending button[title]", "title");
  assert.match(title ?? "", /Not sent: the message contains a blocked word: “rm -rf”/);
  assert.equal((await stored(owner, conv)).some((m) => m.text.includes("rm -rf")), false);
  await owner.ctx.close();
  await bob.ctx.close();
});

test("browser chat admin - sensitive words page at 390 px in Chinese", async () => {
  await using srv = await startServer({ config, assets });
  const admin = await person(srv, "Root", { admin: true, locale: "zh-CN", viewport: PHONE });
  await admin.api.post("/api/v1/sensitive-words", {
    pattern: "密码",
    kind: "word",
    action: "replace",
  });
  await admin.page.goto(`${srv.url}/admin/words`);
  await admin.page.waitForSelector("h1:has-text('敏感词')");
  await admin.page.waitForSelector("li[data-rule='密码']:has-text('替换为 ***')");
  await assertNoHorizontalOverflow(admin.page, "sensitive words page");
  await shot(admin.page, "admin-sensitive-words-phone-zh");
  await admin.page.click("li[data-rule='密码'] button:has-text('删除')");
  await admin.page.waitForSelector("text=还没有规则");
  assert.deepEqual((await admin.api.get("/api/v1/sensitive-words")).json.items, []);
  await admin.ctx.close();
});

Deno.test({
  name: "browser chat admin - (teardown)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await closeBrowser();
  },
});
