/**
 * The event webhooks page (/webhooks) and the API reference (/api-docs), driven
 * in Chromium like a person: desktop and phone width, English and Chinese. The
 * webhooks go to a real receiver on loopback that verifies every signature with
 * the secret the page showed once.
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
  shot,
  test,
} from "./_browser.ts";
import { startServer, type TestServer } from "./_helpers.ts";
import { hmacSha256Hex } from "../lib/core/crypto.ts";

const assets = await buildAssets();
/** The receiver listens on loopback: the server may call 127.0.0.0/8 (TOCSIN_OUTBOUND_ALLOW). */
const config = { ...browserConfig, outboundAllow: ["127.0.0.0/8"] };

interface Received {
  type: string;
  delivery: string;
  contentType: string;
  signed: boolean;
  // deno-lint-ignore no-explicit-any
  body: any;
}

/** A receiver that checks X-Tocsin-Signature with `secret` (set once the page shows it). */
function receiver() {
  const got: Received[] = [];
  const state = { secret: "" };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const text = await req.text();
    const ts = req.headers.get("x-tocsin-timestamp") ?? "";
    const want = "sha256=" + await hmacSha256Hex(state.secret || "none", `${ts}.${text}`);
    got.push({
      type: req.headers.get("x-tocsin-event") ?? "",
      delivery: req.headers.get("x-tocsin-delivery") ?? "",
      contentType: req.headers.get("content-type") ?? "",
      signed: req.headers.get("x-tocsin-signature") === want,
      body: JSON.parse(text),
    });
    return new Response(null, { status: 204 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/tocsin-events`,
    got,
    state,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** An admin, a team "SRE" with Carol as its admin and Bob as a member, and a text integration. */
async function world(srv: TestServer, opts: { viewport?: typeof PHONE; locale?: string } = {}) {
  const ada = await person(srv, "Ada", { admin: true, ...opts });
  const carol = await person(srv, "Carol", opts);
  const bob = await person(srv, "Bob", opts);
  const team = (await ada.api.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [bob.user.id, carol.user.id],
    adminIds: [carol.user.id],
  })).json.team;
  const created = (await ada.api.post("/api/v1/integrations", {
    name: "text",
    type: "text",
    teamId: team.id,
  })).json;
  const fire = async (title: string) => {
    const r = await fetch(`${srv.url}/hooks/${created.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${created.token}`, title },
      body: title,
    });
    assert.equal(r.status, 202);
    return (await r.json()).alerts[0].alertId as string;
  };
  return { ada, carol, bob, team, fire };
}

async function closeAll(...people: Person[]) {
  for (const p of people) await p.ctx.close();
}

/** Waits (bounded) until `f` holds. */
async function until(f: () => boolean, what: string, ms = 10_000) {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("browser webhooks - a team admin creates a signed webhook, alerts reach the receiver, test, log, edit, disable, delete", async () => {
  await using srv = await startServer({ config, assets });
  await using rx = receiver();
  const { ada, carol, bob, team, fire } = await world(srv);
  const page = carol.page;
  page.on("dialog", (d) => d.accept());
  await page.goto(srv.url + "/webhooks");
  await page.waitForSelector("text=No webhooks yet");
  await page.click("button:has-text('New webhook')");
  const form = "form[aria-label='New webhook']";
  await page.fill(`${form} input[name=name]`, "incident bot");
  await page.fill(`${form} input[name=url]`, rx.url);
  // Triggered, acknowledged and resolved are ticked already; add notes, drop resolved.
  await page.check(`${form} input[value='alert.noted']`);
  await page.uncheck(`${form} input[value='alert.resolved']`);
  await page.click(`${form} button[type=submit]`);
  const secretEl = page.locator("[data-testid=webhook-secret]");
  await secretEl.waitFor();
  rx.state.secret = (await secretEl.textContent()) ?? "";
  assert.match(rx.state.secret, /^whsec_/);
  await shot(page, "webhooks");

  const stored = (await carol.api.get(`/api/v1/event-webhooks?teamId=${team.id}`)).json.items;
  assert.equal(stored.length, 1);
  assert.equal(stored[0].name, "incident bot");
  assert.equal(stored[0].format, "tocsin");
  assert.deepEqual(stored[0].events, ["alert.triggered", "alert.acknowledged", "alert.noted"]);
  assert.equal(JSON.stringify(stored).includes(rx.state.secret), false, "the secret is not listed");

  // A real alert reaches the receiver, signed with the secret the page showed.
  const alertId = await fire("checkout latency");
  await until(() => rx.got.length >= 1, "the triggered event");
  assert.equal(rx.got[0].type, "alert.triggered");
  assert.equal(rx.got[0].signed, true);
  assert.equal(rx.got[0].body.data.alert.id, alertId);

  // Send test: the page reports the receiver's answer; the log lists both deliveries.
  const card = page.locator("[data-testid=webhook][data-name='incident bot']");
  await card.locator("button:has-text('Send test')").click();
  await card.locator("[data-testid=webhook-test-result]:has-text('Test delivered (HTTP 204)')")
    .waitFor();
  assert.equal(rx.got.at(-1)!.type, "webhook.test");
  assert.equal(rx.got.at(-1)!.signed, true);
  await card.locator("button:has-text('Delivery log')").click();
  await card.locator("[data-testid=delivery]").nth(1).waitFor();
  assert.equal(await card.locator("[data-testid=delivery]").count(), 2);
  await card.locator("[data-testid=delivery]").first().locator("text=Test").waitFor();

  // Edit: CloudEvents from now on.
  await card.locator("button:has-text('Edit')").click();
  const edit = "form[aria-label='Edit webhook']";
  await page.fill(`${edit} input[name=name]`, "incident bot v2");
  await page.selectOption(`${edit} select[name=format]`, "cloudevents");
  await page.click(`${edit} button[type=submit]`);
  await page.waitForSelector("[data-testid=webhook][data-name='incident bot v2']");
  const edited = (await carol.api.get(`/api/v1/event-webhooks?teamId=${team.id}`)).json.items[0];
  assert.equal(edited.name, "incident bot v2");
  assert.equal(edited.format, "cloudevents");
  await carol.api.post(`/api/v1/alerts/${alertId}/notes`, { text: "on it" });
  await until(() => rx.got.some((g) => g.type === "alert.noted"), "the noted event");
  const noted = rx.got.find((g) => g.type === "alert.noted")!;
  assert.equal(noted.contentType, "application/cloudevents+json; charset=utf-8");
  assert.equal(noted.body.specversion, "1.0");
  assert.equal(noted.signed, true);

  // Disable, then delete.
  const card2 = page.locator("[data-testid=webhook][data-name='incident bot v2']");
  await card2.locator("button:has-text('Disable')").click();
  await card2.locator(".tag:has-text('Off')").waitFor();
  assert.equal(
    (await carol.api.get(`/api/v1/event-webhooks?teamId=${team.id}`)).json.items[0].enabled,
    false,
  );
  await card2.locator("button:has-text('Delete')").click();
  await page.waitForSelector("text=No webhooks yet");
  assert.equal(
    (await carol.api.get(`/api/v1/event-webhooks?teamId=${team.id}`)).json.items.length,
    0,
  );

  // A member is told politely that the page is for the team's admins.
  await bob.page.goto(srv.url + "/webhooks");
  await bob.page.waitForSelector("text=Only the team's admins can see and change its webhooks.");
  assert.equal(await bob.page.locator("button:has-text('New webhook')").count(), 0);

  // The API reference lists the routes from the OpenAPI document.
  await ada.page.goto(srv.url + "/api-docs");
  await ada.page.waitForSelector("[data-testid=api-op]");
  await ada.page.fill("input[name=filter]", "event-webhooks");
  const op = ada.page.locator("[data-testid=api-op]", {
    has: ada.page.locator("code.apid-path", { hasText: /^\/api\/v1\/event-webhooks$/ }),
  }).filter({ hasText: "POST" });
  await op.locator("summary").click();
  await op.locator("text=Request body").waitFor();
  assert.match(await op.locator(".apid-schema").first().textContent() ?? "", /"cloudevents"/);
  await shot(ada.page, "api-docs");
  await closeAll(ada, carol, bob);
});

test("browser webhooks - at 390 px in Chinese: create, secret, send test and log; the API reference fits", async () => {
  await using srv = await startServer({ config, assets });
  await using rx = receiver();
  const { ada, carol, bob } = await world(srv, { viewport: PHONE, locale: "zh-CN" });
  const page = carol.page;
  await page.goto(srv.url + "/webhooks");
  await page.waitForSelector("text=还没有 Webhook");
  await assertNoHorizontalOverflow(page, "empty webhooks page");
  await page.click("button:has-text('新建 Webhook')");
  const form = "form[aria-label='新建 Webhook']";
  await page.fill(`${form} input[name=name]`, "值班机器人");
  await page.fill(`${form} input[name=url]`, rx.url);
  await page.selectOption(`${form} select[name=format]`, "cloudevents");
  await assertNoHorizontalOverflow(page, "webhook form");
  await page.click(`${form} button[type=submit]`);
  const secretEl = page.locator("[data-testid=webhook-secret]");
  await secretEl.waitFor();
  rx.state.secret = (await secretEl.textContent()) ?? "";
  await assertNoHorizontalOverflow(page, "secret shown once");
  const card = page.locator("[data-testid=webhook][data-name='值班机器人']");
  await card.locator("button:has-text('发送测试')").click();
  await card.locator("[data-testid=webhook-test-result]:has-text('测试已送达')").waitFor();
  assert.equal(rx.got.length, 1);
  assert.equal(rx.got[0].signed, true);
  assert.equal(rx.got[0].body.type, "tocsin.webhook.test");
  await card.locator("button:has-text('投递记录')").click();
  await card.locator("[data-testid=delivery]").first().waitFor();
  await assertNoHorizontalOverflow(page, "webhook with its log");
  await shot(page, "webhooks-phone-zh");

  await ada.page.goto(srv.url + "/api-docs");
  await ada.page.waitForSelector("[data-testid=api-op]");
  await ada.page.waitForSelector("text=API 参考");
  await ada.page.fill("input[name=filter]", "alerts/{id}/assign");
  await ada.page.locator("[data-testid=api-op] summary").first().click();
  await ada.page.waitForSelector("text=请求体");
  await assertNoHorizontalOverflow(ada.page, "API reference");
  await shot(ada.page, "api-docs-phone-zh");
  await closeAll(ada, carol, bob);
});

Deno.test({
  name: "browser webhooks - (teardown)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await closeBrowser();
  },
});
