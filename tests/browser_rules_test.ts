/**
 * The rules page (routing, automation, chat robots) and the providers and
 * reminders on the notifications admin page, driven in Chromium like a person:
 * desktop and phone width, English and Chinese. Robots and SMS go to a
 * stand-in on loopback that speaks DingTalk's and Twilio's APIs and checks
 * their signatures; e-mail goes to a real SMTP server (aiosmtpd).
 */
import assert from "node:assert/strict";
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
import { smtpServer } from "./_smtp.ts";
import { hmacSha256Base64 } from "../lib/core/crypto.ts";

const assets = await buildAssets();
/** The stand-ins listen on loopback: the server may call 127.0.0.0/8 (TOCSIN_OUTBOUND_ALLOW). */
const config = { ...browserConfig, outboundAllow: ["127.0.0.0/8"] };

const DINGTALK_TOKEN = "tok-0123456789abcdef";
const DINGTALK_SECRET = "SEC-robot-signing-secret";
const TWILIO_SID = "AC0123456789";
const TWILIO_TOKEN = "twilio-auth-token-xyz";

/** A loopback stand-in for DingTalk's robot API and Twilio's Messages API, checking signatures. */
function standIn() {
  const dingtalk: { text: string }[] = [];
  const sms: { to: string; body: string }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/robot/send") {
      const ts = url.searchParams.get("timestamp") ?? "";
      const want = await hmacSha256Base64(DINGTALK_SECRET, `${ts}\n${DINGTALK_SECRET}`);
      if (url.searchParams.get("access_token") !== DINGTALK_TOKEN) {
        return Response.json({ errcode: 300001, errmsg: "token is not exist" });
      }
      if (url.searchParams.get("sign") !== want) {
        return Response.json({ errcode: 310000, errmsg: "sign not match" });
      }
      const body = await req.json();
      dingtalk.push({ text: body.markdown?.text ?? "" });
      return Response.json({ errcode: 0, errmsg: "ok" });
    }
    if (url.pathname === `/2010-04-01/Accounts/${TWILIO_SID}/Messages.json`) {
      if (req.headers.get("authorization") !== "Basic " + btoa(`${TWILIO_SID}:${TWILIO_TOKEN}`)) {
        return Response.json({ code: 20003, message: "Authenticate" }, { status: 401 });
      }
      const form = new URLSearchParams(await req.text());
      sms.push({ to: form.get("To") ?? "", body: form.get("Body") ?? "" });
      return Response.json({ sid: "SM-standin-1", status: "queued" }, { status: 201 });
    }
    return new Response("not found", { status: 404 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    dingtalk,
    sms,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** An admin, a team "SRE" with Carol as its admin and Bob as a member, and an Alertmanager integration. */
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
    name: "prometheus",
    type: "alertmanager",
    teamId: team.id,
  })).json;
  return { ada, carol, bob, team, integration: created.integration, token: created.token };
}

function amPayload(labels: Record<string, string>): string {
  return JSON.stringify({
    version: "4",
    status: "firing",
    receiver: "tocsin",
    groupKey: `{}:{alertname="${labels.alertname}"}`,
    groupLabels: { alertname: labels.alertname },
    commonLabels: labels,
    commonAnnotations: { summary: "from the browser test" },
    externalURL: "http://alertmanager.example",
    alerts: [{
      status: "firing",
      labels,
      annotations: {},
      startsAt: "2026-12-01T00:00:00Z",
      endsAt: "0001-01-01T00:00:00Z",
      fingerprint: "f1",
    }],
  });
}

async function closeAll(...people: Person[]) {
  for (const p of people) await p.ctx.close();
}

const rule = (page: Page, n: number) => page.locator("[data-testid=route-rule]").nth(n);

