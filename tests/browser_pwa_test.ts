/**
 * The installable app in real Chromium: the manifest and its icons, the service worker
 * registering and controlling the page, the offline page standing in when the network is gone
 * (and nothing private in its cache), and Web Push from the profile page to a notification
 * whose click opens the alert. The push service is the outside world: the browser's
 * subscription points at the stand-in push service, which decrypts what Tocsin sent; the
 * service worker then receives exactly that payload.
 */
import assert from "node:assert/strict";
import {
  assertNoHorizontalOverflow,
  browserConfig,
  buildAssets,
  closeBrowser,
  person,
  PHONE,
  POLL,
  shot,
  test,
} from "./_browser.ts";
import { startServer } from "./_helpers.ts";
import { pushService } from "./_push_service.ts";

const assets = await buildAssets();
const config = { ...browserConfig, allowPrivateWebhooks: true };

test("browser pwa - manifest and icons, the service worker, the offline page, nothing private cached", async () => {
  await using srv = await startServer({ config, assets });
  const bob = await person(srv, "Bob");
  const { page } = bob;
  await page.goto(srv.url + "/profile");
  const href = await page.getAttribute("link[rel=manifest]", "href");
  assert.equal(href, "/manifest.webmanifest");
  const manifest = await (await page.request.get(srv.url + href)).json();
  assert.equal(manifest.display, "standalone");
  assert.equal(manifest.start_url, "/");
  const sizes = manifest.icons.map((i: { sizes: string; purpose?: string }) =>
    `${i.sizes}/${i.purpose ?? "any"}`
  );
  for (const want of ["192x192/any", "512x512/any", "512x512/maskable"]) {
    assert.ok(sizes.includes(want), `icon ${want}`);
  }
  for (const icon of manifest.icons) {
    const r = await page.request.get(srv.url + icon.src);
    assert.equal(r.status(), 200, icon.src);
  }
  // The worker registers for the whole site and takes control.
  const script = await page.evaluate(async () =>
    (await navigator.serviceWorker.ready).active?.scriptURL
  );
  assert.equal(script, srv.url + "/sw.js");
  await page.reload();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, POLL);
  await page.goto(srv.url + "/alerts");
  await page.waitForSelector("h1");

  // No network: the offline page, not a browser error (and no private page from a cache).
  await bob.ctx.setOffline(true);
  await page.goto(srv.url + "/alerts").catch(() => null);
  await page.waitForSelector("text=You are offline");
  await assertNoHorizontalOverflow(page, "offline page");
  await bob.ctx.setOffline(false);
  const cached = await page.evaluate(async () => {
    const urls: string[] = [];
    for (const name of await caches.keys()) {
      for (const req of await (await caches.open(name)).keys()) urls.push(req.url);
    }
    return urls;
  });
  assert.ok(cached.some((u) => u.endsWith("/offline")));
  for (const u of cached) {
    const path = new URL(u).pathname;
    assert.ok(path === "/offline" || path.startsWith("/static/build/"), `cached ${path}`);
  }
  await bob.ctx.close();
});

