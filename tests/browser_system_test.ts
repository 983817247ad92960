/**
 * The admin System page in real Chromium: an admin sees the version, the timer backlog and two
 * real dead letters (timers the dispatcher failed five times), retries one and discards the other,
 * and KV shows both acted on; the page fits 390 px in Chinese; a member neither sees the link nor
 * gets the page.
 */
import assert from "node:assert/strict";
import {
  assertNoHorizontalOverflow,
  browserConfig,
  buildAssets,
  closeBrowser,
  person,
  PHONE,
  shot,
  test,
} from "./_browser.ts";
import { startServer, type TestServer } from "./_helpers.ts";
import { stageTimer, type Timer, TIMER_MAX_FAILURES } from "../lib/jobs/timers.ts";
import { keys } from "../lib/core/keys.ts";

const assets = await buildAssets();
// No periodic sweep: the test decides when timers run.
const config = { ...browserConfig, timerSweepMs: 0 };

/** A timer record the dispatcher cannot handle, failed until it is a dead letter. */
async function deadLetter(srv: TestServer, id: string): Promise<void> {
  const op = srv.kv.atomic();
  const bogus = { id, alertId: "A-" + id, kind: "carrier-pigeon", dueAt: 0, n: 1, round: 0 };
  stageTimer(op, srv.core.clock.now(), bogus as unknown as Timer, { wake: false });
  assert.ok((await op.commit()).ok);
  for (let i = 0; i < TIMER_MAX_FAILURES; i++) await srv.core.timers.sweep();
  assert.ok((await srv.kv.get(keys.deadLetter(id))).value, `${id} is a dead letter`);
}

test("browser system - an admin retries and discards real dead letters", async () => {
  await using srv = await startServer({ config, assets });
  await deadLetter(srv, "DL1");
  await deadLetter(srv, "DL2");
  const admin = await person(srv, "Root", { admin: true });
  const { page } = admin;
  await page.goto(srv.url + "/");
  await page.goto(srv.url + "/admin/system");
  await page.waitForSelector("h1:has-text('System')");
  assert.equal(await page.getAttribute("a[href='/admin/system']", "aria-current"), "page");
  await page.waitForSelector("[data-testid=sys-version]");
  assert.match(await page.textContent("[data-testid=sys-version]") ?? "", /^\d+\.\d+\.\d+/);
  await page.waitForSelector("h2:has-text('Dead letters (2)')");
  assert.equal(await page.locator("[data-testid=dead-letter]").count(), 2);
  // The failures were logged as errors, and the page lists them.
  await page.waitForSelector(".sys-errors li:has-text('moved to the dead letters')");
  await page.waitForSelector("text=No notification provider is configured");
  await shot(page, "system");

  await page.locator("[data-testid=dead-letter]", { hasText: "A-DL1" }).getByRole("button", {
    name: "Retry",
  }).click();
  await page.waitForSelector("[role=status]:has-text('Put back')");
  assert.equal((await srv.kv.get(keys.deadLetter("DL1"))).value, null, "no longer a dead letter");
  assert.ok((await srv.kv.get(keys.timer("DL1"))).value, "a pending timer again");

  page.once("dialog", (d) => d.accept());
  await page.locator("[data-testid=dead-letter]", { hasText: "A-DL2" }).getByRole("button", {
    name: "Discard",
  }).click();
  await page.waitForSelector("[role=status]:has-text('Discarded')");
  assert.equal((await srv.kv.get(keys.deadLetter("DL2"))).value, null);
  assert.equal((await srv.kv.get(keys.timer("DL2"))).value, null, "discarded for good");
  const audit = (await admin.api.get("/api/v1/audit?action=dead_letter.")).json.items;
  assert.deepEqual(
    audit.map((e: { action: string; target: { id: string } }) => `${e.action} ${e.target.id}`)
      .sort(),
    ["dead_letter.discard DL2", "dead_letter.retry DL1"],
    "both admin actions are in the audit log",
  );
  await page.waitForSelector("h2:has-text('Dead letters (0)')");
  await admin.ctx.close();
});

test("browser system - 390 px in Chinese fits; members get neither the link nor the page", async () => {
  await using srv = await startServer({ config, assets });
  await deadLetter(srv, "DL3");
  const admin = await person(srv, "Root", { admin: true, viewport: PHONE, locale: "zh-CN" });
  const { page } = admin;
  await page.goto(srv.url + "/admin/system");
  await page.waitForSelector("h1:has-text('系统')");
  await page.waitForSelector("h2:has-text('死信 (1)')");
  await page.waitForSelector("[data-testid=dead-letter] button:has-text('重试')");
  await assertNoHorizontalOverflow(page, "system page, 390 px, zh");
  await shot(page, "system-phone-zh");
  // The link is in the phone menu.
  await page.click(".menu-button");
  await page.waitForSelector("#site-menu a[href='/admin/system']:visible");
  await admin.ctx.close();

  const member = await person(srv, "Mia", { viewport: PHONE, locale: "zh-CN" });
  await member.page.goto(srv.url + "/admin/teams");
  await member.page.waitForSelector("h1");
  assert.equal(await member.page.locator("a[href='/admin/system']").count(), 0);
  await member.page.goto(srv.url + "/admin/system");
  assert.equal(new URL(member.page.url()).pathname, "/admin/teams");
  assert.equal((await member.api.get("/api/v1/system")).status, 403);
  await member.ctx.close();
});

Deno.test({
  name: "browser system - (teardown)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await closeBrowser();
  },
});
