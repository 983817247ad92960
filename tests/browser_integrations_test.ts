/**
 * The integrations page, the alert list and the alert page in real Chromium: a team admin sets
 * up an Alertmanager integration in the browser, posts to the URL and token the page shows (as
 * Alertmanager would), then finds, filters, opens and acknowledges the alerts; a member sees
 * the same pages read-only, on a phone and in Chinese.
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

/** An Alertmanager 0.25 webhook body, as it sends one group. */
function amPayload(group: string, alertname: string, severity: string) {
  const labels = { alertname, severity, instance: "db-2:9100", job: "node" };
  return JSON.stringify({
    version: "4",
    groupKey: `{}:{alertname="${alertname}",group="${group}"}`,
    truncatedAlerts: 0,
    status: "firing",
    receiver: "tocsin",
    groupLabels: { alertname },
    commonLabels: labels,
    commonAnnotations: { summary: `${alertname} on db-2` },
    externalURL: "http://alertmanager.example:9093",
    alerts: [{
      status: "firing",
      labels,
      annotations: { summary: `${alertname} on db-2` },
      startsAt: new Date().toISOString(),
      endsAt: "0001-01-01T00:00:00Z",
      generatorURL: "http://prometheus.example:9090/graph?g0.expr=up",
      fingerprint: alertname.toLowerCase() + "0001",
    }],
  });
}

