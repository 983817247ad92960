/**
 * End-to-end tests of the web client in real Chromium (Debian's, driven by
 * playwright-core) against a real server. Set TOCSIN_SCREENSHOTS=1 to also
 * write the screenshots in docs/screenshots/.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import {
  browserConfig as config,
  buildAssets,
  closeBrowser,
  getBrowser,
  type Person,
  person,
  POLL,
  shot,
  test,
} from "./_browser.ts";
import { startServer } from "./_helpers.ts";

const assets = await buildAssets();

async function texts(page: Page): Promise<string[]> {
  return await page.locator(".msg-list li.msg:not(.pending) .bubble").allTextContents();
}

async function openConversation(p: Person, convId: string) {
  await p.page.click(`a.conv[data-conversation="${convId}"]`);
  await p.page.waitForURL(`**/c/${convId}`);
}

test("browser - first-run setup page, then login and logout with real forms", async () => {
  await using srv = await startServer({ config, assets });
  const ctx = await (await getBrowser()).newContext();
  const page = await ctx.newPage();
  await page.goto(srv.url + "/");
  assert.match(page.url(), /\/setup$/);
  await shot(page, "setup");
  assert.equal(await page.getAttribute("input[name=email]", "type"), "email");
  assert.equal(await page.getAttribute("input[name=email]", "autocomplete"), "username");
  assert.equal(await page.getAttribute("input[name=password]", "type"), "password");
  await page.fill("input[name=name]", "Ada");
  await page.fill("input[name=email]", "ada@example.com");
  await page.fill("input[name=password]", "ada-password");
  await page.click("button[type=submit]");
  await page.waitForURL(srv.url + "/");
  await page.waitForSelector("text=Ada");
  // The server-rendered button does nothing until the page is hydrated.
  await page.waitForSelector("html[data-hydrated]", { state: "attached" });
  await page.click("text=Log out");
  await page.waitForURL(/\/login$/);
  await page.fill("input[name=email]", "ada@example.com");
  await page.fill("input[name=password]", "wrong-password");
  await page.click("button[type=submit]");
  await page.waitForSelector("[role=alert]");
  await page.fill("input[name=password]", "ada-password");
  await page.click("button[type=submit]");
  await page.waitForURL(srv.url + "/");
  await ctx.close();
});

test("browser - a DM: live delivery, sent -> delivered -> read, reload keeps history", async () => {
  await using srv = await startServer({ config, assets });
  const alice = await person(srv, "Alice", { admin: true });
  const bob = await person(srv, "Bob");
  await alice.page.goto(srv.url + "/");
  await bob.page.goto(srv.url + "/");

  // Alice starts a DM through the UI.
  await alice.page.click("text=New chat");
  await alice.page.fill(".dialog input[type=search]", "bob");
  await alice.page.click(".dialog .picker-item:has-text('Bob')");
  await alice.page.waitForURL(/\/c\/[0-9A-Z]{26}$/);
  const convId = alice.page.url().split("/c/")[1];
  const box = alice.page.locator(".composer textarea");
  await box.fill("line one");
  await box.press("Shift+Enter");
  await box.type("line two");
  await box.press("Enter");
  // Until the server's answer, the message is pending (and not counted below).
  await alice.page.waitForSelector(`.msg.mine:not(.pending) .bubble:has-text("line one")`);
  assert.deepEqual(await texts(alice.page), ["line one\nline two"]);

  // Bob's list shows it live, unread; his client confirms delivery, then he reads it.
  const item = bob.page.locator(`a.conv[data-conversation="${convId}"]`);
  await item.locator(".badge").waitFor();
  assert.equal(await item.locator(".badge").textContent(), "1");
  const status = alice.page.locator(".msg.mine .status").last();
  await alice.page.waitForFunction(
    () =>
      document.querySelector(".msg.mine:last-child .status")?.getAttribute("data-status") ===
        "delivered",
  );
  assert.match(await status.textContent() ?? "", /Delivered/);
  await openConversation(bob, convId);
  await bob.page.waitForSelector(`.msg .bubble:has-text("line one")`);
  assert.deepEqual(await texts(bob.page), ["line one\nline two"]);
  await alice.page.waitForFunction(
    () =>
      document.querySelector(".msg.mine:last-child .status")?.getAttribute("data-status") ===
        "read",
  );
  assert.equal(await status.textContent(), "Read");
  await item.locator(".badge").waitFor({ state: "detached" });

  // Bob answers; Alice sees it live.
  await bob.page.locator(".composer textarea").fill("got it");
  await bob.page.keyboard.press("Enter");
  await alice.page.waitForSelector(`.msg:not(.mine) .bubble:has-text("got it")`);
  await shot(alice.page, "chat-receipts");

  // Reload: same URL, same conversation, same history.
  await alice.page.reload();
  await alice.page.waitForSelector(`.bubble:has-text("got it")`);
  assert.equal(alice.page.url(), `${srv.url}/c/${convId}`);
  assert.deepEqual(await texts(alice.page), ["line one\nline two", "got it"]);
  // Back goes to the conversation list URL.
  await alice.page.goBack();
  await alice.ctx.close();
  await bob.ctx.close();
});

test("browser - a group: names, read by k of n, and an outsider cannot open its URL", async () => {
  await using srv = await startServer({ config, assets });
  const alice = await person(srv, "Alice", { admin: true });
  const bob = await person(srv, "Bob");
  const carol = await person(srv, "Carol");
  const dave = await person(srv, "Dave");
  await alice.page.goto(srv.url + "/");
  await bob.page.goto(srv.url + "/");

  await alice.page.click("text=New chat");
  await alice.page.click("role=tab[name='New group']");
  await alice.page.fill(".dialog input[name=title]", "db-oncall");
  await alice.page.fill(".dialog input[type=search]", "o");
  await alice.page.click(".dialog .picker-item:has-text('Bob')");
  await alice.page.click(".dialog .picker-item:has-text('Carol')");
  await alice.page.click(".dialog button[type=submit]");
  await alice.page.waitForURL(/\/c\/[0-9A-Z]{26}$/);
  const convId = alice.page.url().split("/c/")[1];
  await alice.page.waitForSelector(".sys:has-text('created the group')");

  await alice.page.locator(".composer textarea").fill("primary is lagging");
  await alice.page.keyboard.press("Enter");
  // Bob opens the group (it appeared live) and reads it: 1 of 2 have read.
  await bob.page.locator(`a.conv[data-conversation="${convId}"]`).waitFor();
  await openConversation(bob, convId);
  await bob.page.waitForSelector(`.bubble:has-text("primary is lagging")`);
  await alice.page.waitForSelector(`.msg.mine .status:has-text("Read by 1 of 2")`);
  assert.equal(await alice.page.getAttribute(".msg.mine .status", "title"), "Bob");
  // Bob's message shows his name and avatar in the group.
  await bob.page.locator(".composer textarea").fill("looking");
  await bob.page.keyboard.press("Enter");
  await alice.page.waitForSelector(`.msg:not(.mine) .sender:has-text("Bob")`);
  await shot(alice.page, "group");

  // Group info: members, Esc closes the dialog.
  await alice.page.click("text=Group info");
  await alice.page.waitForSelector(".dialog .member-list li:has-text('Carol')");
  await alice.page.keyboard.press("Escape");
  await alice.page.locator(".dialog").waitFor({ state: "detached" });

  // Dave is not a member: the page answers 404 and shows none of the content.
  const res = await dave.page.goto(`${srv.url}/c/${convId}`);
  assert.equal(res?.status(), 404);
  await dave.page.waitForSelector("text=not a member");
  const html = await dave.page.content();
  assert.equal(html.includes("primary is lagging"), false);
  assert.equal(html.includes("db-oncall"), false);
  for (const p of [alice, bob, carol, dave]) await p.ctx.close();
});

test("browser - offline and back: queued messages are sent once, missed ones arrive once", async () => {
  await using srv = await startServer({ config, assets });
  const alice = await person(srv, "Alice", { admin: true });
  const bob = await person(srv, "Bob");
  const conv =
    (await alice.api.post("/api/v1/conversations", { kind: "direct", userId: bob.user.id })).json
      .conversation;
  await alice.api.post(`/api/v1/conversations/${conv.id}/messages`, {
    clientId: "a0",
    text: "before",
  });
  await bob.page.goto(`${srv.url}/c/${conv.id}`);
  await bob.page.waitForSelector(`.bubble:has-text("before")`);
  await bob.page.waitForFunction(() =>
    document.querySelector(".dot")?.classList.contains("online")
  );

  await bob.ctx.setOffline(true);
  await bob.page.waitForSelector("[data-testid=offline-banner]");
  await shot(bob.page, "offline");
  for (const i of [1, 2, 3]) {
    const r = await alice.api.post(`/api/v1/conversations/${conv.id}/messages`, {
      clientId: `away-${i}`,
      text: `while you were away ${i}`,
    });
    assert.equal(r.status, 201);
  }
  for (const text of ["typed offline A", "typed offline B"]) {
    await bob.page.locator(".composer textarea").fill(text);
    await bob.page.keyboard.press("Enter");
  }
  await bob.page.waitForSelector(`.msg.pending .status[data-status=queued]`);
  assert.equal(await bob.page.locator(".msg.pending").count(), 2);

  await bob.ctx.setOffline(false);
  await bob.page.locator("[data-testid=offline-banner]").waitFor({
    state: "detached",
    timeout: 15000,
  });
  await bob.page.locator(".msg.pending").first().waitFor({ state: "detached", timeout: 15000 });
  const want = [
    "before",
    "while you were away 1",
    "while you were away 2",
    "while you were away 3",
    "typed offline A",
    "typed offline B",
  ];
  await bob.page.waitForFunction(
    (n) => document.querySelectorAll(".msg-list li.msg:not(.pending)").length >= n,
    6,
    POLL,
  );
  assert.deepEqual(await texts(bob.page), want);
  const history =
    (await alice.api.get(`/api/v1/conversations/${conv.id}/messages?after=0`)).json.items;
  assert.deepEqual(
    history.map((m: { text: string }) => m.text),
    want,
    "stored once each, in order",
  );
  // Bob's page after a reload agrees with the server.
  await bob.page.reload();
  await bob.page.waitForSelector(`.bubble:has-text("typed offline B")`);
  assert.deepEqual(await texts(bob.page), want);
  await alice.ctx.close();
  await bob.ctx.close();
});

test("browser - WebSocket blocked by a proxy: falls back to SSE, then to long-polling", async () => {
  for (
    const [blocked, expect] of [[["/api/v1/ws"], "sse"], [
      ["/api/v1/ws", "/api/v1/events"],
      "poll",
    ]] as const
  ) {
    await using srv = await startServer({ config, assets, blockPaths: [...blocked] });
    const alice = await person(srv, "Alice", { admin: true });
    const bob = await person(srv, "Bob");
    const conv =
      (await alice.api.post("/api/v1/conversations", { kind: "direct", userId: bob.user.id })).json
        .conversation;
    await bob.page.goto(`${srv.url}/c/${conv.id}`);
    await bob.page.waitForFunction(
      (t) => document.querySelector(".dot")?.getAttribute("title") === `online (${t})`,
      expect,
      { ...POLL, timeout: 20000 },
    );
    await alice.api.post(`/api/v1/conversations/${conv.id}/messages`, {
      clientId: "x",
      text: `over ${expect}`,
    });
    await bob.page.waitForSelector(`.bubble:has-text("over ${expect}")`);
    await bob.page.locator(".composer textarea").fill(`reply over ${expect}`);
    await bob.page.keyboard.press("Enter");
    await bob.page.locator(".msg.pending").waitFor({ state: "detached" });
    const history =
      (await alice.api.get(`/api/v1/conversations/${conv.id}/messages?after=0`)).json.items;
    assert.deepEqual(history.map((m: { text: string }) => m.text), [
      `over ${expect}`,
      `reply over ${expect}`,
    ]);
    await alice.ctx.close();
    await bob.ctx.close();
  }
});

test("browser - phone width, Chinese UI, strict CSP and user text never parsed as HTML", async () => {
  await using srv = await startServer({ config, assets });
  const alice = await person(srv, "Alice", { admin: true });
  const bob = await person(srv, "Bob", { viewport: { width: 375, height: 740 }, locale: "zh-CN" });
  const conv =
    (await alice.api.post("/api/v1/conversations", { kind: "direct", userId: bob.user.id })).json
      .conversation;
  const evil = `<img src=x onerror="document.title='pwned'"><b>bold</b>`;
  await alice.api.post(`/api/v1/conversations/${conv.id}/messages`, { clientId: "e", text: evil });
  const res = await bob.page.goto(srv.url + "/");
  const csp = res?.headers()["content-security-policy"] ?? "";
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  // Chinese by the browser's language.
  await bob.page.waitForSelector("text=发起聊天");
  await shot(bob.page, "phone-list");
  // At phone width one pane shows at a time: the list, then the chat with a back link.
  await openConversation(bob, conv.id);
  await bob.page.waitForSelector(".sidebar", { state: "hidden" });
  await bob.page.waitForSelector(".bubble");
  assert.equal(await bob.page.textContent(".bubble"), evil);
  assert.equal(await bob.page.locator(".bubble img, .bubble b").count(), 0);
  assert.notEqual(await bob.page.title(), "pwned");
  await shot(bob.page, "phone-chat");
  await bob.page.click("a.back");
  await bob.page.waitForSelector(".sidebar", { state: "visible" });
  // The language can be switched and the choice is kept (at phone width it is in the menu).
  await bob.page.click("header.topbar .menu-button");
  await bob.page.click("text=English");
  await bob.page.waitForSelector("text=New chat");
  await bob.page.reload();
  await bob.page.waitForSelector("text=New chat");
  // Keyboard: the composer and buttons are reachable with Tab.
  await bob.page.keyboard.press("Tab");
  assert.notEqual(await bob.page.evaluate(() => document.activeElement?.tagName), "BODY");
  await alice.ctx.close();
  await bob.ctx.close();
});

test("browser - admin pages: create and disable a user, create a team with a team admin", async () => {
  await using srv = await startServer({ config, assets });
  const alice = await person(srv, "Alice", { admin: true });
  const bob = await person(srv, "Bob");
  await alice.page.goto(srv.url + "/admin/users");
  await alice.page.fill("form[aria-label='Create user'] input[name=name]", "Erin");
  await alice.page.fill("form[aria-label='Create user'] input[name=email]", "erin@example.com");
  await alice.page.fill("form[aria-label='Create user'] input[name=password]", "erin-password");
  await alice.page.click("form[aria-label='Create user'] button[type=submit]");
  await alice.page.waitForSelector("td:has-text('erin@example.com')");
  const row = alice.page.locator("tr", { hasText: "bob@example.com" });
  await row.locator("button", { hasText: "Disable" }).click();
  await row.locator("td", { hasText: "Disabled" }).waitFor();
  assert.equal((await bob.api.get("/api/v1/me")).status, 401, "disabling ended Bob's session");
  await shot(alice.page, "admin-users");

  await alice.page.goto(srv.url + "/admin/teams");
  await alice.page.fill("form[aria-label='Create team'] input[name=name]", "SRE");
  await alice.page.click("form[aria-label='Create team'] button[type=submit]");
  await alice.page.click(".team-list button:has-text('SRE')");
  await alice.page.fill(".team-detail input[type=search]", "erin");
  await alice.page.click(".team-detail .picker-item:has-text('Erin')");
  await alice.page.waitForSelector(".team-detail .member-list li:has-text('Erin')");
  await alice.page.click(
    ".team-detail .member-list li:has-text('Erin') button:has-text('Make team admin')",
  );
  await alice.page.waitForSelector(".team-detail .member-list li:has-text('Team admin')");
  const teams = (await alice.api.get("/api/v1/teams")).json.items;
  const detail = (await alice.api.get(`/api/v1/teams/${teams[0].id}`)).json;
  assert.deepEqual(detail.members.map((m: { role: string }) => m.role), ["admin"]);
  // A member without admin rights is sent away from the users page.
  const carol = await person(srv, "Carol");
  await carol.page.goto(srv.url + "/admin/users");
  assert.match(carol.page.url(), /\/admin\/teams$/);
  for (const p of [alice, bob, carol]) await p.ctx.close();
});

test("browser - history loads backwards on scroll; unread count shows in the title", async () => {
  await using srv = await startServer({ config: { ...config, sendRatePerSec: 0 }, assets });
  const alice = await person(srv, "Alice", { admin: true });
  const bob = await person(srv, "Bob");
  const conv =
    (await alice.api.post("/api/v1/conversations", { kind: "direct", userId: bob.user.id }))
      .json.conversation;
  for (let i = 1; i <= 120; i++) {
    const r = await alice.api.post(`/api/v1/conversations/${conv.id}/messages`, {
      clientId: `h${i}`,
      text: `history ${i}`,
    });
    assert.equal(r.status, 201);
  }
  await bob.page.goto(srv.url + "/");
  await bob.page.waitForFunction(() => document.title === "(120) Tocsin", null, POLL);
  await openConversation(bob, conv.id);
  await bob.page.waitForSelector(`.bubble:has-text("history 120")`);
  assert.equal(await bob.page.locator(".msg-list li.msg").count(), 50, "the latest page first");
  await bob.page.waitForFunction(() => document.title === "Tocsin", null, POLL);
  // Scroll up until the beginning: pages of 50 load, in order, without duplicates.
  for (let i = 0; i < 10 && !(await bob.page.isVisible("text=This is the beginning")); i++) {
    await bob.page.locator(".messages").evaluate((el) => el.scrollTop = 0);
    await bob.page.waitForTimeout(150);
  }
  await bob.page.waitForSelector("text=This is the beginning");
  const all = await texts(bob.page);
  assert.deepEqual(all, Array.from({ length: 120 }, (_, i) => `history ${i + 1}`));
  await alice.ctx.close();
  await bob.ctx.close();
});

test("browser - an alert card arrives live; acknowledging on it shows on the other screen with who", async () => {
  await using srv = await startServer({ config, assets });
  const alice = await person(srv, "Alice", { admin: true });
  const bob = await person(srv, "Bob");
  const team = (await alice.api.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [bob.user.id],
    adminIds: [alice.user.id],
  })).json.team;
  const created =
    (await alice.api.post("/api/v1/integrations", { name: "curl", type: "text", teamId: team.id }))
      .json;
  const convId = (await alice.api.get(`/api/v1/teams/${team.id}`)).json.team.conversationId;
  await alice.page.goto(`${srv.url}/c/${convId}`);
  await bob.page.goto(`${srv.url}/c/${convId}`);
  await alice.page.waitForSelector(".sys");
  await bob.page.waitForSelector(".sys");

  const res = await fetch(`${srv.url}/hooks/${created.integration.id}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${created.token}`,
      title: "Disk full on db-2",
      priority: "urgent",
    },
    body: "/var/lib/postgresql is at 98%",
  });
  assert.equal(res.status, 202);
  await res.body?.cancel();
  for (const p of [alice, bob]) {
    await p.page.waitForSelector(
      `.alert-card[data-status=triggered]:has-text("Disk full on db-2")`,
    );
  }
  assert.equal(await alice.page.textContent(".alert-card .prio"), "Urgent");
  await bob.page.click(".alert-card button:has-text('Acknowledge')");
  await alice.page.waitForSelector(".alert-card[data-status=acknowledged]");
  assert.match(await alice.page.textContent("[data-testid=acked-by]") ?? "", /Acknowledged by Bob/);
  await shot(alice.page, "alert-card");
  // Assign to me, then it is in Bob's tasks.
  await bob.page.click(".alert-card button:has-text('Assign to me')");
  await bob.page.waitForSelector(".alert-card:has-text('Assignee: Bob')");
  await bob.page.click("text=My tasks");
  await bob.page.waitForSelector(".task-list li:has-text('Disk full on db-2')");
  await bob.page.keyboard.press("Escape");
  // The alert's thread: a note, then /resolve typed there; Bob's card follows.
  await alice.page.click(".alert-card button:has-text('Timeline and notes')");
  await alice.page.waitForSelector(".timeline li[data-kind=acknowledged]:has-text('Bob')");
  await alice.page.fill(".thread-box textarea", "freed 20G by rotating logs");
  await alice.page.click(".thread-box button[type=submit]");
  await alice.page.waitForSelector(".timeline li[data-kind=note]:has-text('freed 20G')");
  await alice.page.fill(".thread-box textarea", "/resolve rotated");
  await alice.page.click(".thread-box button[type=submit]");
  await alice.page.waitForSelector(".timeline li[data-kind=resolved]:has-text('rotated')");
  await alice.page.keyboard.press("Escape");
  await bob.page.waitForSelector(".alert-card[data-status=resolved]");
  await alice.ctx.close();
  await bob.ctx.close();
});

test("browser - an urgent alert re-notifies until it is acknowledged, then stops", async () => {
  await using srv = await startServer({ config: { ...config, timerSweepMs: 200 }, assets });
  const alice = await person(srv, "Alice", { admin: true });
  const team =
    (await alice.api.post("/api/v1/teams", { name: "SRE", adminIds: [alice.user.id] })).json.team;
  const hook =
    (await alice.api.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id }))
      .json;
  await alice.api.request("PUT", "/api/v1/settings/reminders", {
    urgent: { everyMinutes: 0.02, maxRepeats: null }, // every 1.2 s, until acknowledged
    high: { everyMinutes: 0, maxRepeats: 0 },
    medium: { everyMinutes: 0, maxRepeats: 0 },
    low: { everyMinutes: 0, maxRepeats: 0 },
  });
  const convId = (await alice.api.get(`/api/v1/teams/${team.id}`)).json.team.conversationId;
  await alice.page.goto(`${srv.url}/c/${convId}`);
  await alice.page.waitForSelector(".sys");
  const res = await fetch(`${srv.url}/hooks/${hook.integration.id}`, {
    method: "POST",
    headers: { authorization: `Bearer ${hook.token}`, priority: "urgent", title: "Payments down" },
    body: "5xx on /pay",
  });
  assert.equal(res.status, 202);
  await res.body?.cancel();
  await alice.page.waitForSelector(`.alert-card[data-status=triggered]`);
  const reminders = () => alice.page.locator(".sys", { hasText: "still not acknowledged" }).count();
  await alice.page.waitForFunction(
    () =>
      [...document.querySelectorAll(".sys")].filter((e) =>
        e.textContent?.includes("still not acknowledged")
      )
        .length >= 2,
    null,
    { ...POLL, timeout: 15000 },
  );
  await shot(alice.page, "reminders");
  await alice.page.click(".alert-card button:has-text('Acknowledge')");
  await alice.page.waitForSelector(".alert-card[data-status=acknowledged]");
  const after = await reminders();
  await alice.page.waitForTimeout(3000);
  assert.equal(await reminders(), after, "no reminder after the acknowledgement");
  await alice.ctx.close();
});

test("browser - on-call page: the next two weeks, take a shift, quiet hours, routing dry run", async () => {
  await using srv = await startServer({ config, assets });
  const alice = await person(srv, "Alice", { admin: true });
  const bob = await person(srv, "Bob");
  const team = (await alice.api.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [bob.user.id],
    adminIds: [alice.user.id],
  })).json.team;
  const today = new Date().toISOString().slice(0, 10);
  const sched = await alice.api.post("/api/v1/schedules", {
    name: "primary",
    teamId: team.id,
    timeZone: "Asia/Shanghai",
    layers: [{
      name: "daily",
      participants: [alice.user.id, bob.user.id],
      rotation: "daily",
      handoff: "09:00",
      startDate: today,
    }],
  });
  assert.equal(sched.status, 201);
  const hook =
    (await alice.api.post("/api/v1/integrations", { name: "curl", type: "text", teamId: team.id }))
      .json;
  await alice.api.request("PUT", `/api/v1/teams/${team.id}/routing`, {
    routes: [{
      name: "disk alerts",
      matchers: [{ field: "title", op: "=~", value: ".*disk.*" }],
      priority: "high",
    }],
  });
  await bob.page.goto(srv.url + "/oncall");
  await bob.page.waitForSelector(".calendar .shift");
  assert.ok((await bob.page.locator(".calendar tr").count()) >= 14);
  // Take tomorrow evening.
  const [start, end] = await bob.page.evaluate(() => {
    const d = new Date(Date.now() + 86_400_000);
    const day = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${
      String(d.getDate()).padStart(2, "0")
    }`;
    return [`${day}T20:00`, `${day}T23:00`];
  });
  await bob.page.fill("form[aria-label='Take a shift'] input[name=start]", start);
  await bob.page.fill("form[aria-label='Take a shift'] input[name=end]", end);
  await bob.page.click("form[aria-label='Take a shift'] button[type=submit]");
  await bob.page.waitForSelector(`.shift.override[data-user="${bob.user.id}"]`);
  // Quiet hours on the profile.
  await bob.page.check("form[aria-label='Quiet hours'] input[name=on]");
  await bob.page.click("form[aria-label='Quiet hours'] button[type=submit]");
  await bob.page.waitForSelector("[role=status]:has-text('Saved')");
  assert.equal(
    (await alice.api.get(`/api/v1/users/${bob.user.id}`)).json.user.quietHours.from,
    "22:00",
  );
  // Dry run: a disk alert takes the disk route.
  await bob.page.fill("form[aria-label='Routing dry run'] textarea", "disk full on db-2");
  await bob.page.click("form[aria-label='Routing dry run'] button[type=submit]");
  await bob.page.waitForSelector("[data-testid=route]:has-text('disk alerts')");
  await shot(bob.page, "oncall");
  assert.equal(hook.integration.type, "text");
  await alice.ctx.close();
  await bob.ctx.close();
});

