/**
 * Accounts in real Chromium, with e-mail through a real SMTP server
 * (aiosmtpd): an admin invites someone, who opens the link from the e-mail
 * and chooses a password; the admin imports users from CSV (dry run, then
 * apply); a person who forgot their password resets it on a phone, in
 * Chinese, and lands logged in.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  assertNoHorizontalOverflow,
  browserConfig as config,
  buildAssets,
  closeBrowser,
  getBrowser,
  person,
  PHONE,
  shot,
  test,
} from "./_browser.ts";
import { adminClient, Client, sleep, startServer } from "./_helpers.ts";
import { createUser } from "../lib/accounts/users.ts";
import { smtpServer } from "./_smtp.ts";

const assets = await buildAssets();
const smtp = await smtpServer();

/** The newest link to `path` in an e-mail to `to` (quoted-printable decoded). */
async function mailedLink(to: string, path: string): Promise<string> {
  const end = Date.now() + 15_000;
  while (Date.now() < end) {
    for (const raw of await smtp.messages()) {
      const m = raw.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
      if (!m.includes(`To: ${to}`)) continue;
      const link = new RegExp(`https?://[^\\s"<]+/${path}#[\\w.-]+`).exec(m);
      if (link) return link[0];
    }
    await sleep(50);
  }
  throw new Error(`no ${path} e-mail to ${to}`);
}

async function addSmtp(api: Client) {
  const r = await api.post("/api/v1/providers", {
    name: "loopback",
    kind: "smtp",
    config: { host: "127.0.0.1", port: smtp.port, security: "none", from: "tocsin@example.com" },
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
}

async function userByEmail(api: Client, email: string) {
  const items = (await api.get(`/api/v1/users?q=${encodeURIComponent(email)}`)).json.items;
  return items.find((u: { email: string }) => u.email === email) ?? null;
}

test("browser accounts - invite by e-mail, the invitee sets a password; CSV import dry run then apply", async () => {
  await using srv = await startServer({ config, assets });
  const admin = await person(srv, "Root", { admin: true });
  await addSmtp(admin.api);
  await admin.api.post("/api/v1/teams", { name: "Payments", memberIds: [] });
  const { page } = admin;
  await page.goto(srv.url + "/admin/users");
  const invite = page.locator("form[aria-label='Invite people']");
  await invite.locator("input[name=email]").fill("carol@example.com");
  await invite.locator("button[type=submit]").click();
  await page.waitForSelector(
    "ul[aria-label='Pending invitations'] li:has-text('carol@example.com')",
  );

  // Carol opens the e-mailed link in her own browser, chooses her name and password.
  const link = await mailedLink("carol@example.com", "invite");
  const carolCtx = await (await getBrowser()).newContext({
    viewport: { width: 1100, height: 720 },
  });
  const carol = await carolCtx.newPage();
  await carol.goto(link);
  await carol.waitForSelector("text=carol@example.com");
  await carol.fill("input[name=name]", "Carol Chen");
  await carol.fill("input[name=password]", "carols-password");
  await shot(carol, "invite-accept");
  await carol.click("button[type=submit]");
  await carol.waitForURL(srv.url + "/");
  const me = await carol.evaluate(() => fetch("/api/v1/me").then((r) => r.json()));
  assert.equal(me.user.name, "Carol Chen");
  // The invitation is used up: gone from the admin's list, and the link no longer works.
  assert.deepEqual((await admin.api.get("/api/v1/invitations")).json.items, []);
  assert.equal(
    (await new Client(srv.url).post("/api/v1/invitations/peek", { token: link.split("#")[1] }))
      .status,
    404,
  );
  await carolCtx.close();

  // CSV import: the dry run shows what would change and writes nothing; apply creates and updates.
  const csv = "email,name,role,teams,department\n" +
    "dan@example.com,Dan Wu,member,Payments,Ops\n" +
    "carol@example.com,Carol C.,,,\n" +
    "broken,No Mail,,,\n";
  await page.setInputFiles("input[type=file]", {
    name: "people.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(csv),
  });
  await page.click("button:has-text('Dry run')");
  await page.waitForSelector("text=1 to create, 1 to update, 0 unchanged, 1 with errors");
  await page.waitForSelector("table.acc-import tr.acc-row-error:has-text('broken')");
  assert.equal(await userByEmail(admin.api, "dan@example.com"), null);
  await shot(page, "users-import");
  await page.click("button:has-text('Apply')");
  await page.waitForSelector("text=Applied: 1 created, 1 updated, 1 with errors");
  const dan = await userByEmail(admin.api, "dan@example.com");
  assert.equal(dan.name, "Dan Wu");
  assert.equal((await userByEmail(admin.api, "carol@example.com")).name, "Carol C.");
  // The new user is in the table; the page fits a phone.
  await page.waitForSelector("td:has-text('dan@example.com')");
  await page.setViewportSize(PHONE);
  await assertNoHorizontalOverflow(page, "users page with import results at 390 px");
  await admin.ctx.close();
});

test("browser accounts - forgot password at 390 px in Chinese: the e-mailed link sets a new password and logs in", async () => {
  await using srv = await startServer({ config, assets });
  const { client: root } = await adminClient(srv);
  await addSmtp(root);
  await createUser(srv.core, {
    email: "ann@example.com",
    name: "Ann",
    password: "anns-old-password",
    role: "member",
  });
  // Ann's other session (her laptop) ends with the reset.
  const annElsewhere = new Client(srv.url);
  await annElsewhere.post("/api/v1/session", {
    email: "ann@example.com",
    password: "anns-old-password",
  });
  assert.equal((await annElsewhere.get("/api/v1/me")).status, 200);
  const ctx = await (await getBrowser()).newContext({ viewport: PHONE, locale: "zh-CN" });
  const page = await ctx.newPage();
  await page.goto(srv.url + "/login");
  await page.click("a:has-text('忘记密码')");
  await page.waitForURL(/\/forgot$/);
  await page.fill("input[name=email]", "ann@example.com");
  await page.click("button:has-text('发送链接')");
  await page.waitForSelector("[role=status]:has-text('链接已经发出')");
  await assertNoHorizontalOverflow(page, "forgot password at 390 px");
  await shot(page, "forgot-password-zh");
  const link = await mailedLink("ann@example.com", "reset");
  await page.goto(link);
  await page.waitForSelector("h1:has-text('设置新密码')");
  await page.fill("input[name=password]", "anns-new-password");
  await assertNoHorizontalOverflow(page, "reset at 390 px");
  await page.click("button:has-text('设置密码并登录')");
  await page.waitForURL(srv.url + "/");
  assert.equal((await annElsewhere.get("/api/v1/me")).status, 401);
  const fresh = new Client(srv.url);
  assert.equal(
    (await fresh.post("/api/v1/session", {
      email: "ann@example.com",
      password: "anns-new-password",
    })).status,
    200,
  );
  // The same link a second time: refused, in Chinese.
  await page.goto(link);
  await page.fill("input[name=password]", "another-password");
  await page.click("button:has-text('设置密码并登录')");
  await page.waitForSelector("[role=alert]:has-text('此链接无效')");
  await ctx.close();
});

Deno.test({
  name: "browser accounts - (teardown)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await smtp.close();
    await closeBrowser();
  },
});
