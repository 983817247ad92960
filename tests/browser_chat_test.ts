/**
 * The chat's message features in real Chromium: Markdown rendered safely, reply and jump to an
 * original far back in history, reactions, edit and recall (desktop), and the "new messages"
 * divider, jump to latest and a reaction at phone width in Chinese.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import {
  assertNoHorizontalOverflow,
  browserConfig as config,
  buildAssets,
  closeBrowser,
  person,
  PHONE,
  shot,
  test,
} from "./_browser.ts";
import { startServer } from "./_helpers.ts";
import { keys } from "../lib/core/keys.ts";
import type { Message } from "../lib/protocol.ts";

const assets = await buildAssets();

/** Opens the menu of the message with `seq` and clicks the item named `item` (text or label). */
async function menu(page: Page, seq: number, item: string) {
  const row = page.locator(`li.msg[data-seq="${seq}"]`);
  await row.locator(".msg-menu-btn").click();
  await row.locator(`.msg-menu button:has-text("${item}"), .msg-menu button[aria-label="${item}"]`)
    .first().click();
}

test("browser chat - Markdown, reply and jump far back, react, edit and recall", async () => {
  await using srv = await startServer({ config, assets });
  const alice = await person(srv, "Alice", { admin: true });
  const bob = await person(srv, "Bob");
  const conv = (await alice.api.post("/api/v1/conversations", {
    kind: "group",
    title: "incident",
    memberIds: [bob.user.id],
  })).json.conversation;
  const url = `/api/v1/conversations/${conv.id}/messages`;
  const original = (await alice.api.post(url, { clientId: "orig", text: "root cause: DNS" })).json
    .message as Message;
  for (let i = 0; i < 120; i++) await bob.api.post(url, { clientId: `f${i}`, text: `filler ${i}` });

  await alice.page.goto(`${srv.url}/c/${conv.id}`);
  await bob.page.goto(`${srv.url}/c/${conv.id}`);
  await alice.page.waitForSelector(".msg-list li.msg");

  // Markdown typed in the composer is rendered for the reader; a script link is not a link.
  const box = alice.page.locator(".composer textarea");
  await box.fill(
    "**bold** and `code`\n\n```\nkubectl get pods\n```\n\n| svc | state |\n|---|---|\n| api | down |\n\n" +
      "[runbook](https://runbooks.example/dns) [bad](javascript:alert(1)) ![x](https://evil.example/t.png)",
  );
  await box.press("Enter");
  const last = bob.page.locator(".msg-list li.msg").last();
  await last.locator("strong:has-text('bold')").waitFor();
  assert.equal(await last.locator("pre code").textContent(), "kubectl get pods\n");
  assert.equal(await last.locator("table td").first().textContent(), "api");
  const link = last.locator("a:has-text('runbook')");
  assert.equal(await link.getAttribute("target"), "_blank");
  assert.equal(await link.getAttribute("rel"), "noopener noreferrer");
  assert.equal(await last.locator("a[href^='javascript']").count(), 0);
  assert.equal(await last.locator("img").count(), 0);
  assert.ok(await last.locator("button[data-md-copy]").count() === 1, "a copy button");
  await shot(bob.page, "chat-markdown");

  // Bob replies to the newest message through its menu; the server stores the quote.
  const mdSeq = Number(await last.getAttribute("data-seq"));
  await menu(bob.page, mdSeq, "Reply");
  await bob.page.waitForSelector("[data-replying]");
  await bob.page.locator(".composer textarea").fill("on it");
  await bob.page.locator(".composer textarea").press("Enter");
  await bob.page.waitForSelector(`.reply-quote[data-reply-to="${mdSeq}"]`);
  const hist = (await bob.api.get(url)).json.items as Message[];
  assert.equal(hist.at(-1)!.replyTo?.seq, mdSeq);

  // A reply to the first message, 120 messages back: clicking the quote loads and shows it.
  await bob.api.post(url, { clientId: "rq", text: "see above", replyTo: original.seq });
  await alice.page.waitForSelector(`.reply-quote[data-reply-to="${original.seq}"]`);
  assert.equal(await alice.page.locator(`li.msg[data-seq="${original.seq}"]`).count(), 0);
  await alice.page.click(`.reply-quote[data-reply-to="${original.seq}"]`);
  const orig = alice.page.locator(`li.msg[data-seq="${original.seq}"]`);
  await orig.waitFor();
  assert.ok(await orig.isVisible());
  await alice.page.waitForSelector("[data-jump-latest]");
  await alice.page.click("[data-jump-latest]");

  // Bob reacts to Alice's Markdown message; Alice sees the count and who.
  await menu(bob.page, mdSeq, "React 👍");
  const chip = alice.page.locator(`li.msg[data-seq="${mdSeq}"] .reaction[data-emoji="👍"]`);
  await chip.waitFor();
  assert.equal((await chip.locator(".count").textContent())?.trim(), "1");
  assert.equal(await chip.getAttribute("title"), "Bob");
  const stored = (await srv.kv.get<Message>(keys.message(conv.id, mdSeq))).value!;
  assert.deepEqual(stored.reactions, { "👍": [bob.user.id] });

  // Alice edits her message; Bob sees the new text marked as edited.
  await menu(alice.page, mdSeq, "Edit");
  await alice.page.locator(".edit-box textarea").fill("**fixed** text");
  await alice.page.click(".edit-box >> text=Save");
  const edited = bob.page.locator(`li.msg[data-seq="${mdSeq}"]`);
  await edited.locator("strong:has-text('fixed')").waitFor();
  await edited.locator("[data-edited]").waitFor();

  // Alice recalls a fresh message; Bob sees "Message recalled" and KV no longer has the text.
  await box.fill("oops wrong channel");
  await box.press("Enter");
  const mine = alice.page.locator("li.msg.mine:not(.pending)").last();
  await mine.locator(".bubble:has-text('oops wrong channel')").waitFor();
  const oopsSeq = Number(await mine.getAttribute("data-seq"));
  alice.page.once("dialog", (d) => d.accept());
  await menu(alice.page, oopsSeq, "Recall");
  await bob.page.locator(`li.msg[data-seq="${oopsSeq}"] [data-recalled]`).waitFor();
  const gone = (await srv.kv.get<Message>(keys.message(conv.id, oopsSeq))).value!;
  assert.equal(gone.text, "");
  assert.equal(gone.recalled, true);
  await shot(bob.page, "chat-edit-recall");
  await alice.ctx.close();
  await bob.ctx.close();
});