test("browser rules - a team admin orders two routing rules, a bad regex is refused inline, the dry run picks the right rule", async () => {
  await using srv = await startServer({ config, assets });
  const { ada, carol, bob, team, integration, token } = await world(srv);
  const page = carol.page;
  await page.goto(srv.url + "/rules");
  await page.waitForSelector("text=No routing rules yet");
  // Two rules: "critical" first (severity = critical), then "db pages" (service =~ db-.*).
  await page.click("button:has-text('Add rule')");
  await rule(page, 0).locator("input[aria-label='Name']").fill("critical");
  await rule(page, 0).locator("input[aria-label='Label name']").fill("severity");
  await rule(page, 0).locator("input[aria-label='Value']").fill("critical");
  await page.click("button:has-text('Add rule')");
  await rule(page, 1).locator("input[aria-label='Name']").fill("db pages");
  await rule(page, 1).locator("input[aria-label='Label name']").fill("service");
  await rule(page, 1).locator("select[aria-label='Operator']").selectOption("=~");
  await rule(page, 1).locator("input[aria-label='Value']").fill("db-(");
  await rule(page, 1).locator("select[aria-label='Priority']").selectOption("urgent");
  await page.click("button:has-text('Save routing')");
  // The server's RE2 check answers 400; its message shows under the matcher at fault.
  const inline = rule(page, 1).locator("[data-testid=matcher] .matcher-error");
  await inline.waitFor();
  assert.match(await inline.textContent() ?? "", /missing|paren|\(/i);
  assert.equal(
    (await carol.api.get(`/api/v1/teams/${team.id}/routing`)).json.routing.routes.length,
    0,
  );
  await rule(page, 1).locator("input[aria-label='Value']").fill("db-.*");
  // "db pages" must come first, or "critical" catches the database alerts too.
  await rule(page, 1).locator("button[aria-label='Move up']").click();
  assert.equal(await rule(page, 0).getAttribute("data-name"), "db pages");
  await page.click("button:has-text('Save routing')");
  await page.waitForSelector("[role=status]:has-text('Routing saved')");
  const routes = (await carol.api.get(`/api/v1/teams/${team.id}/routing`)).json.routing.routes;
  assert.deepEqual(routes.map((r: { name: string }) => r.name), ["db pages", "critical"]);
  assert.deepEqual(routes[0].matchers, [{
    field: "label",
    label: "service",
    op: "=~",
    value: "db-.*",
  }]);
  assert.equal(routes[0].priority, "urgent");
  await page.waitForSelector("[data-testid=default-route]");

  // Dry run: a pasted Alertmanager payload for the database takes rule 1, the web one rule 2.
  const dry = "form[aria-label='Dry run']";
  await page.selectOption(`${dry} select[name=integration]`, integration.id);
  await page.fill(
    `${dry} textarea`,
    amPayload({ alertname: "DiskFull", service: "db-main", severity: "critical" }),
  );
  await page.click(`${dry} button[type=submit]`);
  await page.waitForSelector("[data-testid=matched-rule]:has-text('Matched rule 1: db pages')");
  await page.waitForSelector(".dry-result:has-text('Urgent')");
  await shot(page, "rules-routing");
  await page.fill(
    `${dry} textarea`,
    amPayload({ alertname: "Http5xx", service: "web", severity: "critical" }),
  );
  await page.click(`${dry} button[type=submit]`);
  await page.waitForSelector("[data-testid=matched-rule]:has-text('Matched rule 2: critical')");
  await page.fill(
    `${dry} textarea`,
    amPayload({ alertname: "Slow", service: "web", severity: "warning" }),
  );
  await page.click(`${dry} button[type=submit]`);
  await page.waitForSelector("[data-testid=matched-rule]:has-text('No rule matched')");

  // A recent alert of the team can be replayed instead of a payload.
  const hook = await fetch(`${srv.url}/hooks/${integration.id}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: amPayload({ alertname: "ReplicaLag", service: "db-replica", severity: "warning" }),
  });
  assert.ok(hook.ok, await hook.text());
  await page.reload();
  await page.check(`${dry} input[name=source][value=alert]`);
  await page.selectOption(`${dry} select[name=alert]`, { label: "[Urgent] ReplicaLag" });
  await page.click(`${dry} button[type=submit]`);
  await page.waitForSelector("[data-testid=matched-rule]:has-text('Matched rule 1: db pages')");

  // A member sees the rules but cannot change them.
  await bob.page.goto(srv.url + "/rules");
  await bob.page.waitForSelector("text=Only team admins can change these rules.");
  await bob.page.waitForSelector("[data-testid=route-rule][data-name='db pages']");
  assert.equal(await bob.page.locator("button:has-text('Add rule')").count(), 0);
  assert.equal(await bob.page.locator("button:has-text('Save routing')").count(), 0);
  await closeAll(ada, carol, bob);
});

test("browser rules - a team admin creates, edits, disables and deletes an automation rule", async () => {
  await using srv = await startServer({ config, assets });
  const { ada, carol, bob, team } = await world(srv);
  const page = carol.page;
  page.on("dialog", (d) => d.accept());
  await page.goto(srv.url + "/rules#automation");
  await page.waitForSelector("text=No automation rules yet");
  await page.click("button:has-text('New automation rule')");
  const form = "form[aria-label='Automation rule']";
  await page.fill(`${form} input[name=name]`, "stale urgent");
  await page.fill(`${form} input[name=minutes]`, "15");
  await page.check(`${form} input[name=prio-urgent]`);
  await page.fill(`${form} [data-testid=action] input[type=number]`, "2"); // escalate to level 2
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector("[data-testid=automation-rule][data-name='stale urgent']");
  let items = (await carol.api.get(`/api/v1/automation-rules?teamId=${team.id}`)).json.items;
  assert.equal(items.length, 1);
  assert.deepEqual(items[0].when, { unacknowledgedForMinutes: 15, priorities: ["urgent"] });
  assert.deepEqual(items[0].actions, [{ type: "escalate", level: 1 }]);
  assert.equal(items[0].enabled, true);
  assert.equal(items[0].lastFiredAt, null);
  await page.waitForSelector("[data-testid=last-fired]:has-text('never')");
  // Edit: a second action that raises the priority.
  await page.click("[data-testid=automation-rule] button:has-text('Edit')");
  await page.click(`${form} button:has-text('Add action')`);
  await page.selectOption(
    `${form} [data-testid=action] >> nth=1 >> select[aria-label='Priority']`,
    "high",
  );
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector("[data-testid=automation-rule]:has-text('set priority High')");
  items = (await carol.api.get(`/api/v1/automation-rules?teamId=${team.id}`)).json.items;
  assert.deepEqual(items[0].actions, [{ type: "escalate", level: 1 }, {
    type: "priority",
    priority: "high",
  }]);
  // Disable.
  await page.click("[data-testid=automation-rule] button:has-text('Disable')");
  await page.waitForSelector("[data-testid=automation-rule][data-enabled=false]");
  items = (await carol.api.get(`/api/v1/automation-rules?teamId=${team.id}`)).json.items;
  assert.equal(items[0].enabled, false);
  await shot(page, "rules-automation");
  // Delete.
  await page.click("[data-testid=automation-rule] button:has-text('Delete')");
  await page.waitForSelector("text=No automation rules yet");
  items = (await carol.api.get(`/api/v1/automation-rules?teamId=${team.id}`)).json.items;
  assert.deepEqual(items, []);
  await closeAll(ada, carol, bob);
});

test("browser rules - a DingTalk robot: the URL is masked, a signed test message arrives, an edit keeps the URL", async () => {
  await using srv = await startServer({ config, assets });
  await using stand = standIn();
  const { ada, carol, bob, team } = await world(srv);
  const page = carol.page;
  page.on("dialog", (d) => d.accept());
  await page.goto(srv.url + "/rules#robots");
  await page.waitForSelector("text=No robots yet");
  await page.click("button:has-text('New robot')");
  const form = "form[aria-label='Robot']";
  await page.fill(`${form} input[name=name]`, "ops group");
  await page.selectOption(`${form} select[name=kind]`, "dingtalk");
  await page.fill(
    `${form} input[name=url]`,
    `${stand.url}/robot/send?access_token=${DINGTALK_TOKEN}`,
  );
  await page.fill(`${form} input[name=secret]`, DINGTALK_SECRET);
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector("[data-testid=robot][data-name='ops group']");
  const shown = await page.locator("[data-testid=robot-url]").textContent() ?? "";
  assert.ok(!shown.includes(DINGTALK_TOKEN.slice(0, 8)), `the list shows the URL: ${shown}`);
  assert.ok(!(await page.content()).includes(DINGTALK_SECRET));
  await page.click("[data-testid=robot] button:has-text('Send a test')");
  await page.waitForSelector("[data-testid=robot-result]:has-text('Test message delivered')");
  assert.equal(stand.dingtalk.length, 1);
  assert.match(stand.dingtalk[0].text, /test message/);
  await shot(page, "rules-robots");
  // Rename it; the URL and secret fields stay empty, so the saved ones are kept.
  await page.click("[data-testid=robot] button:has-text('Edit')");
  await page.waitForSelector(`${form} .muted:text-is('set')`);
  await page.fill(`${form} input[name=name]`, "ops group (prod)");
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector("[data-testid=robot][data-name='ops group (prod)']");
  await page.click("[data-testid=robot] button:has-text('Send a test')");
  await page.waitForSelector("[data-testid=robot-result]:has-text('Test message delivered')");
  assert.equal(stand.dingtalk.length, 2);
  const robots = (await carol.api.get(`/api/v1/robots?teamId=${team.id}`)).json.items;
  assert.equal(robots[0].name, "ops group (prod)");
  // Delete.
  await page.click("[data-testid=robot] button:has-text('Delete')");
  await page.waitForSelector("text=No robots yet");
  assert.deepEqual((await carol.api.get(`/api/v1/robots?teamId=${team.id}`)).json.items, []);
  await closeAll(ada, carol, bob);
});

test("browser rules - an admin adds an SMTP and an SMS provider, sends real tests, reorders them; secrets never come back", async () => {
  await using srv = await startServer({ config, assets });
  await using stand = standIn();
  const smtp = await smtpServer();
  try {
    const ada = await person(srv, "Ada", { admin: true });
    const page = ada.page;
    page.on("dialog", (d) => d.accept());
    await page.goto(srv.url + "/admin/notifications");
    await page.waitForSelector("text=No provider yet");
    const form = "form[aria-label='Provider']";
    // SMTP to the real aiosmtpd.
    await page.click("button:has-text('New provider')");
    await page.fill(`${form} input[name=name]`, "local relay");
    await page.selectOption(`${form} select[name=kind]`, "smtp");
    await page.fill(`${form} input[name=host]`, "127.0.0.1");
    await page.fill(`${form} input[name=port]`, String(smtp.port));
    await page.selectOption(`${form} select[name=security]`, "none");
    await page.fill(`${form} input[name=from]`, "tocsin@example.com");
    await page.fill(`${form} input[name=perMinute]`, "30");
    await page.click(`${form} button[type=submit]`);
    await page.waitForSelector("[data-testid=provider][data-name='local relay']");
    const relay = page.locator("[data-testid=provider][data-name='local relay']");
    await relay.locator("input[name=to]").fill("oncall@example.com");
    await relay.locator("button:has-text('Send a test')").click();
    await relay.locator("[data-testid=provider-result]:has-text('Accepted by the provider')")
      .waitFor();
    const mails = await smtp.messages();
    assert.equal(mails.length, 1);
    assert.match(mails[0], /To: oncall@example.com/i);
    assert.match(mails[0], /Tocsin test message/);
    assert.match(await relay.locator("pre").textContent() ?? "", /250/);

    // Twilio-compatible SMS at the stand-in, with a secret token.
    await page.click("button:has-text('New provider')");
    await page.fill(`${form} input[name=name]`, "twilio");
    await page.selectOption(`${form} select[name=kind]`, "twilio");
    await page.fill(`${form} input[name=baseUrl]`, stand.url);
    await page.fill(`${form} input[name=accountSid]`, TWILIO_SID);
    await page.fill(`${form} input[name=authToken]`, TWILIO_TOKEN);
    await page.fill(`${form} input[name=from]`, "+15005550006");
    await page.click(`${form} button[type=submit]`);
    await page.waitForSelector("[data-testid=provider][data-name='twilio']");
    const listed = await ada.api.get("/api/v1/providers");
    assert.ok(!JSON.stringify(listed.json).includes(TWILIO_TOKEN), "the token came back");
    // Edit it (a new sender); the token field shows "set" and stays empty: the saved one is kept.
    const twilio = page.locator("[data-testid=provider][data-name='twilio']");
    await twilio.locator("button:has-text('Edit')").click();
    await page.waitForSelector(`${form} [data-testid=secret-set]`);
    assert.equal(await page.inputValue(`${form} input[name=authToken]`), "");
    await page.fill(`${form} input[name=from]`, "+15005550007");
    await page.click(`${form} button[type=submit]`);
    await page.waitForSelector(`${form}`, { state: "detached" });
    await page.waitForSelector("[role=status]:text-is('Saved.')");
    await twilio.locator("input[name=to]").fill("+8613800000000");
    assert.equal(await twilio.locator("input[name=to]").inputValue(), "+8613800000000");
    await twilio.locator("button:has-text('Send a test')").click();
    await twilio.locator("[data-testid=provider-result]:has-text('Accepted by the provider')")
      .waitFor();
    assert.match(await twilio.locator("pre").textContent() ?? "", /^201 .*SM-standin-1/);
    assert.deepEqual(stand.sms, [{
      to: "+8613800000000",
      body: "Tocsin test message: this provider works.",
    }]);
    await shot(page, "providers");

    // Failover order: move the SMS provider up.
    await twilio.locator("button[aria-label='Move up']").click();
    await page.waitForSelector("[role=status]:has-text('Order saved')");
    const order = (await ada.api.get("/api/v1/providers")).json.items.map((p: { name: string }) =>
      p.name
    );
    assert.deepEqual(order, ["twilio", "local relay"]);
    assert.equal(
      await page.locator("[data-testid=provider]").first().getAttribute("data-name"),
      "twilio",
    );

    // Reminders: urgent every 5 minutes, at most 4 times.
    const rem = "form[aria-label='Reminders']";
    await page.fill(`${rem} input[name='urgent.every']`, "5");
    await page.fill(`${rem} input[name='urgent.max']`, "4");
    await page.click(`${rem} button[type=submit]`);
    // Exactly "Saved": "Order saved." from the step before must not pass for it.
    await page.waitForSelector("[role=status]:text-is('Saved.')");
    const settings = (await ada.api.get("/api/v1/settings/reminders")).json.reminders;
    assert.deepEqual(settings.urgent, { everyMinutes: 5, maxRepeats: 4 });

    // Delete the relay.
    await page.locator("[data-testid=provider][data-name='local relay'] button:has-text('Delete')")
      .click();
    await page.waitForSelector("[data-testid=provider][data-name='local relay']", {
      state: "detached",
    });
    assert.equal((await ada.api.get("/api/v1/providers")).json.items.length, 1);
    await ada.ctx.close();
  } finally {
    await smtp.close();
  }
});

test("browser rules - at 390 px in Chinese: every tab fits, and a rule is created", async () => {
  await using srv = await startServer({ config, assets });
  const opts = { viewport: PHONE, locale: "zh-CN" };
  const { ada, carol, bob, team } = await world(srv, opts);
  await carol.api.request("PUT", `/api/v1/teams/${team.id}/routing`, {
    routes: [{
      name: "数据库",
      matchers: [{ field: "label", label: "service", op: "=~", value: "db-.*" }],
      priority: "urgent",
    }],
  });
  const page = carol.page;
  await page.goto(srv.url + "/rules");
  await page.waitForSelector("h1:has-text('告警规则')");
  await page.waitForSelector("[data-testid=route-rule][data-name='数据库']");
  await assertNoHorizontalOverflow(page, "routing tab");
  await shot(page, "rules-phone-zh");
  await page.click("button[role=tab]:has-text('自动化')");
  await page.click("button:has-text('新建自动化规则')");
  await page.fill("form[aria-label='自动化规则'] input[name=name]", "十分钟未认领");
  await page.fill("form[aria-label='自动化规则'] input[name=minutes]", "10");
  await assertNoHorizontalOverflow(page, "automation form");
  await page.click("form[aria-label='自动化规则'] button[type=submit]");
  await page.waitForSelector("[data-testid=automation-rule]:has-text('10 分钟未认领')");
  const items = (await carol.api.get(`/api/v1/automation-rules?teamId=${team.id}`)).json.items;
  assert.equal(items[0].name, "十分钟未认领");
  assert.equal(items[0].when.unacknowledgedForMinutes, 10);
  await assertNoHorizontalOverflow(page, "automation list");
  await page.click("button[role=tab]:has-text('群机器人')");
  await page.click("button:has-text('新建机器人')");
  await page.waitForSelector("form[aria-label='机器人']");
  await assertNoHorizontalOverflow(page, "robot form");
  // The admin page at phone width, in Chinese.
  await ada.page.goto(srv.url + "/admin/notifications");
  await ada.page.click("button:has-text('新建服务商')");
  await ada.page.selectOption("form[aria-label='服务商'] select[name=kind]", "tencent-sms");
  await ada.page.waitForSelector("form[aria-label='服务商'] input[name=secretKey]");
  await ada.page.waitForSelector("form[aria-label='提醒']");
  await assertNoHorizontalOverflow(ada.page, "providers form");
  await shot(ada.page, "providers-phone-zh");
  // Members are turned away from the admin page.
  await bob.page.goto(srv.url + "/admin/notifications");
  assert.match(bob.page.url(), /\/admin\/teams$/);
  await closeAll(ada, carol, bob);
});

Deno.test({
  name: "browser rules - (teardown)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await closeBrowser();
  },
});
