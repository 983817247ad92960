/**
 * The audit log page, the profile's signed-in devices and the download buttons, driven in
 * Chromium like a person: desktop in English, phone width (390 px) in Chinese.
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
import { Client, startServer } from "./_helpers.ts";

const assets = await buildAssets();

test("browser audit - an admin downloads the alert list as CSV, filters the audit log and verifies it", async () => {
  await using srv = await startServer({ assets, config: browserConfig });
  const ada = await person(srv, "Ada", { admin: true });
  const team = (await ada.api.post("/api/v1/teams", { name: "SRE", adminIds: [ada.user.id] }))
    .json.team;
  const hook = (await ada.api.post("/api/v1/integrations", {
    name: "text",
    type: "text",
    teamId: team.id,
  })).json;
  await fetch(`${srv.url}/hooks/${hook.integration.id}`, {
    method: "POST",
    headers: { authorization: `Bearer ${hook.token}`, "content-type": "text/plain" },
    body: "disk full on db-7",
  }).then((r) => r.body?.cancel());
  const alertId = (await ada.api.get("/api/v1/alerts")).json.items[0].id;
  assert.equal((await ada.api.post(`/api/v1/alerts/${alertId}/ack`)).status, 200);

  const { page } = ada;
  await page.goto(srv.url + "/alerts?status=any");
  await page.waitForSelector(".al-list li");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.click(".al-export a[data-format=csv]"),
  ]);
  const csv = await Deno.readTextFile((await download.path())!);
  assert.match(csv.split("\n")[0], /^\ufeff?ID,Title,Status/);
  assert.ok(csv.includes("disk full on db-7"), csv);

  await page.goto(srv.url + "/admin/audit");
  await page.waitForSelector(".au-list li");
  await page.selectOption("select[name=action]", "alert.");
  await page.click(".au-filters button[type=submit]");
  await page.waitForFunction(() =>
    [...document.querySelectorAll(".au-list li")].every((li) =>
      (li as HTMLElement).dataset.action?.startsWith("alert.")
    ) && document.querySelectorAll(".au-list li").length === 1
  );
  assert.equal(await page.locator(".au-list li[data-action='alert.ack']").count(), 1);
  assert.match(page.url(), /action=alert\./);
  // The download was itself recorded.
  await page.selectOption("select[name=action]", "export.");
  await page.click(".au-filters button[type=submit]");
  await page.locator(".au-list li[data-action='export.alerts']").waitFor();
  await page.click("button:has-text('Verify the chain')");
  await page.locator("[data-testid=au-verdict]:has-text('The chain is intact')").waitFor();
  await shot(page, "audit-log");
  await ada.ctx.close();
});

test("browser audit - on a phone in Chinese, a user ends another session and the admin sees it in the log", async () => {
  await using srv = await startServer({ assets, config: browserConfig });
  const ada = await person(srv, "Ada", { admin: true, viewport: PHONE, locale: "zh-CN" });
  const bob = await person(srv, "Bob", { viewport: PHONE, locale: "zh-CN" });
  // Bob is signed in elsewhere too (a script's client).
  const other = new Client(srv.url);
  const login = await other.request("POST", "/api/v1/session", {
    email: "bob@example.com",
    password: "password-Bob",
  }, { "user-agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/130.0 Safari/537.36" });
  assert.equal(login.status, 200);
  assert.equal((await other.get("/api/v1/me")).status, 200);

  const { page } = bob;
  await page.goto(srv.url + "/profile");
  await page.waitForSelector("text=已登录的设备");
  const sessions = page.locator(".au-sessions li");
  await sessions.nth(1).waitFor();
  assert.equal(await sessions.count(), 2, "this browser's and the other client's");
  assert.equal(await page.locator(".au-sessions li[data-current=yes]").count(), 1);
  const windows = page.locator(".au-sessions li:has-text('Chrome · Windows')");
  page.once("dialog", (d) => d.accept());
  await windows.locator("button:has-text('结束')").click();
  await page.locator(".pp-status:has-text('会话已结束')").waitFor();
  await page.waitForFunction(() => document.querySelectorAll(".au-sessions li").length === 1);
  assert.equal((await other.get("/api/v1/me")).status, 401);
  await assertNoHorizontalOverflow(page, "profile sessions");
  await shot(page, "profile-sessions-phone-zh");
  await page.goto(srv.url + "/alerts");
  await page.locator(".al-export a[data-format=xlsx]:has-text('Excel')").waitFor();
  await assertNoHorizontalOverflow(page, "alert list with its download links");

  await ada.page.goto(srv.url + "/admin/audit?action=session.");
  const entry = ada.page.locator(".au-list li[data-action='session.end']");
  await entry.waitFor();
  assert.ok((await entry.textContent())!.includes("Bob"));
  await ada.page.waitForSelector("h1:has-text('审计日志')");
  await assertNoHorizontalOverflow(ada.page, "audit log");
  await shot(ada.page, "audit-log-phone-zh");
  await ada.ctx.close();
  await bob.ctx.close();
});

Deno.test({
  name: "browser audit - (teardown)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await closeBrowser();
  },
});
