/**
 * End-to-end tests in real Chromium for the login redirect, the alert thread dialog on top of the
 * cards, slash commands in the composer, and what alert cards and timelines say.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { createUser, setup } from "../lib/accounts/users.ts";
import { startServer, type TestServer } from "./_helpers.ts";
import {
  browserConfig as config,
  buildAssets,
  closeBrowser,
  getBrowser,
  type Person,
  person as harnessPerson,
  PHONE,
  test as harnessTest,
} from "./_browser.ts";

const assets = await buildAssets();

const DESKTOP = { width: 1280, height: 800 };
/** Longest a test may take: a hang then fails that test by name (this machine is often loaded). */
const TEST_WATCHDOG_MS = 180_000;
const test = (name: string, fn: () => Promise<void>) => harnessTest(name, fn, TEST_WATCHDOG_MS);

/** These tests read times in the machine's zone, at 1280 px unless they say otherwise. */
const person = (
  srv: TestServer,
  name: string,
  opts: { admin?: boolean; viewport?: { width: number; height: number } } = {},
) => harnessPerson(srv, name, { viewport: DESKTOP, timezoneId: "UTC", ...opts });

/** A team with a text integration (and, optionally, an Alertmanager one and a policy). */
async function alertTeam(srv: TestServer, admin: Person, opts: { policy?: boolean } = {}) {
  const team =
    (await admin.api.post("/api/v1/teams", { name: "SRE", adminIds: [admin.user.id] })).json.team;
  if (opts.policy) {
    const policy = await admin.api.post("/api/v1/escalation-policies", {
      name: "standard",
      teamId: team.id,
      levels: [
        { delayMinutes: 30, targets: [{ type: "user", id: admin.user.id }] },
        { delayMinutes: 30, targets: [{ type: "team", id: team.id }] },
      ],
    });
    assert.equal(policy.status, 201, JSON.stringify(policy.json));
    const put = await admin.api.request("PUT", `/api/v1/teams/${team.id}/escalation-policy`, {
      policyId: policy.json.policy.id,
    });
    assert.equal(put.status, 200);
  }
  const text =
    (await admin.api.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id }))
      .json;
  const am = (await admin.api.post("/api/v1/integrations", {
    name: "am",
    type: "alertmanager",
    teamId: team.id,
  })).json;
  const convId = (await admin.api.get(`/api/v1/teams/${team.id}`)).json.team.conversationId;
  const hook = async (integration: { integration: { id: string }; token: string }, init: {
    headers?: Record<string, string>;
    body: string;
  }) => {
    const r = await fetch(`${srv.url}/hooks/${integration.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${integration.token}`, ...init.headers },
      body: init.body,
    });
    assert.equal(r.status, 202);
    return (await r.json()).alerts[0].alertId as string;
  };
  const fire = (title: string) => hook(text, { headers: { title }, body: title + " details" });
  const fireGroup = (name: string, instances: string[]) =>
    hook(am, {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        version: "4",
        groupKey: `{}:{alertname="${name}"}`,
        status: "firing",
        receiver: "tocsin",
        groupLabels: { alertname: name },
        commonLabels: { alertname: name, severity: "critical" },
        commonAnnotations: { summary: `${name} on ${instances.length} hosts` },
        externalURL: "http://alertmanager.example",
        truncatedAlerts: 0,
        alerts: instances.map((i) => ({
          status: "firing",
          labels: { alertname: name, instance: i },
          annotations: {},
          startsAt: new Date().toISOString(),
          endsAt: "0001-01-01T00:00:00Z",
          generatorURL: "",
          fingerprint: "fp-" + i,
        })),
      }),
    });
  return { team, convId, fire, fireGroup };
}

async function messageTexts(p: Person, convId: string): Promise<string[]> {
  const r = await p.api.get(`/api/v1/conversations/${convId}/messages?limit=100`);
  assert.equal(r.status, 200);
  return r.json.items.map((m: { text: string }) => m.text);
}

