/**
 * The whole product in the browser, end to end: a new admin opens a fresh Tocsin at its first-run
 * page and, only through the pages, creates the admin account, a user, a team, an Alertmanager
 * integration, a schedule and an escalation policy. The real Prometheus Alertmanager is configured
 * with the receivers block the integrations page shows, and an alert posted to Alertmanager's own
 * API (what Prometheus sends) pages the schedule's on-call member, who logs in through the login
 * form, sees the card arrive live with the paging naming them, and acknowledges it; the admin sees
 * it acknowledged by them.
 *
 * The only HTTP request the test makes itself is that alert to Alertmanager; everything else goes
 * through Chromium. The steps share one server and run in order (each under the harness's
 * watchdog); a step whose predecessor failed fails at once.
 */
import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import {
  browserConfig,
  buildAssets,
  closeBrowser,
  getBrowser,
  POLL,
  shot,
  test,
} from "./_browser.ts";
import { sleep, startServer, type TestServer } from "./_helpers.ts";
import { freePort } from "./_process.ts";
import type { Alert } from "../lib/alerts/model.ts";
import { getUserByEmail } from "../lib/accounts/users.ts";
import type { Team } from "../lib/accounts/model.ts";
import { keys } from "../lib/core/keys.ts";

const ALERTMANAGER = "/usr/bin/prometheus-alertmanager";
const hasAlertmanager = await Deno.stat(ALERTMANAGER).then(() => true, () => false);
/** Outside CI a machine without the package skips this file; in CI it must run. */
const ignore = !Deno.env.get("CI") && !hasAlertmanager;

const assets = ignore ? null : await buildAssets();

const ADMIN = { name: "Ada Admin", email: "ada@example.com", password: "ada-first-run-pw" };
const MEMBER = { name: "Mia Oncall", email: "mia@example.com", password: "mia-typed-pw-42" };
const ZONE = "Asia/Shanghai";
const ALERT = "CheckoutLatencyHigh";

/** What the steps hand on to the next. */
const state: {
  srv?: TestServer;
  admin?: { ctx: BrowserContext; page: Page };
  member?: { ctx: BrowserContext; page: Page };
  /** The receivers block as the integrations page showed it. */
  receivers?: string;
  url?: string;
  token?: string;
  teamId?: string;
  policyId?: string;
  scheduleId?: string;
  am?: { child: Deno.ChildProcess; dir: string; url: string };
  alertId?: string;
  failed?: boolean;
} = {};

/** A step: skipped work (failing at once) when an earlier step failed. */
const step = (name: string, fn: () => Promise<void>) =>
  ignore
    ? Deno.test({ name: `browser e2e - ${name}`, ignore: true, fn() {} })
    : test(`browser e2e - ${name}`, async () => {
      if (state.failed) throw new Error("an earlier step failed");
      try {
        await fn();
      } catch (e) {
        state.failed = true;
        throw e;
      }
    });

async function newContext(who: string): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await (await getBrowser()).newContext({
    viewport: { width: 1100, height: 760 },
    locale: "en-US",
    timezoneId: ZONE,
  });
  const page = await ctx.newPage();
  page.setDefaultTimeout(30_000);
  page.on("pageerror", (e) => console.error(`[${who}] page error:`, e.message));
  return { ctx, page };
}

/** Yesterday's date in the schedule's zone: the first weekly shift has begun. */
function yesterdayInZone(): string {
  return new Date(Date.now() + 8 * 3_600_000 - 86_400_000).toISOString().slice(0, 10);
}

step("1. the first-run page creates the admin", async () => {
  state.srv = await startServer({ config: browserConfig, assets });
  const srv = state.srv;
  state.admin = await newContext("admin");
  const { page } = state.admin;
  await page.goto(srv.url + "/");
  await page.waitForURL(srv.url + "/setup");
  await page.waitForSelector("h1:has-text('Set up Tocsin')");
  await page.getByLabel("Name").fill(ADMIN.name);
  await page.getByLabel("E-mail").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Create administrator" }).click();
  // Logged in as the admin, in the (empty) chat.
  await page.waitForURL(srv.url + "/");
  await page.waitForSelector("nav.sidebar");
  // The first-run page is gone for good.
  await page.goto(srv.url + "/setup");
  await page.waitForURL(/\/login$|\/$/);
});