test("browser chat - phone width in Chinese: new-messages divider, jump to latest, react", async () => {
  await using srv = await startServer({ config, assets });
  const alice = await person(srv, "Alice", { admin: true });
  const bob = await person(srv, "Bob", { viewport: PHONE, locale: "zh-CN" });
  const conv = (await alice.api.post("/api/v1/conversations", {
    kind: "group",
    title: "值班",
    memberIds: [bob.user.id],
  })).json.conversation;
  const url = `/api/v1/conversations/${conv.id}/messages`;
  const first = (await alice.api.post(url, { clientId: "a0", text: "早上好" })).json.message;
  await bob.api.post(`/api/v1/conversations/${conv.id}/read`, { seq: first.seq });
  for (let i = 0; i < 40; i++) {
    await alice.api.post(url, { clientId: `a${i + 1}`, text: `第 ${i + 1} 条：\`disk\` **${i}**` });
  }
  await bob.page.goto(`${srv.url}/c/${conv.id}`);
  const divider = bob.page.locator("[data-new-divider]");
  await divider.waitFor();
  assert.equal((await divider.textContent())?.trim(), "以下为新消息");
  // The divider sits right before the first unread message.
  const next = bob.page.locator("[data-new-divider] + li.msg");
  assert.equal(Number(await next.getAttribute("data-seq")), first.seq + 1);
  await bob.page.waitForSelector("[data-jump-latest]");
  await bob.page.click("[data-jump-latest]");
  await bob.page.waitForSelector("[data-jump-latest]", { state: "detached" });
  await assertNoHorizontalOverflow(bob.page, "chat at 390 px");

  // React to the last message through the menu, in Chinese.
  const last = bob.page.locator(".msg-list li.msg").last();
  const seq = Number(await last.getAttribute("data-seq"));
  await last.locator(".msg-menu-btn").click();
  await last.locator(".msg-menu button[aria-label='表态 ✅']").click();
  await last.locator(".reaction[data-emoji='✅']").waitFor();
  const stored = (await srv.kv.get<Message>(keys.message(conv.id, seq))).value!;
  assert.deepEqual(stored.reactions, { "✅": [bob.user.id] });
  // A quick reply is sent as it is.
  await bob.page.click(".quick-replies >> text=我来处理");
  await bob.page.locator("li.msg.mine .bubble:has-text('我来处理')").waitFor();
  await assertNoHorizontalOverflow(bob.page, "chat with a reaction at 390 px");
  await shot(bob.page, "chat-phone-zh");
  await alice.ctx.close();
  await bob.ctx.close();
});

Deno.test({
  name: "browser chat - (teardown)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await closeBrowser();
  },
});