test(
  "browser fixes - after login, a next that leaves the site goes home; a local one is kept",
  async () => {
    await using srv = await startServer({ config, assets });
    await setup(srv.core, { email: "ada@example.com", name: "Ada", password: "ada-password" });
    const ctx = await (await getBrowser()).newContext();
    // Nothing may leave for another host: a request there fails the test.
    const foreign: string[] = [];
    await ctx.route((url) => !url.href.startsWith(srv.url), (route) => {
      foreign.push(route.request().url());
      return route.abort();
    });
    const page = await ctx.newPage();
    page.setDefaultTimeout(30_000);
    const logIn = async (next: string) => {
      // Leave the app first: its requests would answer 401 and move to the login page themselves.
      await page.goto("about:blank");
      await ctx.clearCookies();
      await page.goto(`${srv.url}/login?next=${next}`);
      await page.fill("input[name=email]", "ada@example.com");
      await page.fill("input[name=password]", "ada-password");
      await page.click("button[type=submit]");
    };
    // The whole table of hostile values is in tests/login_next_test.ts; here the browser's own reading.
    for (
      const next of [
        "/%5Cevil.example/x",
        "/%09/evil.example/x",
        "//evil.example/x",
        "javascript:alert(1)",
      ]
    ) {
      await logIn(next);
      // Arriving is enough: the home page itself is another test's business.
      await page.waitForURL(srv.url + "/", { waitUntil: "commit" });
      assert.equal(page.url(), srv.url + "/", next);
    }
    assert.deepEqual(foreign, []);
    await logIn(encodeURIComponent("/admin/users?x=1#m"));
    await page.waitForFunction(
      () => location.pathname + location.search + location.hash === "/admin/users?x=1#m",
      null,
      { polling: 100, timeout: 30_000 },
    );
    await ctx.close();
  },
);

for (const [label, viewport] of [["1280 px", DESKTOP], ["390 px", PHONE]] as const) {
  test(`browser fixes - the thread dialog of a resolved card is on top at ${label}; a note can be typed`, async () => {
    await using srv = await startServer({ config, assets });
    const alice = await person(srv, "Alice", { admin: true, viewport });
    const t = await alertTeam(srv, alice);
    const ids: string[] = [];
    for (const title of ["Disk full on db-1", "Disk full on db-2", "Disk full on db-3"]) {
      ids.push(await t.fire(title));
    }
    for (const id of ids) {
      assert.equal((await alice.api.post(`/api/v1/alerts/${id}/resolve`, {})).status, 200);
    }
    await alice.page.goto(`${srv.url}/c/${t.convId}`);
    const first = alice.page.locator(`.alert-card[data-alert="${ids[0]}"]`);
    await first.locator("button:has-text('Timeline and notes')").click();
    const box = alice.page.locator(".dialog .thread-box textarea");
    await box.waitFor();
    // Whatever is drawn at the note box's centre must be the note box itself.
    const hit = await box.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return at === el;
    });
    assert.ok(hit, "a card covers the note box");
    const send = alice.page.locator(".dialog .thread-box button[type=submit]");
    const sendHit = await send.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return el.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2));
    });
    assert.ok(sendHit, "a card covers the send button");
    await box.click();
    await alice.page.keyboard.type("root cause: log rotation was off");
    await send.click();
    await alice.page.waitForSelector(
      ".dialog .timeline li[data-kind=note]:has-text('log rotation was off')",
    );
    const timeline = (await alice.api.get(`/api/v1/alerts/${ids[0]}`)).json.timeline;
    assert.ok(
      timeline.some((e: { note?: string }) => e.note === "root cause: log rotation was off"),
    );
    await alice.ctx.close();
  });
}