step("2. the admin creates the on-call member and the team", async () => {
  const { srv, admin } = state as Required<typeof state>;
  const { page } = admin;
  await page.goto(srv.url + "/admin/users");
  const form = page.getByRole("form", { name: "Create user", exact: true });
  await form.getByLabel("Name").fill(MEMBER.name);
  await form.getByLabel("E-mail").fill(MEMBER.email);
  await form.getByLabel("Password").fill(MEMBER.password);
  await form.getByLabel("Role").selectOption("member");
  await form.getByRole("button", { name: "Create user" }).click();
  await page.waitForSelector(`table tr:has-text('${MEMBER.email}'):has-text('Member')`);

  await page.goto(srv.url + "/admin/teams");
  const teamForm = page.getByRole("form", { name: "Create team", exact: true });
  await teamForm.getByLabel("Team name").fill("Checkout SRE");
  await teamForm.getByRole("button", { name: "Create team" }).click();
  await page.locator(".team-list button", { hasText: "Checkout SRE" }).click();
  const detail = page.locator("section.team-detail");
  // Mia, and the admin too (on the team, but not on call: the policy must pick Mia alone).
  for (const who of [MEMBER, ADMIN]) {
    await detail.getByLabel("Search people by name or e-mail").fill(who.email);
    await detail.locator(".picker-item", { hasText: who.email }).click();
    await detail.locator(".member-list li", { hasText: who.name }).waitFor();
  }
  assert.equal(await detail.locator(".member-list li").count(), 2);
});

step("3. the admin creates the Alertmanager integration and reads its URL and token", async () => {
  const { srv, admin } = state as Required<typeof state>;
  const { page } = admin;
  await page.goto(srv.url + "/integrations");
  const form = page.getByRole("form", { name: "New integration", exact: true });
  await form.locator("label.int-type", { hasText: "Alertmanager" }).click();
  await form.getByLabel("Name").fill("prod alertmanager");
  await form.getByRole("button", { name: "Create" }).click();
  const card = page.locator(".int-card", { hasText: "prod alertmanager" });
  await card.locator(".int-token").waitFor();
  state.url = (await card.locator(".int-url").textContent())!.trim();
  state.token = (await card.locator(".int-token").textContent())!.trim();
  assert.match(state.url, new RegExp(`^${srv.url}/hooks/[0-9A-Z]{26}$`), "an absolute URL");
  assert.match(state.token, /^tih_/);
  state.receivers = (await card.locator("[data-snippet=alertmanager] pre").textContent())!;
  assert.ok(state.receivers.includes(`url: ${state.url}`), state.receivers);
  assert.ok(state.receivers.includes(`credentials: ${state.token}`), state.receivers);
  await card.locator("[data-snippet=alertmanager]").scrollIntoViewIfNeeded();
  await shot(page, "e2e-integration");
});

