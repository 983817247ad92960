/**
 * The on-call set-up in real Chromium, driven like a person: a team admin
 * builds a weekly schedule, reorders it, adds an override, reads the
 * calendar, builds an escalation policy, makes it the default and previews
 * it; a member sees who is on call. Desktop in English, phone in Chinese.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
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
import { type Client, startServer, type TestServer } from "./_helpers.ts";
import { zonedToInstant } from "../client/zoned.ts";

const assets = await buildAssets();

/** A global admin who makes the team, its team admin Lena, and members Ann and Ben. */
async function world(srv: TestServer, opts: { viewport?: typeof PHONE; locale?: string }) {
  const root = await person(srv, "Root", { admin: true, ...opts });
  const lena = await person(srv, "Lena", opts);
  const ann = await person(srv, "Ann", opts);
  const ben = await person(srv, "Ben", opts);
  const team = (await root.api.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [ann.user.id, ben.user.id],
    adminIds: [lena.user.id],
  })).json.team;
  return { root, lena, ann, ben, team };
}

/** Yesterday's date in Shanghai (the browsers' zone), so that the first weekly shift is running. */
function yesterdayInShanghai(): string {
  return new Date(Date.now() + 8 * 3_600_000 - 86_400_000).toISOString().slice(0, 10);
}

async function schedules(api: Client, teamId: string) {
  return (await api.get(`/api/v1/schedules?teamId=${teamId}`)).json.items;
}

async function fillNewSchedule(page: Page, ids: { ann: string; ben: string }) {
  const form = "form.oc-editor";
  await page.fill(`${form} input[name=name]`, "Primary");
  await page.fill(`${form} input[name=timeZone]`, "Asia/Shanghai");
  await page.selectOption(`${form} select[name='layer0.rotation']`, "weekly");
  await page.fill(`${form} input[name='layer0.handoff']`, "09:00");
  await page.fill(`${form} input[name='layer0.startDate']`, yesterdayInShanghai());
  await page.selectOption(`${form} select[name='layer0.add']`, ids.ann);
  await page.selectOption(`${form} select[name='layer0.add']`, ids.ben);
  await page.waitForSelector(`${form} .oc-participants li[data-user="${ids.ben}"]`);
}