test("browser integrations - a team admin sets up Alertmanager, posts to it, filters, opens and acks", async () => {
  await using srv = await startServer({ config, assets });
  const admin = await person(srv, "Root", { admin: true });
  const lead = await person(srv, "Lead");
  const team = (await admin.api.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [lead.user.id],
    adminIds: [lead.user.id],
  })).json.team;
  const { page } = lead;

  await page.goto(srv.url + "/integrations");
  await page.waitForSelector("form.int-create");
  await page.waitForSelector("text=This team has no integrations yet.");
  await page.click("label.int-type:has-text('Prometheus Alertmanager')");
  await page.fill("form.int-create input[name=name]", "prod alertmanager");
  await page.click("form.int-create button[type=submit]");
  await page.waitForSelector(".int-card .int-token");
  const url = (await page.textContent(".int-card .int-url"))!.trim();
  const token = (await page.textContent(".int-card .int-token"))!.trim();
  const stored = (await lead.api.get(`/api/v1/integrations?teamId=${team.id}`)).json.items;
  assert.equal(stored.length, 1);
  assert.equal(stored[0].type, "alertmanager");
  assert.equal(url, `${srv.url}/hooks/${stored[0].id}`);
  assert.match(token, /^tih_/);
  // The receivers block is filled in with this URL and token.
  const am = await page.textContent("[data-snippet=alertmanager] pre");
  assert.ok(am!.includes(`url: ${url}`) && am!.includes(`credentials: ${token}`));
  assert.match(am!, /type: Bearer/);
  await shot(page, "integrations");

  // What Alertmanager does: POST the group to the URL with the token.
  for (
    const [g, name, sev] of [["a", "DiskFull", "critical"], ["b", "HighLoad", "warning"]]
  ) {
    const r = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: amPayload(g, name, sev),
    });
    assert.equal(r.status, 202, await r.text());
  }
  // The counters on the page.
  await page.reload();
  await page.waitForSelector(".int-stats:has-text('2 alerts, 2 events')");

  await page.goto(srv.url + "/alerts");
  await page.waitForSelector(".al-row:has-text('DiskFull')");
  await page.waitForSelector(".al-row:has-text('HighLoad')");
  assert.equal(await page.locator(".al-row").count(), 2);
  await shot(page, "alerts");
  // Filter: urgent only (critical maps to urgent).
  await page.selectOption("select[name=priority]", "urgent");
  await page.waitForFunction(() => document.querySelectorAll(".al-row").length === 1, null, POLL);
  assert.match((await page.textContent(".al-row"))!, /DiskFull/);
  assert.match(page.url(), /priority=urgent/);
  await page.selectOption("select[name=priority]", "low");
  await page.waitForSelector("text=No alerts match.");
  await page.selectOption("select[name=priority]", "");
  await page.selectOption("select[name=integrationId]", stored[0].id);
  await page.waitForFunction(() => document.querySelectorAll(".al-row").length === 2, null, POLL);

  // The alert page: card, labels, timeline, raw payload (a team admin), link to the chat.
  await page.click(".al-row:has-text('DiskFull') a.al-title");
  await page.waitForURL(/\/alerts\/[0-9A-Z]{26}$/);
  const alertId = page.url().split("/alerts/")[1];
  await page.waitForSelector(`.alert-card[data-alert="${alertId}"]`);
  await page.waitForSelector(".al-labels dd:has-text('db-2:9100')");
  await page.waitForSelector(".al-timeline li[data-kind=triggered]");
  await page.waitForSelector(".al-raw:has-text('groupKey')");
  const chat = await page.getAttribute("a.al-chat", "href");
  assert.match(chat!, new RegExp(`^/c/[0-9A-Z]{26}#alert-${alertId}$`));
  await shot(page, "alert-page");

  // Bulk: select both, acknowledge with one click.
  await page.goto(srv.url + "/alerts");
  await page.waitForSelector(".al-row >> nth=1");
  await page.check("input[name=all]");
  await page.waitForSelector("text=2 selected");
  await page.click("button:has-text('Acknowledge selected')");
  await page.waitForSelector("[role=status]:has-text('2 changed, 0 not changed.')");
  const open = (await lead.api.get("/api/v1/alerts?status=acknowledged")).json.items;
  assert.equal(open.length, 2);
  assert.ok(open.every((a: { acknowledgedBy: string }) => a.acknowledgedBy === lead.user.id));
  // The default view (open) still shows them, now acknowledged.
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll(".al-row")].every((r) =>
        r.getAttribute("data-status") === "acknowledged"
      ),
    null,
    POLL,
  );

  // Test alert and pause from the page.
  await page.goto(srv.url + "/integrations");
  await page.click("button:has-text('Send a test alert')");
  await page.waitForSelector("[role=status]:has-text('Test alert sent')");
  const tests = (await lead.api.get("/api/v1/alerts?status=open")).json.items.filter((
    a: { labels: Record<string, string> },
  ) => a.labels.tocsin_test === "true");
  assert.equal(tests.length, 1);
  await page.click(".int-card button:has-text('Disable')");
  await page.waitForSelector(".int-card .int-off");
  const paused = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: amPayload("c", "Paused", "critical"),
  });
  assert.equal(paused.status, 503);
  assert.ok(paused.headers.get("retry-after"));
  await paused.body?.cancel();
  // Rotate: a new token is shown; the old one stops working.
  await page.click(".int-card button:has-text('Enable')");
  await page.waitForSelector(".int-card:not(:has(.int-off))");
  page.once("dialog", (d) => d.accept());
  await page.click(".int-card button:has-text('Rotate token')");
  await page.waitForFunction(
    (old) => {
      const t = document.querySelector(".int-card .int-token")?.textContent;
      return t && t !== old;
    },
    token,
    POLL,
  );
  const old = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: amPayload("d", "Old", "critical"),
  });
  assert.equal(old.status, 401);
  await old.body?.cancel();
  await lead.ctx.close();
  await admin.ctx.close();
});