test("browser pwa - enable push on the profile page, an alert pushes, the notification opens the alert", async () => {
  const push = pushService();
  try {
    await using srv = await startServer({ config, assets });
    const admin = await person(srv, "Root", { admin: true });
    const ann = await person(srv, "Ann", { viewport: PHONE, locale: "zh-CN" });
    await ann.ctx.grantPermissions(["notifications"], { origin: srv.url });
    // The browser's own push service is the outside world: its subscription is the stand-in's.
    const sub = push.subscribe("ann-phone");
    await ann.ctx.addInitScript((s) => {
      const fake = { ...s, expirationTime: null, toJSON: () => ({ ...s, expirationTime: null }) };
      PushManager.prototype.subscribe = () => Promise.resolve(fake as unknown as PushSubscription);
      PushManager.prototype.getSubscription = () => Promise.resolve(null);
    }, sub);
    const { page } = ann;
    await page.goto(srv.url + "/profile");
    await page.waitForSelector("text=还没有设备");
    await shot(page, "profile-push-phone-zh");
    await page.click("button:has-text('在此设备上开启通知')");
    await page.waitForSelector("text=此设备已开启通知。");
    await page.waitForSelector(".push-devices li");
    await assertNoHorizontalOverflow(page, "profile with a device");
    const devices = (await ann.api.get("/api/v1/me/push-devices")).json.items;
    assert.equal(devices.length, 1);
    assert.match(devices[0].label, /Chrome on Linux|Chrome on Android/);

    // Push in the notification rules (the On-call page's table has a Push column).
    await page.goto(srv.url + "/oncall#my-notifications");
    await page.fill("input[name='urgent.push']", "0");
    await page.locator("form:has(input[name='urgent.push']) button[type=submit]").click();
    await page.waitForSelector("#my-notifications [role=status]");
    const rules = (await ann.api.get("/api/v1/me/notification-rules")).json.rules;
    assert.deepEqual(
      rules.urgent.filter((s: { channel: string }) => s.channel === "push"),
      [{ channel: "push", afterMinutes: 0 }],
    );

    const team = (await admin.api.post("/api/v1/teams", {
      name: "SRE",
      memberIds: [ann.user.id],
      adminIds: [admin.user.id],
    })).json.team;
    const integration = (await admin.api.post("/api/v1/integrations", {
      name: "t",
      type: "text",
      teamId: team.id,
    })).json;
    const r = await fetch(`${srv.url}/hooks/${integration.integration.id}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${integration.token}`,
        priority: "urgent",
        title: "DB down",
      },
      body: "primary unreachable",
    });
    const alertId = (await r.json()).alerts[0].alertId;
    const deadline = Date.now() + 20_000;
    while (push.received.length === 0 && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(push.received.length, 1, "the push service got the notification");
    const payload = push.received[0].payload;

    // The service worker gets that payload, shows it, and a click opens the alert.
    const worker = ann.ctx.serviceWorkers()[0] ?? await ann.ctx.waitForEvent("serviceworker");
    const shown = await worker.evaluate(async (data) => {
      // deno-lint-ignore no-explicit-any
      const g = self as any;
      const ev = new g.PushEvent("push", { data: JSON.stringify(data) });
      const waits: Promise<unknown>[] = [];
      ev.waitUntil = (p: Promise<unknown>) => waits.push(p);
      g.dispatchEvent(ev);
      await Promise.all(waits);
      const list = await g.registration.getNotifications();
      return list.map((n: Notification) => ({ title: n.title, body: n.body, data: n.data }));
    }, payload);
    assert.equal(shown.length, 1);
    assert.equal(shown[0].title, "DB down");
    assert.match(shown[0].body, /URGENT · SRE/);
    assert.equal(shown[0].data.url, `/alerts/${alertId}`);
    // Ann's open Tocsin window is taken to the alert (a new one opens when none is open).
    await worker.evaluate(async () => {
      // deno-lint-ignore no-explicit-any
      const g = self as any;
      const [n] = await g.registration.getNotifications();
      const ev = new g.NotificationEvent("notificationclick", { notification: n, action: "" });
      const waits: Promise<unknown>[] = [];
      ev.waitUntil = (p: Promise<unknown>) => waits.push(p);
      g.dispatchEvent(ev);
      await Promise.all(waits);
    });
    await page.waitForURL(`**/alerts/${alertId}`);
    await page.waitForSelector("text=DB down");
    await shot(page, "alert-from-push-phone-zh");

    // The notification's Acknowledge button works with no session (the app may be closed).
    await ann.ctx.clearCookies();
    await worker.evaluate(async (data) => {
      // deno-lint-ignore no-explicit-any
      const g = self as any;
      const ev = new g.PushEvent("push", { data: JSON.stringify(data) });
      const waits: Promise<unknown>[] = [];
      ev.waitUntil = (p: Promise<unknown>) => waits.push(p);
      g.dispatchEvent(ev);
      await Promise.all(waits);
      const [n] = await g.registration.getNotifications({ tag: data.tag });
      const click = new g.NotificationEvent("notificationclick", {
        notification: n,
        action: "ack",
      });
      click.waitUntil = (p: Promise<unknown>) => waits.push(p);
      g.dispatchEvent(click);
      await Promise.all(waits);
    }, payload);
    const acked = (await admin.api.get(`/api/v1/alerts/${alertId}`)).json.alert;
    assert.equal(acked.status, "acknowledged");
    assert.equal(acked.acknowledgedBy, ann.user.id, "acknowledged as Ann");
    await admin.ctx.close();
    await ann.ctx.close();
  } finally {
    await push.close();
  }
});

Deno.test({
  name: "browser pwa - (teardown)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await closeBrowser();
  },
});
