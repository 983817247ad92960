/**
 * The silences and heartbeats page, the alert page's "silence alerts like this" and deadline,
 * driven in Chromium like a person: desktop and phone width, English and Chinese.
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
import { timersOf } from "../lib/jobs/timers.ts";
import { keys } from "../lib/core/keys.ts";

const assets = await buildAssets();

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
  const post = async (labels: Record<string, string>, group: string) => {
    const r = await fetch(`${srv.url}/hooks/${created.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${created.token}`, "content-type": "application/json" },
      body: JSON.stringify({
        version: "4",
        status: "firing",
        receiver: "tocsin",
        groupKey: `{}:{group="${group}"}`,
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
          fingerprint: group,
        }],
      }),
    });
    assert.equal(r.status, 202);
    return (await r.json()).alerts[0].alertId as string;
  };
  return { ada, carol, bob, team, post };
}

async function closeAll(...people: Person[]) {
  for (const p of people) await p.ctx.close();
}

test("browser maintenance - a silence made from an alert in the browser stops paging; expiring it, heartbeats", async () => {
  await using srv = await startServer({ assets, config: browserConfig });
  const { ada, carol, bob, team, post } = await world(srv);
  const labels = { alertname: "DiskFull", service: "db", severity: "critical" };
  const first = await post(labels, "g1");
  // Bob, a member, opens the alert and silences alerts like it for two hours.
  const page = bob.page;
  await page.goto(`${srv.url}/alerts/${first}`);
  await page.click("a.al-silence");
  await page.waitForURL(/\/silences\?/);
  const form = "form[aria-label='New silence']";
  await page.waitForSelector(form);
  await page.waitForFunction(
    () => document.querySelectorAll("[data-testid=matcher]").length === 3,
    null,
    POLL,
  );
  await assertNoHorizontalOverflow(page, "silence form");
  await shot(page, "silence-form");
  await page.fill(`${form} input[name=comment]`, "disk replacement");
  const before = Date.now();
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector("[data-silence] .state-active");
  const stored = (await bob.api.get(`/api/v1/silences?teamId=${team.id}`)).json.items;
  assert.equal(stored.length, 1);
  assert.equal(stored[0].comment, "disk replacement");
  assert.equal(stored[0].createdBy, bob.user.id);
  assert.deepEqual(
    stored[0].matchers.map((m: { label: string; op: string; value: string }) =>
      `${m.label}${m.op}${m.value}`
    ).sort(),
    ["alertname=DiskFull", "service=db", "severity=critical"],
  );
  const twoHours = stored[0].endsAt - before;
  assert.ok(twoHours > 7_100_000 && twoHours < 7_300_000, `about 2 h, got ${twoHours}`);
  await shot(page, "silences");

  // An alert posted afterwards that matches pages nobody; one that does not match still pages.
  const quiet = await post(labels, "g2");
  const loud = await post({ ...labels, service: "web" }, "g3");
  const q = (await bob.api.get(`/api/v1/alerts/${quiet}`)).json;
  assert.equal(q.alert.silencedBy, stored[0].id);
  assert.deepEqual(await timersOf(srv.kv, quiet), [], "no reminder, escalation or delivery");
  assert.equal((await bob.api.get(`/api/v1/alerts/${quiet}/deliveries`)).json.items.length, 0);
  assert.ok((await timersOf(srv.kv, loud)).length > 0, "the other alert pages as before");
  // The alert page shows it as silenced.
  await page.goto(`${srv.url}/alerts/${quiet}`);
  await page.waitForSelector("[data-testid=silenced]");
  // The list filters on it.
  await page.goto(`${srv.url}/alerts?silenced=true`);
  await page.waitForSelector(`[data-alert='${quiet}']`);
  assert.equal(await page.locator(`[data-alert='${loud}']`).count(), 0);

  // Expired early: the next matching alert pages again.
  await page.goto(`${srv.url}/silences`);
  await page.click("[data-silence] button:has-text('Expire now')");
  await page.waitForSelector("[data-silence] .state-expired");
  const again = await post(labels, "g4");
  assert.equal(
    (await srv.kv.get<{ silencedBy?: string }>(keys.alert(again))).value?.silencedBy,
    undefined,
  );

  // Heartbeats: members read, the team admin creates one and gets its ping URL once.
  await page.click("button[role=tab]:has-text('Heartbeats')");
  await page.waitForSelector("text=No heartbeats");
  assert.equal(await page.locator("button:has-text('New heartbeat')").count(), 0);
  const cp = carol.page;
  await cp.goto(`${srv.url}/silences#heartbeats`);
  await cp.click("button:has-text('New heartbeat')");
  const hf = "form[aria-label='New heartbeat']";
  await cp.fill(`${hf} input[name=name]`, "nightly backup");
  await cp.fill(`${hf} input[name=interval]`, "1440");
  await cp.fill(`${hf} input[name=grace]`, "30");
  await cp.click(`${hf} button[type=submit]`);
  const url = await cp.locator("[data-testid=ping-url]").textContent();
  assert.ok(url?.includes("/ping/") && url.includes("token=thb_"), url ?? "");
  const hb = (await carol.api.get(`/api/v1/heartbeats?teamId=${team.id}`)).json.items[0];
  assert.equal(hb.intervalSeconds, 86_400);
  assert.equal(hb.graceSeconds, 1_800);
  assert.equal((await fetch(url!)).status, 200);
  await cp.reload();
  await cp.waitForSelector("[data-heartbeat] .hb-state-up");
  await shot(cp, "heartbeats");
  await closeAll(ada, carol, bob);
});

test("browser maintenance - at 390 px in Chinese: a silence from scratch, heartbeats, the alert page's deadline", async () => {
  await using srv = await startServer({ assets, config: browserConfig });
  const opts = { viewport: PHONE, locale: "zh-CN" };
  const { ada, carol, bob, team, post } = await world(srv, opts);
  const page = carol.page;
  await page.goto(`${srv.url}/silences`);
  await page.waitForSelector("text=没有静默");
  await assertNoHorizontalOverflow(page, "empty silences");
  await page.click("button:has-text('新建静默')");
  const form = "form[aria-label='新建静默']";
  await page.fill(`${form} [data-testid=matcher] input >> nth=0`, "service");
  await page.fill(`${form} [data-testid=matcher] input >> nth=1`, "db");
  await page.click(`${form} button:has-text('4 小时')`);
  await page.fill(`${form} input[name=comment]`, "数据库升级");
  await assertNoHorizontalOverflow(page, "silence form");
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector("[data-silence] .state-active");
  await assertNoHorizontalOverflow(page, "silence list");
  await shot(page, "silences-phone-zh");
  const s = (await carol.api.get(`/api/v1/silences?teamId=${team.id}`)).json.items[0];
  assert.deepEqual(s.matchers, [{ field: "label", label: "service", op: "=", value: "db" }]);
  assert.equal(s.comment, "数据库升级");
  // Edit it: a new comment.
  await page.click("[data-silence] button:has-text('编辑')");
  await page.fill("form[aria-label='编辑静默'] input[name=comment]", "数据库升级（延长）");
  await page.click("form[aria-label='编辑静默'] button[type=submit]");
  await page.waitForSelector("text=数据库升级（延长）");
  assert.equal(
    (await carol.api.get(`/api/v1/silences/${s.id}`)).json.silence.comment,
    "数据库升级（延长）",
  );
  // Heartbeats at phone width.
  await page.click("button[role=tab]:has-text('心跳')");
  await page.click("button:has-text('新建心跳')");
  await page.fill("form[aria-label='新建心跳'] input[name=name]", "备份");
  await page.click("form[aria-label='新建心跳'] button[type=submit]");
  await page.waitForSelector("[data-testid=ping-url]");
  await assertNoHorizontalOverflow(page, "heartbeat with its URL");
  await shot(page, "heartbeats-phone-zh");
  // The alert page: silenced badge link and the deadline form fit; a deadline is stored.
  const id = await post({ alertname: "Other", service: "web" }, "p1");
  await page.goto(`${srv.url}/alerts/${id}`);
  await page.waitForSelector("a.al-silence");
  await assertNoHorizontalOverflow(page, "alert page");
  await page.fill("form.al-deadline input[name=due]", "2030-01-02T09:30");
  await page.click("form.al-deadline button[type=submit]");
  await page.waitForFunction(
    async (u) => (await (await fetch(u)).json()).alert.dueAt !== null,
    `/api/v1/alerts/${id}`,
    POLL,
  );
  const detail = (await carol.api.get(`/api/v1/alerts/${id}`)).json;
  const a = detail.alert;
  // Seen twice under load: dueAt set, assigneeId null. The timeline says which writes made it.
  assert.equal(a.assigneeId, carol.user.id, JSON.stringify(detail));
  // 09:30 in the browser's zone (Asia/Shanghai, UTC+8).
  assert.equal(new Date(a.dueAt).toISOString(), "2030-01-02T01:30:00.000Z");
  await closeAll(ada, carol, bob);
});

Deno.test({
  name: "browser maintenance - (teardown)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await closeBrowser();
  },
});