test("browser fixes - /ack and /resolve in the composer act on the only open alert, else explain", async () => {
  await using srv = await startServer({ config, assets });
  const alice = await person(srv, "Alice", { admin: true });
  const t = await alertTeam(srv, alice);
  const first = await t.fire("Payments down");
  await alice.page.goto(`${srv.url}/c/${t.convId}`);
  await alice.page.waitForSelector(`.alert-card[data-alert="${first}"][data-status=triggered]`);
  const box = alice.page.locator(".composer textarea");
  const before = await messageTexts(alice, t.convId);

  // One open alert: /ack acts on it, with the rest of the line as the note.
  await box.fill("/ack looking into it");
  await box.press("Enter");
  await alice.page.waitForSelector(`.alert-card[data-alert="${first}"][data-status=acknowledged]`);
  await alice.page.waitForSelector(".composer-hint:has-text('Payments down')");
  assert.match(
    await alice.page.textContent(`.alert-card[data-alert="${first}"] [data-testid=time-to-ack]`) ??
      "",
    /^Time to acknowledge: \d+ s$/,
  );
  const acked = (await alice.api.get(`/api/v1/alerts/${first}`)).json;
  assert.equal(acked.alert.acknowledgedBy, alice.user.id);
  assert.ok(
    acked.timeline.some((e: { kind: string; via: string; note?: string }) =>
      e.kind === "acknowledged" && e.via === "command" && e.note === "looking into it"
    ),
  );

  // Two open alerts: nothing happens, the hint says how, and the text comes back to the box.
  const second = await t.fire("Queue backlog");
  await alice.page.waitForSelector(`.alert-card[data-alert="${second}"]`);
  await box.fill("/resolve");
  await box.press("Enter");
  await alice.page.waitForSelector(".composer-hint:has-text('2 alerts')");
  assert.match(
    await alice.page.textContent(".composer-hint") ?? "",
    /Timeline and notes/,
  );
  assert.equal(await box.inputValue(), "/resolve");
  for (const id of [first, second]) {
    assert.notEqual((await alice.api.get(`/api/v1/alerts/${id}`)).json.alert.status, "resolved");
  }
  // None of it was posted as chat text.
  const after = await messageTexts(alice, t.convId);
  assert.deepEqual(after.filter((x) => x.startsWith("/")), []);
  assert.equal(after.length, before.length + 1, "only the second alert's card was added");

  // A conversation without alerts: the hint says there is none; ordinary text is still sent.
  const bob = await createUser(srv.core, {
    email: "bob@example.com",
    name: "Bob",
    password: "password-bob",
    role: "member",
  });
  const dm =
    (await alice.api.post("/api/v1/conversations", { kind: "direct", userId: bob.id })).json
      .conversation;
  await alice.page.goto(`${srv.url}/c/${dm.id}`);
  await alice.page.waitForSelector(".composer textarea");
  await box.fill("/ack");
  await box.press("Enter");
  await alice.page.waitForSelector(".composer-hint:has-text('no open alert')");
  await box.fill("/var/log is full again");
  await box.press("Enter");
  // Stored once the server has answered: the message is no longer pending.
  await alice.page.waitForSelector(
    `.msg.mine:not(.pending) .bubble:has-text("/var/log is full again")`,
  );
  assert.deepEqual(await messageTexts(alice, dm.id), ["/var/log is full again"]);
  await alice.ctx.close();
});

/** Each button of the card's footer: its row (vertical centre), lines of text, and width. */
function footerLayout(page: Page, alertId: string) {
  return page.locator(`.alert-card[data-alert="${alertId}"] .alert-actions`).evaluate((el) => ({
    buttons: [...el.querySelectorAll("button")].map((b) => {
      const r = b.getBoundingClientRect();
      const cs = getComputedStyle(b);
      const text = b.clientHeight - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom);
      return {
        text: b.textContent,
        row: Math.round(r.top + r.height / 2),
        lines: Math.round(text / parseFloat(cs.lineHeight)),
        width: Math.round(r.width),
      };
    }),
    width: el.clientWidth,
    overflows: el.scrollWidth > el.clientWidth + 1,
  }));
}

