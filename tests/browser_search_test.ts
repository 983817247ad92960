/**
 * The search page (/search), driven in Chromium like a person: a word typed, the hit shown with
 * its match highlighted, and a click that opens the conversation at a message far back in its
 * history; at phone width in Chinese, a Chinese query finds a Chinese message.
 */
import assert from "node:assert/strict";
import {
  assertNoHorizontalOverflow,
  browserConfig,
  buildAssets,
  closeBrowser,
  type Person,
  person,
  PHONE,
  POLL,
  shot,
  test,
} from "./_browser.ts";
import { startServer, type TestServer } from "./_helpers.ts";
import { sendMessage } from "../lib/chat/messages.ts";
import { keys } from "../lib/core/keys.ts";
import type { Message } from "../lib/protocol.ts";

const assets = await buildAssets();
const config = { ...browserConfig, sendRatePerSec: 0 };

/** Ada and Bob in a group "ops" whose history holds `first`, then `filler` more messages. */
async function world(
  srv: TestServer,
  first: string,
  filler: number,
  opts: { viewport?: typeof PHONE; locale?: string } = {},
) {
  const ada = await person(srv, "Ada", { admin: true, ...opts });
  const bob = await person(srv, "Bob", opts);
  const conv = (await ada.api.post("/api/v1/conversations", {
    kind: "group",
    title: "ops",
    memberIds: [bob.user.id],
  })).json.conversation as { id: string };
  const say = (text: string) =>
    sendMessage(srv.core, ada.user.id, conv.id, { clientId: crypto.randomUUID(), text });
  const target = (await say(first)).message;
  // At once: group commit writes them in a few commits.
  await Promise.all(Array.from({ length: filler }, (_, i) => say(`routine status update ${i}`)));
  return { ada, bob, conv, target };
}

async function closeAll(...people: Person[]) {
  for (const p of people) await p.ctx.close();
}

test("browser search - a word finds the message, highlighted; a click opens the conversation at it, far back", async () => {
  await using srv = await startServer({ assets, config });
  const { ada, bob, conv, target } = await world(srv, "Kafka broker rebalance is stuck", 120);
  const page = bob.page;
  await page.goto(srv.url + "/");
  await page.click("nav a[href='/search']");
  await page.waitForSelector("html[data-hydrated]");
  await page.fill("input[name=q]", "rebalance KAFKA");
  await page.click("button[type=submit]");
  const hit = page.locator(`[data-hit="${target.id}"]`);
  await hit.waitFor();
  assert.deepEqual(await hit.locator("mark").allTextContents(), ["Kafka", "rebalance"]);
  assert.equal(await page.locator("[data-hit]").count(), 1, "the filler does not match");
  await shot(page, "search-desktop");

  await hit.locator("a").click();
  await page.waitForURL(srv.url + `/c/${conv.id}`);
  // The history is 121 messages deep and the chat loads the latest 50: the jump loads back to it.
  const row = page.locator(`li.msg[data-seq="${target.seq}"]`);
  await row.waitFor();
  assert.match((await row.textContent()) ?? "", /Kafka broker rebalance is stuck/);
  await page.waitForFunction(
    (seq) => {
      const el = document.querySelector(`li.msg[data-seq="${seq}"]`);
      if (!el) return false;
      const r = el.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= innerHeight;
    },
    target.seq,
    POLL,
  );
  const stored = await srv.kv.get<Message>(keys.message(conv.id, target.seq));
  assert.equal(stored.value?.id, target.id);

  // The chat header's search looks in this conversation only.
  const other = (await ada.api.post("/api/v1/conversations", {
    kind: "group",
    title: "db",
    memberIds: [bob.user.id],
  })).json.conversation as { id: string };
  await sendMessage(srv.core, ada.user.id, other.id, { clientId: "o1", text: "rebalance again" });
  await page.click(".chat-head a.chat-search");
  await page.waitForURL(srv.url + `/search?conversationId=${conv.id}`);
  await page.waitForSelector("html[data-hydrated]");
  await page.fill("input[name=q]", "rebalance");
  await page.click("button[type=submit]");
  await hit.waitFor();
  assert.equal(await page.locator("[data-hit]").count(), 1, "not the other conversation's");
  await closeAll(ada, bob);
});

test("browser search - at 390 px in Chinese, a Chinese query finds a Chinese message", async () => {
  await using srv = await startServer({ assets, config });
  const { ada, bob, target } = await world(srv, "生产环境数据库连接失败了，请检查 db-01", 3, {
    viewport: PHONE,
    locale: "zh-CN",
  });
  const page = bob.page;
  await page.goto(srv.url + "/search");
  await page.waitForSelector("html[data-hydrated]");
  await page.waitForSelector("h1:has-text('搜索')");
  await assertNoHorizontalOverflow(page, "search page, empty");
  await page.fill("input[name=q]", "连接失败");
  await page.press("input[name=q]", "Enter");
  const hit = page.locator(`[data-hit="${target.id}"]`);
  await hit.waitFor();
  assert.deepEqual(await hit.locator("mark").allTextContents(), ["连接失败"]);
  assert.ok(page.url().includes("q=%E8%BF%9E"), "the query is in the page's address");
  await page.locator("details.search-filters summary").click();
  await assertNoHorizontalOverflow(page, "search page with results and filters");
  await shot(page, "search-phone-zh");
  await closeAll(ada, bob);
});

Deno.test({
  name: "browser search - (teardown)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await closeBrowser();
  },
});