test("browser oncall - a team admin builds a weekly schedule: drag to reorder, override, calendar with now line, restriction (desktop, English)", async () => {
  await using srv = await startServer({ config, assets });
  const { lena, ann, ben, team } = await world(srv, {});
  const page = lena.page;
  await page.goto(srv.url + "/oncall");
  await page.waitForSelector("text=This team has no on-call schedule yet");
  await page.click("button:has-text('New schedule')");
  await fillNewSchedule(page, { ann: ann.user.id, ben: ben.user.id });
  await shot(page, "oncall-schedule-editor");
  // Drag Ben above Ann.
  await page.dragAndDrop(
    `.oc-participants li[data-user="${ben.user.id}"]`,
    `.oc-participants li[data-user="${ann.user.id}"]`,
  );
  await page.waitForFunction(
    (id) => document.querySelector(".oc-participants li")?.getAttribute("data-user") === id,
    ben.user.id,
    POLL,
  );
  await page.click("form.oc-editor button[type=submit]");
  await page.waitForSelector("[role=status]:has-text('Schedule saved.')");
  const [stored] = await schedules(lena.api, team.id);
  assert.equal(stored.name, "Primary");
  assert.equal(stored.timeZone, "Asia/Shanghai");
  assert.equal(stored.layers[0].rotation, "weekly");
  assert.equal(stored.layers[0].handoff, "09:00");
  assert.deepEqual(stored.layers[0].participants, [ben.user.id, ann.user.id]);

  // The calendar: the viewer's zone named, the now line, Ben's bar.
  await page.waitForSelector(".oc-cal [data-testid=now-line]");
  assert.match(
    await page.textContent("[data-testid=calendar-zone]") ?? "",
    /Shown in your time zone: Asia\/Shanghai/,
  );
  assert.ok(await page.locator(`.oc-week .oc-bar[data-user="${ben.user.id}"]`).count() >= 1);
  assert.equal(await page.locator(".oc-week-row:not(.oc-hours)").count(), 7);

  // An override for Ann, typed in the schedule's zone.
  const form = "form[aria-label='Add override']";
  await page.selectOption(`${form} select[name=userId]`, ann.user.id);
  const start = await page.inputValue(`${form} input[name=start]`);
  const end = await page.inputValue(`${form} input[name=end]`);
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector("[role=status]:has-text('Override added.')");
  const [withOverride] = await schedules(lena.api, team.id);
  assert.equal(withOverride.overrides.length, 1);
  assert.equal(withOverride.overrides[0].userId, ann.user.id);
  assert.equal(withOverride.overrides[0].start, zonedToInstant(start, "Asia/Shanghai"));
  assert.equal(withOverride.overrides[0].end, zonedToInstant(end, "Asia/Shanghai"));
  await page.waitForSelector(`.oc-overrides li:has-text("Ann")`);
  await page.waitForSelector(`.oc-bar.override[data-user="${ann.user.id}"]`);
  await shot(page, "oncall-calendar");

  // Lena restricts the layer to weekday office hours, Monday to Thursday from 08:00.
  await page.click("button:has-text('Edit schedule')");
  await page.check("form.oc-editor input[name='layer0.restricted']");
  await page.uncheck("form.oc-editor input[name='layer0.day5']");
  await page.fill("form.oc-editor input[name='layer0.from']", "08:00");
  await page.click("form.oc-editor button[type=submit]");
  await page.waitForSelector("[role=status]:has-text('Schedule saved.')");
  const [restricted] = await schedules(lena.api, team.id);
  assert.deepEqual(restricted.layers[0].restrict, {
    days: [1, 2, 3, 4],
    from: "08:00",
    to: "18:00",
  });
  assert.deepEqual(restricted.layers[0].participants, [ben.user.id, ann.user.id]);
  assert.equal(restricted.overrides.length, 1, "editing keeps the overrides");
  for (const p of [lena, ann, ben]) await p.ctx.close();
});