test("browser fixes - a card: durations, credit, assignee, labelled timeline, resolved counts, buttons fit", async () => {
  await using srv = await startServer({ config, assets });
  const alice = await person(srv, "Alice", { admin: true });
  const t = await alertTeam(srv, alice, { policy: true });
  const id = await t.fireGroup("DiskFull", ["db-1", "db-2"]);
  await alice.page.goto(`${srv.url}/c/${t.convId}`);
  const card = alice.page.locator(`.alert-card[data-alert="${id}"]`);
  await card.locator("button:has-text('Escalate now')").waitFor();
  assert.match(await card.locator(".alert-items button").textContent() ?? "", /2 firing/);
  assert.match(
    await card.locator("[data-testid=open-for]").textContent() ?? "",
    /^Open for \d+ s$/,
  );

  // At 1280 px the footer is one row of one-line buttons, inside the card.
  const wide = await footerLayout(alice.page, id);
  assert.ok(wide.buttons.length >= 5, JSON.stringify(wide));
  assert.equal(new Set(wide.buttons.map((b) => b.row)).size, 1, JSON.stringify(wide));
  assert.ok(wide.buttons.every((b) => b.lines === 1), JSON.stringify(wide));
  assert.ok(!wide.overflows, JSON.stringify(wide));

  // Escalate now and Assign to me are credited to Alice, from the card, naming the assignee.
  await card.locator("button:has-text('Escalate now')").click();
  await alice.page.waitForSelector(".sys:has-text('Escalated')");
  await card.locator("button:has-text('Assign to me')").click();
  await card.locator(":text('Assignee: Alice')").waitFor();
  await card.locator("button:has-text('Timeline and notes')").click();
  const escalated = alice.page.locator(".timeline li[data-kind=escalated]");
  await escalated.waitFor();
  assert.match(await escalated.textContent() ?? "", /Alice escalated · from the card/);
  const assigned = alice.page.locator(".timeline li[data-kind=assigned]");
  await assigned.waitFor();
  assert.match(await assigned.textContent() ?? "", /Alice assigned it to Alice · from the card/);
  assert.doesNotMatch(await assigned.textContent() ?? "", /api/);
  // A new alert's timeline has no empty "noted" line: every entry says what it is.
  const lines = await alice.page.locator(".timeline li").evaluateAll((els) =>
    els.map((e) => ({ kind: e.getAttribute("data-kind"), text: e.textContent ?? "" }))
  );
  assert.ok(lines.some((l) => l.kind === "routed" && /routed it by “default”/.test(l.text)));
  assert.deepEqual(lines.filter((l) => l.kind !== "note" && /noted/.test(l.text)), []);
  assert.deepEqual(lines.filter((l) => l.text.includes("in-app")), []);
  await alice.page.keyboard.press("Escape");

  // Resolved by hand while the source still says firing: the card does not claim firing items.
  await card.locator(".alert-actions button:text-is('Resolve')").click();
  await alice.page.waitForSelector(`.alert-card[data-alert="${id}"][data-status=resolved]`);
  const items = card.locator(".alert-items button");
  assert.equal(await items.textContent(), "2 alerts, closed with the alert");
  await items.click();
  assert.deepEqual(await card.locator(".alert-items li .dotlabel").allTextContents(), [
    "closed",
    "closed",
  ]);
  assert.match(await card.textContent() ?? "", /Resolved by Alice/);
  assert.match(
    await card.locator("[data-testid=time-to-resolve]").textContent() ?? "",
    /^Time to resolve: \d+ s$/,
  );
  assert.equal(await card.locator("[data-testid=open-for]").count(), 0);
  await card.locator("button:has-text('Timeline and notes')").click();
  const resolved = alice.page.locator(".timeline li[data-kind=resolved]");
  await resolved.waitFor();
  assert.match(await resolved.textContent() ?? "", /Alice resolved · from the card · after \d+ s/);
  await alice.page.keyboard.press("Escape");

  // At phone width whole buttons may wrap to a second row, but none breaks inside.
  const second = await t.fireGroup("HighLoad", ["web-1", "web-2"]);
  await alice.page.setViewportSize(PHONE);
  await alice.page.locator(`.alert-card[data-alert="${second}"] button:has-text('Escalate now')`)
    .waitFor();
  const narrow = await footerLayout(alice.page, second);
  assert.ok(narrow.buttons.every((b) => b.lines === 1), JSON.stringify(narrow));
  assert.ok(!narrow.overflows, JSON.stringify(narrow));
  await alice.ctx.close();
});

Deno.test({
  name: "browser fixes - (teardown)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await closeBrowser();
  },
});
