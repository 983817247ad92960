/**
 * War rooms in real Chromium: Ann opens one from the card in her team's conversation, lands in it
 * with the alert pinned and live, acknowledges there, and sees the summary when Olga resolves;
 * Bob, on a phone in Chinese, opens one from the alert page.
 */
import assert from "node:assert/strict";
import {
  assertNoHorizontalOverflow,
  browserConfig as config,
  buildAssets,
  closeBrowser,
  type Person,
  person,
  PHONE,
  shot,
  test,
} from "./_browser.ts";
import { startServer, type TestServer } from "./_helpers.ts";

const assets = await buildAssets();

/** A team of `members` (Olga on call now), with its conversation and one alert. */
async function teamWithAlert(srv: TestServer, root: Person, members: Person[], oncall: Person) {
  const team = (await root.api.post("/api/v1/teams", {
    name: "SRE",
    memberIds: members.map((m) => m.user.id),
    adminIds: [root.user.id],
  })).json.team;
  const schedule = await root.api.post("/api/v1/schedules", {
    name: "primary",
    teamId: team.id,
    timeZone: "UTC",
    layers: [{
      name: "l",
      participants: [oncall.user.id],
      rotation: "daily",
      startDate: "2020-01-01",
    }],
  });
  assert.equal(schedule.status, 201);
  const hook = (await root.api.post("/api/v1/integrations", {
    name: "t",
    type: "text",
    teamId: team.id,
  })).json;
  const r = await fetch(`${srv.url}/hooks/${hook.integration.id}`, {
    method: "POST",
    headers: { authorization: `Bearer ${hook.token}`, title: "checkout p99 over 2 s" },
    body: "checkout p99 over 2 s",
  });
  assert.equal(r.status, 202);
  const alertId: string = (await r.json()).alerts[0].alertId;
  const convId: string = (await root.api.get(`/api/v1/teams/${team.id}`)).json.team.conversationId;
  return { alertId, convId };
}

test("browser war room - open from the card, the pinned card stays live, resolving posts the summary", async () => {
  await using srv = await startServer({ config, assets });
  const root = await person(srv, "Root", { admin: true });
  const ann = await person(srv, "Ann", { viewport: { width: 1280, height: 800 } });
  const olga = await person(srv, "Olga");
  const { alertId, convId } = await teamWithAlert(srv, root, [ann, olga], olga);
  const { page } = ann;
  await page.goto(`${srv.url}/c/${convId}`);
  const teamCard = page.locator(`.card-row .alert-card[data-alert="${alertId}"]`);
  await teamCard.locator("[data-testid=open-war-room]").click();

  await page.waitForURL((u) =>
    /^\/c\/[0-9A-Z]{26}$/.test(u.pathname) && !u.pathname.endsWith(convId)
  );
  const roomId = new URL(page.url()).pathname.slice(3);
  const pinned = page.locator(`.war-room-bar .alert-card[data-alert="${alertId}"]`);
  await pinned.waitFor();
  await page.locator(".chat-title:has-text('checkout p99 over 2 s')").waitFor();
  await page.locator(".chat-head .war-room-badge:text-is('War room')").waitFor();
  assert.equal(await page.locator(".pins-toggle").textContent(), "📌 Pinned (1)");
  const members = (await ann.api.get(`/api/v1/conversations/${roomId}/members`)).json.items
    .map((m: { userId: string }) => m.userId).sort();
  assert.deepEqual(members, [ann.user.id, olga.user.id].sort());
  await shot(page, "war-room");

  // Acknowledged from the pinned card; Olga resolves elsewhere and the room hears of it live.
  await pinned.locator(".alert-actions button.primary").click();
  await page.locator(`.war-room-bar .alert-card[data-status=acknowledged]`).waitFor();
  // Inside the room, the card does not link the room it is in.
  assert.equal(await pinned.locator(".war-room-link").count(), 0);
  const acked = (await ann.api.get(`/api/v1/alerts/${alertId}`)).json;
  assert.equal(acked.alert.acknowledgedBy, ann.user.id);
  assert.equal(acked.timeline.find((e: { kind: string }) => e.kind === "acknowledged").via, "card");
  const resolved = await olga.api.post(`/api/v1/alerts/${alertId}/resolve`, {
    note: "rolled back 4.2.1",
  });
  assert.equal(resolved.status, 200);
  await page.locator(`.war-room-bar .alert-card[data-status=resolved]`).waitFor();
  // Names come with the room's member list: wait for the whole lines.
  const summary = page.locator("[data-testid=war-room-summary]");
  await summary.locator("[data-testid=sum-ack]:has-text('Acknowledged by Ann after')").waitFor();
  await summary.locator("[data-testid=sum-resolved]:has-text('Resolved by Olga after')").waitFor();
  await summary.locator("li:has-text('Olga: rolled back 4.2.1')").waitFor();
  assert.equal(
    await page.locator(`.card-row .alert-card[data-alert="${alertId}"][data-status=resolved]`)
      .count(),
    1,
  );

  // Back in the team conversation, the card links the room.
  await page.goto(`${srv.url}/c/${convId}`);
  await teamCard.locator("[data-testid=war-room]").waitFor();
  assert.equal(
    await teamCard.locator("[data-testid=war-room]").getAttribute("href"),
    `/c/${roomId}`,
  );
  await ann.ctx.close();
  await olga.ctx.close();
});

test("browser war room - on a phone in Chinese, from the alert page", async () => {
  await using srv = await startServer({ config, assets });
  const root = await person(srv, "Root", { admin: true });
  const bob = await person(srv, "Bob", { viewport: PHONE, locale: "zh-CN" });
  const olga = await person(srv, "Olga");
  const { alertId } = await teamWithAlert(srv, root, [bob, olga], olga);
  const { page } = bob;
  await page.goto(`${srv.url}/alerts/${alertId}`);
  await page.locator("[data-testid=open-war-room]:has-text('开作战室')").click();
  await page.waitForURL(/\/c\/[0-9A-Z]{26}$/);
  const roomId = new URL(page.url()).pathname.slice(3);
  await page.locator(`.war-room-bar .alert-card[data-alert="${alertId}"]`).waitFor();
  await page.locator(".war-room-bar summary:has-text('置顶告警')").waitFor();
  await assertNoHorizontalOverflow(page, "war room on a phone");
  await shot(page, "war-room-phone-zh");
  const members = (await bob.api.get(`/api/v1/conversations/${roomId}/members`)).json.items
    .map((m: { userId: string }) => m.userId).sort();
  assert.deepEqual(members, [bob.user.id, olga.user.id].sort());

  // The alert page now links the room, on the card and in the timeline.
  await page.goto(`${srv.url}/alerts/${alertId}`);
  // Names arrive after the timeline: wait for the whole line.
  const tl = page.locator(".al-timeline li[data-kind=war_room]:has-text('Bob 开了作战室')");
  await tl.waitFor();
  assert.match(await tl.textContent() ?? "", /Bob 开了作战室 · 通过告警详情页 进入作战室$/);
  assert.equal(await tl.locator("a.war-room-tl").getAttribute("href"), `/c/${roomId}`);
  assert.equal(
    await page.locator("[data-testid=war-room]:has-text('作战室')").getAttribute("href"),
    `/c/${roomId}`,
  );
  await assertNoHorizontalOverflow(page, "alert page with a war room");
  await bob.ctx.close();
  await olga.ctx.close();
});

Deno.test({
  name: "browser war room - (teardown)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await closeBrowser();
  },
});
