/**
 * The harness of the browser tests: the web client built once per test file,
 * Debian's Chromium driven by playwright-core, a watchdog per test, people
 * logged in through the API in their own browser contexts, and screenshots
 * for docs/screenshots/ when TOCSIN_SCREENSHOTS=1.
 */
import assert from "node:assert/strict";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { type Assets, buildClient, loadAssets } from "../lib/assets.ts";
import type { User } from "../lib/accounts/model.ts";
import { createUser, setup } from "../lib/accounts/users.ts";
import { Client, closingServers, type TestServer } from "./_helpers.ts";

const CHROMIUM = "/usr/bin/chromium";
const SHOTS = Deno.env.get("TOCSIN_SCREENSHOTS")
  ? new URL("../docs/screenshots/", import.meta.url).pathname
  : null;

/** Builds the web client into a temporary folder (once per test file that calls it). */
const assetDirs: string[] = [];
export async function buildAssets(): Promise<Assets | null> {
  const dir = await Deno.makeTempDir({ prefix: "tocsin-assets-" });
  assetDirs.push(dir);
  await buildClient(dir + "/");
  return await loadAssets(dir);
}

/**
 * The last Playwright calls of this file's browser ("=> page.goto started", "<= page.goto
 * succeeded"), with the test's elapsed time: a test the watchdog stops names the call it hung in.
 */
const STEPS_KEPT = 40;
const steps: string[] = [];
let stepsSince = Date.now();
const stepLog = {
  isEnabled: (name: string) => name === "api",
  log: (_name: string, _severity: string, message: string | Error) => {
    steps.push(`${((Date.now() - stepsSince) / 1000).toFixed(1)} s  ${message}`);
    if (steps.length > STEPS_KEPT) steps.shift();
  },
};

let browser: Browser | null = null;
export async function getBrowser(): Promise<Browser> {
  browser ??= hydratingContexts(
    await chromium.launch({
      logger: stepLog,
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    }),
  );
  return browser;
}

/**
 * Every page a test opens (through `person` or its own context) waits for hydration after `goto`:
 * see waitForHydrationOnGoto.
 */
function hydratingContexts(b: Browser): Browser {
  const newContext = b.newContext.bind(b);
  b.newContext = async (opts) => {
    const ctx = await newContext(opts);
    const newPage = ctx.newPage.bind(ctx);
    ctx.newPage = async () => {
      const page = await newPage();
      waitForHydrationOnGoto(page);
      return page;
    };
    return ctx;
  };
  return b;
}

/** Server settings that make browser tests quick: receipts and frames flushed at once. */
export const browserConfig = { deliveredFlushMs: 20, wsCoalesceMs: 5 };
/** waitForFunction polls on animation frames by default, which never come to a page in the background. */
export const POLL = { polling: 100 };
/** Phone width the pages must fit without horizontal scrolling. */
export const PHONE = { width: 390, height: 844 };
/**
 * Longest a browser test may take. A hang (seen once in CI, under load, not reproduced) then
 * fails that test by name instead of stalling the whole run.
 */
const TEST_WATCHDOG_MS = 90_000;

/**
 * A browser test: no op/resource sanitizers (the browser outlives a test), and a watchdog
 * (`watchdogMs`, for a file whose tests are longer).
 */
export const test = (name: string, fn: () => Promise<void>, watchdogMs = TEST_WATCHDOG_MS) =>
  Deno.test({
    name,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      let timer: ReturnType<typeof setTimeout> | undefined;
      steps.length = 0;
      stepsSince = Date.now();
      const watchdog = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const last = [steps.length ? steps.join("\n") : "(no browser call yet)", closingServers()]
            .filter(Boolean).join("\n");
          reject(
            new Error(
              `${name}: still running after ${watchdogMs} ms; its last browser calls:\n${last}`,
            ),
          );
        }, watchdogMs);
      });
      try {
        await Promise.race([fn(), watchdog]);
      } finally {
        clearTimeout(timer);
      }
    },
  });

/** Saves a screenshot as docs/screenshots/NAME.png when TOCSIN_SCREENSHOTS is set. */
export async function shot(page: Page, name: string) {
  if (!SHOTS) return;
  await Deno.mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: SHOTS + name + ".png" });
}

export interface Person {
  user: User;
  ctx: BrowserContext;
  page: Page;
  api: Client;
}

/** A user with their own browser context, logged in through the API (its cookie put in the context). */
export async function person(
  srv: TestServer,
  name: string,
  opts: {
    admin?: boolean;
    viewport?: { width: number; height: number };
    locale?: string;
    timezoneId?: string;
  } = {},
): Promise<Person> {
  const email = name.toLowerCase() + "@example.com";
  const user = opts.admin
    ? await setup(srv.core, { email, name, password: "password-" + name })
    : await createUser(srv.core, { email, name, password: "password-" + name, role: "member" });
  const api = new Client(srv.url);
  const r = await api.post("/api/v1/session", { email, password: "password-" + name });
  assert.equal(r.status, 200);
  const ctx = await (await getBrowser()).newContext({
    viewport: opts.viewport ?? { width: 1100, height: 720 },
    locale: opts.locale ?? "en-US",
    timezoneId: opts.timezoneId ?? "Asia/Shanghai",
  });
  await ctx.addCookies([{
    name: "tocsin_session",
    value: api.cookie.split("=")[1],
    url: srv.url,
    httpOnly: true,
    sameSite: "Lax",
  }]);
  const page = await ctx.newPage();
  page.setDefaultTimeout(30_000);
  page.on("pageerror", (e) => console.error(`[${name}] page error:`, e.message));
  return { user, ctx, page, api };
}

/**
 * After `page.goto` and `page.reload`, waits until the page's islands are hydrated (boot sets
 * `html[data-hydrated]`) when the page loads the client at all: under load, a click on a
 * server-rendered button before hydration does nothing (or submits its form natively), and the test
 * then waits in vain for what the click should have done.
 */
function waitForHydrationOnGoto(page: Page): void {
  const hydrated = async () => {
    const hasClient = await page.evaluate(() => !!document.querySelector("script[src*='/boot']"))
      .catch(() => false);
    if (!hasClient) return;
    await page.waitForSelector("html[data-hydrated]", { state: "attached", timeout: 20_000 })
      .catch(() => console.error(`${page.url()}: not hydrated after 20 s`));
  };
  const goto = page.goto.bind(page);
  page.goto = async (url, opts) => {
    const res = await goto(url, opts);
    await hydrated();
    return res;
  };
  const reload = page.reload.bind(page);
  page.reload = async (opts) => {
    const res = await reload(opts);
    await hydrated();
    return res;
  };
}

/** Fails when the page is wider than its viewport (content that scrolls sideways on a phone). */
export async function assertNoHorizontalOverflow(page: Page, what: string): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  assert.ok(scroll <= client, `${what}: ${scroll} px wide in a ${client} px viewport`);
}

/** Closes the shared browser and removes the built client (a file's last test calls it). */
export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = null;
  for (const d of assetDirs.splice(0)) await Deno.remove(d, { recursive: true }).catch(() => {});
}
