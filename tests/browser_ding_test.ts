/**
 * DING in real Chromium: Ann DINGs her message to Bob from the conversation header; Bob, on a
 * phone in Chinese, gets a banner that stays until he confirms; Ann's dialog shows him confirmed.
 */
import assert from "node:assert/strict";
import {
  assertNoHorizontalOverflow,
  browserConfig as config,
  buildAssets,
  closeBrowser,
  person,
  PHONE,
  POLL,
  shot,
  test,
} from "./_browser.ts";
import { startServer } from "./_helpers.ts";

const assets = await buildAssets();

test("browser ding - send from the header, a banner until confirmed, the sender sees it", async () => {
  await using srv = await startServer({ config, assets });
  await person(srv, "Root", { admin: true });
  const ann = await person(srv, "Ann");
  const bob = await person(srv, "Bob", { viewport: PHONE, locale: "zh-CN" });
  const conv = (await ann.api.post("/api/v1/conversations", {
    kind: "group",
    title: "Database",
    memberIds: [bob.user.id],
  })).json.conversation;
  await ann.api.post(`/api/v1/conversations/${conv.id}/messages`, {
    clientId: "m1",
    text: "Replica lag is 10 minutes, need eyes now",
  });
  await bob.page.goto(srv.url + "/");
  await bob.page.waitForSelector("text=Database");
  assert.equal(await bob.page.$(".ding-banner"), null, "no banner before a DING");

  const { page } = ann;
  await page.goto(srv.url + `/c/${conv.id}`);
  await page.waitForSelector("text=Replica lag is 10 minutes");
  await page.click("button.ding-button");
  await page.waitForSelector("form.ding-form");
  await page.waitForSelector("text=No DING here yet.");
  await page.check(`form.ding-form input[name=to][value='${bob.user.id}']`);
  await page.selectOption("form.ding-form select[name=mode]", "sms");
  await page.click("form.ding-form button[type=submit]");
  await page.waitForSelector(".ding-status li[data-state=open]");
  await shot(page, "ding-dialog");
  const sent = (await ann.api.get(`/api/v1/conversations/${conv.id}/dings`)).json.items;
  assert.equal(sent.length, 1);
  assert.equal(sent[0].mode, "sms");
  assert.deepEqual(sent[0].recipients.map((r: { userId: string }) => r.userId), [bob.user.id]);

  // Bob's banner arrives without a reload, in Chinese, and fits the phone.
  await bob.page.waitForSelector(".ding-banner:has-text('Replica lag')");
  await assertNoHorizontalOverflow(bob.page, "ding banner");
  await shot(bob.page, "ding-banner-phone-zh");
  await bob.page.reload();
  await bob.page.waitForSelector(".ding-banner");
  await bob.page.click(".ding-banner button:has-text('确认收到')");
  await bob.page.waitForFunction(() => !document.querySelector(".ding-banner"), null, POLL);
  await bob.page.reload();
  await bob.page.waitForSelector("text=Database");
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await bob.page.$(".ding-banner"), null, "stays gone once confirmed");

  // Ann's open dialog shows Bob confirmed.
  await page.waitForSelector(".ding-status li[data-state=confirmed]");
  const status = (await ann.api.get(`/api/v1/dings/${sent[0].id}`)).json.ding;
  assert.ok(status.recipients[0].confirmedAt);
  assert.equal(status.recipients[0].delivered, true);
  await ann.ctx.close();
  await bob.ctx.close();
});

Deno.test({
  name: "browser ding - (teardown)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await closeBrowser();
  },
});