step(
  "4. the admin puts Mia on call and makes a policy paging the schedule the default",
  async () => {
    const { srv, admin } = state as Required<typeof state>;
    const { page } = admin;
    await page.goto(srv.url + "/oncall");
    await page.waitForSelector("text=This team has no on-call schedule yet");
    await page.getByRole("button", { name: "New schedule" }).click();
    const editor = page.getByRole("form", { name: "Schedule", exact: true });
    await editor.locator("input[name=name]").fill("Checkout primary");
    await editor.locator("input[name=timeZone]").fill(ZONE);
    await editor.locator("select[name='layer0.rotation']").selectOption("weekly");
    await editor.locator("input[name='layer0.handoff']").fill("09:00");
    await editor.locator("input[name='layer0.startDate']").fill(yesterdayInZone());
    await editor.locator("select[name='layer0.add']").selectOption({ label: MEMBER.name });
    await editor.locator(".oc-participants li", { hasText: MEMBER.name }).waitFor();
    await editor.getByRole("button", { name: "Save schedule" }).click();
    await page.waitForSelector("[role=status]:has-text('Schedule saved.')");
    await page.waitForSelector(`[data-testid=oncall-now]:has-text('${MEMBER.name}')`);

    await page.getByRole("button", { name: "New policy" }).click();
    const pf = page.getByRole("form", { name: "Escalation policy", exact: true });
    await pf.locator("input[name=name]").fill("Page the on-call");
    // A new policy's first level pages the team's first schedule.
    await pf.locator(".oc-chip", { hasText: "Checkout primary" }).waitFor();
    await pf.getByRole("button", { name: "Save policy" }).click();
    await page.waitForSelector("[role=status]:has-text('Policy saved.')");
    const policy = page.locator("li.oc-policy", { hasText: "Page the on-call" });
    await policy.getByRole("button", { name: "Make team default" }).click();
    await policy.locator("[data-testid=default-badge]").waitFor();
    state.policyId = (await policy.getAttribute("data-policy"))!;
    // Who it would page now: Mia alone.
    await policy.getByRole("button", { name: "Preview" }).click();
    await policy.locator("[data-testid=preview] li").first().waitFor();
    assert.match(
      (await policy.locator("[data-testid=preview] li").first().textContent())!,
      new RegExp(`Level 1: ${MEMBER.name}$`),
    );
    const teamId = await page.locator("select[name=team]").inputValue();
    state.teamId = teamId;
    const team = (await srv.kv.get<Team>(keys.team(teamId))).value;
    assert.equal(team?.escalationPolicyId, state.policyId, "the team's default policy is stored");
  },
);