test("browser integrations - a member, on a phone and in Chinese, reads without manage buttons", async () => {
  await using srv = await startServer({ config, assets });
  const admin = await person(srv, "Root", { admin: true });
  const lead = await person(srv, "Lead", { viewport: PHONE });
  const bob = await person(srv, "Bob", { viewport: PHONE, locale: "zh-CN" });
  const team = (await admin.api.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [lead.user.id, bob.user.id],
    adminIds: [lead.user.id],
  })).json.team;
  const created = (await lead.api.post("/api/v1/integrations", {
    name: "grafana-prod",
    type: "grafana",
    teamId: team.id,
    signingSecret: "a-very-long-signing-secret",
  })).json;
  const hook = await fetch(`${srv.url}/hooks/${created.integration.id}`, {
    method: "POST",
    headers: { authorization: `Bearer ${created.token}`, "content-type": "application/json" },
    body: amPayload(
      "z",
      "磁盘已满-with-a-rather-long-alert-name-that-must-wrap-on-a-phone",
      "critical",
    ),
  });
  // A signed Grafana integration refuses an unsigned body: 401.
  assert.equal(hook.status, 401);
  await hook.body?.cancel();
  const text = (await lead.api.post("/api/v1/integrations", {
    name: "scripts",
    type: "text",
    teamId: team.id,
  })).json;
  const title = encodeURIComponent("磁盘已满 db-2");
  const r = await fetch(`${srv.url}/hooks/${text.integration.id}?title=${title}`, {
    method: "POST",
    headers: { authorization: `Bearer ${text.token}` },
    body: "disk full on db-2 ".repeat(20),
  });
  assert.equal(r.status, 202);
  const alertId = (await r.json()).alerts[0].alertId;

  // The team admin on a phone: the page fits, with the token and snippets.
  await lead.page.goto(srv.url + "/integrations");
  await lead.page.waitForSelector(".int-card >> nth=1");
  lead.page.once("dialog", (d) => d.accept());
  await lead.page.click(".int-card[aria-label=scripts] button:has-text('Rotate token')");
  await lead.page.waitForSelector(".int-card[aria-label=scripts] .int-token");
  await lead.page.click(".int-card[aria-label=scripts] summary");
  await assertNoHorizontalOverflow(lead.page, "integrations (team admin, 390 px)");

  const { page } = bob;
  await page.goto(srv.url + "/integrations");
  await page.waitForSelector(".int-card >> nth=1");
  await page.waitForSelector("text=只有团队管理员可以修改集成。");
  assert.equal(await page.locator("form.int-create").count(), 0);
  assert.equal(await page.locator("button:has-text('轮换令牌')").count(), 0);
  assert.equal(await page.locator("button:has-text('发送测试告警')").count(), 0);
  assert.equal(await page.locator("button:has-text('删除')").count(), 0);
  await assertNoHorizontalOverflow(page, "integrations (member, 390 px)");
  await shot(page, "integrations-phone-zh");
  // The server refuses the member too.
  const rot = await bob.api.post(`/api/v1/integrations/${text.integration.id}/token`);
  assert.equal(rot.status, 403);

  await page.goto(srv.url + "/alerts");
  await page.waitForSelector(".al-row:has-text('磁盘已满')");
  await page.waitForSelector(".al-row .alert-status:has-text('未处理')");
  assert.equal(await page.inputValue("select[name=status]"), "open");
  await assertNoHorizontalOverflow(page, "alerts (390 px)");
  await shot(page, "alerts-phone-zh");

  await page.goto(srv.url + `/alerts/${alertId}`);
  await page.waitForSelector(`.alert-card[data-alert="${alertId}"]`);
  await page.waitForSelector("h2:has-text('时间线')");
  // Members do not see the raw payload.
  await page.waitForSelector("h2:has-text('已发送的通知')");
  assert.equal(await page.locator(".al-raw").count(), 0);
  await assertNoHorizontalOverflow(page, "alert page (390 px)");
  await shot(page, "alert-page-phone-zh");
  // Acknowledge from the card on the page.
  await page.click(`.alert-card[data-alert="${alertId}"] button:has-text('认领')`);
  await page.waitForSelector(`.alert-card[data-status=acknowledged]`);
  assert.equal(
    (await bob.api.get(`/api/v1/alerts/${alertId}`)).json.alert.acknowledgedBy,
    bob.user.id,
  );
  // An alert of another team: not found, politely.
  await page.goto(srv.url + "/alerts/01ARZ3NDEKTSV4RRFFQ69G5FAV");
  await page.waitForSelector("text=该告警不存在");
  await lead.ctx.close();
  await bob.ctx.close();
  await admin.ctx.close();
});

Deno.test({
  name: "browser integrations - (teardown)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await closeBrowser();
  },
});