test("browser - notification templates with a live preview; my notification rules", async () => {
  await using srv = await startServer({ config, assets });
  const alice = await person(srv, "Alice", { admin: true });
  const bob = await person(srv, "Bob");
  await alice.page.goto(srv.url + "/admin/notifications");
  await alice.page.selectOption("select[aria-label='Templates']", "sms/zh");
  await alice.page.fill(
    "form[aria-label='Templates'] textarea",
    "【{{alert.priority|zh}}】{{alert.title}} {{labels.service}}",
  );
  await alice.page.waitForSelector(
    "[data-testid=preview-body]:has-text('【紧急】HighErrorRate prod-sh checkout')",
  );
  await alice.page.click("form[aria-label='Templates'] button[type=submit]");
  await alice.page.waitForSelector("[role=status]:has-text('Saved')");
  const items = (await alice.api.get("/api/v1/templates")).json.items;
  const smsZh = items.find((i: { channel: string; lang: string }) =>
    i.channel === "sms" && i.lang === "zh"
  );
  assert.equal(smsZh.custom, true);
  assert.match(smsZh.template.body, /labels\.service/);
  await shot(alice.page, "templates");
  // Members cannot open it.
  await bob.page.goto(srv.url + "/admin/notifications");
  assert.match(bob.page.url(), /\/admin\/teams$/);
  // Bob's rules: e-mail after 2 minutes for urgent, nothing by SMS.
  await bob.page.goto(srv.url + "/oncall");
  await bob.page.fill("input[name='urgent.email']", "2");
  await bob.page.fill("input[name='urgent.sms']", "");
  await bob.page.click("form[aria-label='Rules'] button[type=submit]");
  await bob.page.waitForSelector("[role=status]:has-text('Saved')");
  const rules = (await bob.api.get("/api/v1/me/notification-rules")).json.rules;
  assert.deepEqual(rules.urgent, [{ channel: "email", afterMinutes: 2 }, {
    channel: "voice",
    afterMinutes: 3,
  }]);
  await alice.ctx.close();
  await bob.ctx.close();
});

Deno.test({
  name: "browser - (teardown)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await closeBrowser();
  },
});