step("5. Mia logs in through the login form and opens the team's conversation", async () => {
  const { srv } = state as Required<typeof state>;
  state.member = await newContext("member");
  const { page } = state.member;
  await page.goto(srv.url + "/");
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel("E-mail").fill(MEMBER.email);
  await page.getByLabel("Password").fill(MEMBER.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(srv.url + "/");
  await page.locator(".conv-list a.conv", { hasText: "Checkout SRE alerts" }).click();
  await page.waitForURL(/\/c\/[0-9A-Z]{26}$/);
  await page.waitForSelector(".sys");
  assert.equal(await page.locator(".alert-card").count(), 0);
});

step(
  "6. the real Alertmanager, set up from the page's block, delivers Prometheus's alert",
  async () => {
    const { receivers } = state as Required<typeof state>;
    const dir = await Deno.makeTempDir({ prefix: "tocsin-e2e-am-" });
    const port = freePort();
    await Deno.writeTextFile(
      `${dir}/alertmanager.yml`,
      `route:
  receiver: tocsin
  group_by: [alertname, service]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
${receivers}
`,
    );
    const child = new Deno.Command(ALERTMANAGER, {
      args: [
        `--config.file=${dir}/alertmanager.yml`,
        `--storage.path=${dir}/data`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--cluster.listen-address=",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const url = `http://127.0.0.1:${port}`;
    state.am = { child, dir, url };
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ready = await fetch(`${url}/-/ready`).then(async (r) => {
        await r.body?.cancel();
        return r.ok;
      }, () => false);
      if (ready) break;
      if (Date.now() > deadline) throw new Error("Alertmanager did not become ready");
      await sleep(200);
    }
    // What Prometheus sends.
    const res = await fetch(`${url}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{
        labels: { alertname: ALERT, service: "checkout", severity: "critical" },
        annotations: { summary: "p99 checkout latency above 2 s" },
        startsAt: new Date().toISOString(),
        generatorURL: "http://prometheus.example:9090/graph?g0.expr=checkout_p99",
      }]),
    });
    assert.equal(res.status, 200, await res.text());
  },
);

step("7. the card arrives live on Mia's screen, paging names her; she acknowledges", async () => {
  const { srv, member, policyId } = state as Required<typeof state>;
  const { page } = member;
  const card = page.locator(`.alert-card:has-text('${ALERT}')`);
  await card.and(page.locator("[data-status=triggered]")).waitFor({ timeout: 45_000 });
  state.alertId = (await card.getAttribute("data-alert"))!;
  assert.equal(await card.locator(".prio").textContent(), "Urgent");
  await shot(page, "e2e-card-arrives");

  // The paging: the timeline's "notified" entry names Mia, and only her.
  await card.getByRole("button", { name: "Timeline and notes" }).click();
  const notified = page.locator(".timeline li[data-kind=notified] .tl-people").first();
  await notified.waitFor();
  assert.equal((await notified.textContent())!.replace("→", "").trim(), MEMBER.name);
  await page.keyboard.press("Escape");
  const stored = (await srv.kv.get<Alert>(keys.alert(state.alertId))).value!;
  assert.equal(stored.paging?.policyId, policyId, "paged through the team's default policy");

  await card.getByRole("button", { name: "Acknowledge" }).click();
  await page.locator(`.alert-card[data-alert="${state.alertId}"][data-status=acknowledged]`)
    .waitFor();
  assert.match(
    (await card.locator("[data-testid=acked-by]").textContent())!,
    new RegExp(`Acknowledged by ${MEMBER.name}`),
  );
  await shot(page, "e2e-card-acknowledged");
});

step("8. the admin sees it acknowledged by Mia on the alert list and the alert page", async () => {
  const { srv, admin, alertId } = state as Required<typeof state>;
  const { page } = admin;
  await page.goto(srv.url + "/alerts");
  const row = page.locator(`.al-row[data-alert="${alertId}"]`);
  await row.and(page.locator("[data-status=acknowledged]")).waitFor();
  assert.match((await row.textContent())!, new RegExp(ALERT));
  await row.locator("a.al-title").click();
  await page.waitForURL(srv.url + `/alerts/${alertId}`);
  await page.waitForSelector(`.alert-card[data-alert="${alertId}"][data-status=acknowledged]`);
  await page.waitForFunction(
    (name) =>
      document.querySelector("[data-testid=acked-by]")?.textContent?.includes(
        `Acknowledged by ${name}`,
      ),
    MEMBER.name,
    POLL,
  );
  const acked = page.locator(".al-timeline li[data-kind=acknowledged]");
  await acked.waitFor();
  assert.match((await acked.textContent())!, new RegExp(MEMBER.name));
  await page.locator(".al-timeline li[data-kind=notified]", { hasText: MEMBER.name }).waitFor();
  const mia = await getUserByEmail(srv.kv, MEMBER.email);
  const stored = (await srv.kv.get<Alert>(keys.alert(alertId))).value!;
  assert.equal(stored.status, "acknowledged");
  assert.equal(stored.acknowledgedBy, mia?.id, "acknowledged by Mia, as stored");
});

Deno.test({
  name: "browser e2e - (teardown)",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { am, srv, admin, member } = state;
    if (am) {
      am.child.kill("SIGTERM");
      await am.child.status;
      await Deno.remove(am.dir, { recursive: true }).catch(() => {});
    }
    await admin?.ctx.close();
    await member?.ctx.close();
    if (srv) {
      // Bounded: now and then (2 runs in 12 under load) the server's graceful shutdown waits on
      // a loopback connection in CLOSE-WAIT whose one request never reached the handler; the
      // product flow above is done by then, so that stall must not hang the file.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stalled = await Promise.race([
        srv[Symbol.asyncDispose]().then(() => false),
        new Promise<boolean>((r) => timer = setTimeout(() => r(true), 15_000)),
      ]);
      clearTimeout(timer);
      if (stalled) console.error("browser e2e: the server's shutdown stalled; left to the exit");
    }
    await closeBrowser();
  },
});