test("browser oncall - a team admin builds a policy, makes it the default, previews it; a member sees who is on call (desktop, English)", async () => {
  await using srv = await startServer({ config, assets });
  const { lena, ann, ben, team } = await world(srv, {});
  const page = lena.page;
  const made = await lena.api.post("/api/v1/schedules", {
    name: "Primary",
    teamId: team.id,
    timeZone: "Asia/Shanghai",
    layers: [{
      name: "Layer 1",
      participants: [ben.user.id, ann.user.id],
      rotation: "weekly",
      handoff: "09:00",
      startDate: yesterdayInShanghai(),
    }],
  });
  assert.equal(made.status, 201);
  const stored = made.json.schedule;
  await page.goto(srv.url + "/oncall");
  await page.waitForSelector(".oc-cal [data-testid=now-line]");

  // A policy: the schedule first, the whole team after 5 minutes.
  await page.click("button:has-text('New policy')");
  const pf = "form[aria-label='Escalation policy']";
  await page.fill(`${pf} input[name=name]`, "Default paging");
  await page.waitForSelector(`${pf} [data-target="schedule:${stored.id}"]`);
  await page.fill(`${pf} input[name='level0.delay']`, "5");
  await page.click(`${pf} button:has-text('Add level')`);
  await page.selectOption(`${pf} select[name='level1.add']`, `team:${team.id}`);
  await page.click(`${pf} button[type=submit]`);
  await page.waitForSelector("[role=status]:has-text('Policy saved.')");
  const [policy] = (await lena.api.get(`/api/v1/escalation-policies?teamId=${team.id}`)).json.items;
  assert.equal(policy.name, "Default paging");
  assert.deepEqual(policy.levels, [
    { delayMinutes: 5, targets: [{ type: "schedule", id: stored.id }] },
    { delayMinutes: 10, targets: [{ type: "team", id: team.id }] },
  ]);
  const card = `li[data-policy="${policy.id}"]`;
  await page.click(`${card} button:has-text('Make team default')`);
  await page.waitForSelector(`${card} [data-testid=default-badge]`);
  assert.equal(
    (await lena.api.get(`/api/v1/teams/${team.id}`)).json.team.escalationPolicyId,
    policy.id,
  );
  await page.click(`${card} button:has-text('Preview')`);
  await page.waitForSelector(`${card} [data-testid=preview] li[data-level="1"]`);
  const steps = await page.locator(`${card} [data-testid=preview] li`).allTextContents();
  assert.match(steps[0], /Level 1: Ben$/);
  assert.match(steps[1], /Level 2: .*Ann/);
  await shot(page, "oncall-policy");

  // The schedule is in use: deleting it is refused, and the page says by what.
  await page.click("button:has-text('Delete schedule')");
  await page.click("button:has-text('Yes, delete')");
  await page.waitForSelector("[role=alert]:has-text('Not possible right now')");
  assert.match(await page.textContent("[role=alert]") ?? "", /Default paging/);
  assert.equal((await schedules(lena.api, team.id)).length, 1);

  // A member sees who is on call on the team page, and cannot change the set-up.
  await ann.page.goto(srv.url + "/admin/teams");
  await ann.page.click(".team-list button:has-text('SRE')");
  await ann.page.waitForSelector("[data-testid=oncall-now]:has-text('On call now')");
  assert.match(await ann.page.textContent("[data-testid=oncall-now]") ?? "", /Primary: Ben/);
  await shot(ann.page, "oncall-team-page");
  await ann.page.goto(srv.url + "/oncall");
  await ann.page.waitForSelector(".oc-cal [data-testid=now-line]");
  assert.equal(await ann.page.locator("button:has-text('New schedule')").count(), 0);
  assert.equal(await ann.page.locator("button:has-text('Make team default')").count(), 0);

  for (const p of [lena, ann, ben]) await p.ctx.close();
});

test("browser oncall - phone width, Chinese: up/down reorder, month view, on call now in the alert conversation", async () => {
  await using srv = await startServer({ config, assets });
  const opts = { viewport: PHONE, locale: "zh-CN" };
  const { root, lena, ann, ben, team } = await world(srv, opts);
  // An integration gives the team its alert conversation.
  const hook = await root.api.post("/api/v1/integrations", {
    name: "am",
    type: "alertmanager",
    teamId: team.id,
  });
  assert.equal(hook.status, 201);
  const page = lena.page;
  await page.goto(srv.url + "/oncall");
  await page.click("button:has-text('新建值班表')");
  await fillNewSchedule(page, { ann: ann.user.id, ben: ben.user.id });
  await assertNoHorizontalOverflow(page, "schedule editor at 390 px");
  await page.click(`button[aria-label="将 Ben 上移"]`);
  await page.waitForFunction(
    (id) => document.querySelector(".oc-participants li")?.getAttribute("data-user") === id,
    ben.user.id,
    POLL,
  );
  await page.click("form.oc-editor button[type=submit]");
  await page.waitForSelector("[role=status]:has-text('值班表已保存。')");
  const [stored] = await schedules(lena.api, team.id);
  assert.deepEqual(stored.layers[0].participants, [ben.user.id, ann.user.id]);
  await page.waitForSelector(".oc-cal [data-testid=now-line]");
  assert.match(await page.textContent("[data-testid=calendar-zone]") ?? "", /按你的时区显示/);
  await assertNoHorizontalOverflow(page, "week calendar at 390 px");
  await page.click(".oc-calnav button:has-text('月')");
  await page.waitForSelector(".oc-month .oc-cell.today [data-testid=now-line]");
  assert.ok(await page.locator(".oc-month .oc-cell").count() >= 28);
  await assertNoHorizontalOverflow(page, "month calendar at 390 px");
  await shot(page, "oncall-month-phone-zh");

  // Edit: make it daily; the stored schedule follows.
  await page.click("button:has-text('编辑值班表')");
  await page.selectOption("form.oc-editor select[name='layer0.rotation']", "daily");
  await page.click("form.oc-editor button[type=submit]");
  await page.waitForSelector("[role=status]:has-text('值班表已保存。')");
  assert.equal((await schedules(lena.api, team.id))[0].layers[0].rotation, "daily");

  // Override, then remove it.
  await page.selectOption("form[aria-label='添加替班'] select[name=userId]", ann.user.id);
  await page.click("form[aria-label='添加替班'] button[type=submit]");
  await page.waitForSelector("[role=status]:has-text('已添加替班。')");
  await page.click(`button[aria-label="移除 Ann 的替班"]`);
  await page.waitForSelector("[role=status]:has-text('已移除替班。')");
  assert.deepEqual((await schedules(lena.api, team.id))[0].overrides, []);

  // Policy: schedule, then the team after 5 minutes; default; preview.
  await page.click("button:has-text('新建策略')");
  const pf = "form[aria-label='升级策略']";
  await page.fill(`${pf} input[name=name]`, "默认");
  await page.fill(`${pf} input[name='level0.delay']`, "5");
  await page.click(`${pf} button:has-text('添加级别')`);
  await page.selectOption(`${pf} select[name='level1.add']`, `team:${team.id}`);
  await assertNoHorizontalOverflow(page, "policy editor at 390 px");
  await page.click(`${pf} button[type=submit]`);
  await page.waitForSelector("[role=status]:has-text('策略已保存。')");
  const [policy] = (await lena.api.get(`/api/v1/escalation-policies?teamId=${team.id}`)).json.items;
  assert.deepEqual(policy.levels.map((l: { delayMinutes: number }) => l.delayMinutes), [5, 10]);
  const card = `li[data-policy="${policy.id}"]`;
  await page.click(`${card} button:has-text('设为团队默认')`);
  await page.waitForSelector(`${card} [data-testid=default-badge]:has-text('团队默认')`);
  // Daily now: who is on call depends on the hour; the server says who.
  const onCall = (await ann.api.get(`/api/v1/teams/${team.id}/oncall`)).json.items[0].name;
  assert.ok(onCall === "Ben" || onCall === "Ann");
  await page.click(`${card} button:has-text('预览')`);
  await page.waitForSelector(`${card} [data-testid=preview] li:has-text('第 2 级')`);
  assert.match(
    (await page.locator(`${card} [data-testid=preview] li`).first().textContent()) ?? "",
    new RegExp(`第 1 级:\\s*${onCall}$`),
  );
  await assertNoHorizontalOverflow(page, "on-call page at 390 px");
  await shot(page, "oncall-phone-zh");
  assert.equal(
    (await lena.api.get(`/api/v1/teams/${team.id}`)).json.team.escalationPolicyId,
    policy.id,
  );

  // Ann, a member: the team page and the team's alert conversation say Ben is on call.
  await ann.page.goto(srv.url + "/admin/teams");
  await ann.page.click(".team-list button:has-text('SRE')");
  await ann.page.waitForSelector("[data-testid=oncall-now]:has-text('当前值班')");
  assert.match(await ann.page.textContent("[data-testid=oncall-now]") ?? "", new RegExp(onCall));
  await assertNoHorizontalOverflow(ann.page, "team page at 390 px");
  const convId = (await root.api.get(`/api/v1/teams/${team.id}`)).json.team.conversationId;
  assert.ok(convId);
  await ann.page.goto(`${srv.url}/c/${convId}`);
  await ann.page.waitForSelector(`.chat-head [data-testid=oncall-now]:has-text('${onCall}')`);
  await assertNoHorizontalOverflow(ann.page, "alert conversation at 390 px");
  await shot(ann.page, "oncall-chat-header-phone-zh");
  for (const p of [root, lena, ann, ben]) await p.ctx.close();
});

Deno.test({
  name: "browser oncall - (teardown)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await closeBrowser();
  },
});
