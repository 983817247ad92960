/**
 * The integrations page's drop-in settings in real Chromium: a team admin creates a PagerDuty
 * integration with a 32-character routing key, a signed Grafana one with chosen header names
 * and a two-way Zabbix one, pastes what the page shows into the senders (as they would post),
 * and edits the settings; on a phone, in Chinese, the page fits.
 */
import assert from "node:assert/strict";
import {
  assertNoHorizontalOverflow,
  browserConfig,
  buildAssets,
  closeBrowser,
  person,
  PHONE,
  shot,
  test,
} from "./_browser.ts";
import { startServer } from "./_helpers.ts";

const assets = await buildAssets();
const config = { ...browserConfig, outboundAllow: ["127.0.0.0/8"] };

test("browser drop-in - PagerDuty key, basic-auth snippets, Grafana headers, Zabbix two-way", async () => {
  await using srv = await startServer({ config, assets });
  const admin = await person(srv, "Root", { admin: true });
  const lead = await person(srv, "Lead");
  const team = (await admin.api.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [lead.user.id],
    adminIds: [lead.user.id],
  })).json.team;
  const { page } = lead;
  const stored = async () =>
    (await lead.api.get(`/api/v1/integrations?teamId=${team.id}`)).json.items as {
      id: string;
      name: string;
      keyFormat: string;
      signatureHeader: string | null;
      timestampHeader: string | null;
      zabbix: { url: string } | null;
    }[];
  const byName = async (name: string) => (await stored()).find((i) => i.name === name)!;
  const create = async (type: string, name: string, fill: () => Promise<void> = async () => {}) => {
    await page.click(`label.int-type:has-text('${type}')`);
    await page.fill("form.int-create input[name=name]", name);
    await fill();
    await page.click("form.int-create button[type=submit]");
    await page.waitForSelector(`.int-card[aria-label='${name}'] .int-token`);
    return (await page.textContent(`.int-card[aria-label='${name}'] .int-token`))!.trim();
  };

  await page.goto(srv.url + "/integrations");
  await page.waitForSelector("form.int-create");

  // PagerDuty: a 32-character routing key and Tocsin's /v2/enqueue, in the card and snippets.
  const key = await create("PagerDuty", "pd", () => page.check("input[name=keyFormat]"));
  assert.match(key, /^[0-9a-f]{32}$/);
  assert.equal((await byName("pd")).keyFormat, "pagerduty");
  const pdCard = ".int-card[aria-label=pd]";
  assert.equal((await page.textContent(`${pdCard} .int-enqueue`))!.trim(), `${srv.url}/v2/enqueue`);
  const amPd = (await page.textContent(`${pdCard} [data-snippet=alertmanager-pagerduty] pre`))!;
  assert.ok(amPd.includes(`routing_key: ${key}`) && amPd.includes(`url: ${srv.url}/v2/enqueue`));
  const sent = await fetch(`${srv.url}/v2/enqueue`, {
    method: "POST",
    body: JSON.stringify({
      routing_key: key,
      event_action: "trigger",
      payload: { summary: "from the page's key", source: "test", severity: "error" },
    }),
  });
  assert.equal(sent.status, 202);
  assert.equal((await sent.json()).status, "success");

  // Alertmanager: the basic_auth snippet carries the token as the password, and it works.
  const amToken = await create("Alertmanager", "am");
  const amCard = ".int-card[aria-label=am]";
  const basic = (await page.textContent(`${amCard} [data-snippet=alertmanager-basic] pre`))!;
  assert.ok(basic.includes("basic_auth:") && basic.includes(`password: ${amToken}`));
  const amUrl = (await page.textContent(`${amCard} .int-url`))!.trim();
  const viaBasic = await fetch(amUrl, {
    method: "POST",
    headers: { authorization: "Basic " + btoa(`alertmanager:${amToken}`) },
    body: JSON.stringify({
      status: "firing",
      alerts: [{ labels: { alertname: "BasicAuthWorks" } }],
      groupLabels: { alertname: "BasicAuthWorks" },
    }),
  });
  assert.equal(viaBasic.status, 202, await viaBasic.text());

  // Grafana: signed, with header names of the user's choosing.
  const gToken = await create("Grafana", "graf", async () => {
    await page.fill("form.int-create input[name=signingSecret]", "a-very-long-signing-secret");
    await page.fill("form.int-create input[name=signatureHeader]", "X-Sig");
  });
  assert.equal((await byName("graf")).signatureHeader, "x-sig");
  const gCard = ".int-card[aria-label=graf]";
  await page.waitForSelector(`${gCard} .int-headers:has-text('x-sig')`);
  const gBasic = (await page.textContent(`${gCard} [data-snippet=grafana-basic] pre`))!;
  assert.ok(gBasic.includes(`Basic Authentication Password: ${gToken}`));
  assert.ok(gBasic.includes("HMAC Signature Header: x-sig"));
  // Edit: back to Grafana's default names, and a timestamp header.
  await page.click(`${gCard} .int-settings summary`);
  await page.fill(`${gCard} .int-settings input[name=signatureHeader]`, "");
  await page.fill(`${gCard} .int-settings input[name=timestampHeader]`, "X-Time");
  await page.click(`${gCard} .int-settings button[type=submit]`);
  await page.waitForSelector("[role=status]:has-text('Saved.')");
  const g = await byName("graf");
  assert.equal(g.signatureHeader, null);
  assert.equal(g.timestampHeader, "x-time");

  // Zabbix two-way: URL and API token, shown without the token; turned off again.
  await create("Zabbix", "zbx", async () => {
    await page.fill("form.int-create input[name=zabbixUrl]", "http://127.0.0.1:8080/zabbix");
    await page.fill("form.int-create input[name=zabbixApiToken]", "zabbix-api-token-1234");
  });
  assert.equal((await byName("zbx")).zabbix?.url, "http://127.0.0.1:8080/zabbix");
  const zCard = ".int-card[aria-label=zbx]";
  await page.waitForSelector(`${zCard} .int-twoway:has-text('127.0.0.1:8080')`);
  assert.equal(await page.locator("text=zabbix-api-token-1234").count(), 0);
  await shot(page, "integrations-dropin");
  await page.click(`${zCard} .int-settings summary`);
  await page.click(`${zCard} button:has-text('Turn off two-way')`);
  await page.waitForSelector(`${zCard} .int-twoway:has-text('off')`);
  assert.equal((await byName("zbx")).zabbix, null);
  // A refused setting shows the API's error, translated.
  await page.click(`${zCard} .int-settings summary`);
  await page.fill(`${zCard} .int-settings input[name=zabbixUrl]`, "http://10.9.8.7/zabbix");
  await page.fill(`${zCard} .int-settings input[name=zabbixApiToken]`, "zabbix-api-token-1234");
  await page.click(`${zCard} .int-settings button[type=submit]`);
  await page.waitForSelector("[role=alert]");
  assert.equal((await byName("zbx")).zabbix, null);
  await lead.ctx.close();
  await admin.ctx.close();
});

test("browser drop-in - on a phone in Chinese a team admin sets up PagerDuty and Zabbix two-way", async () => {
  await using srv = await startServer({ config, assets });
  const admin = await person(srv, "Root", { admin: true });
  const lead = await person(srv, "Lead", { viewport: PHONE, locale: "zh-CN" });
  const team = (await admin.api.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [lead.user.id],
    adminIds: [lead.user.id],
  })).json.team;
  const { page } = lead;
  await page.goto(srv.url + "/integrations");
  await page.waitForSelector("form.int-create");
  await page.click("label.int-type:has-text('PagerDuty')");
  await page.waitForSelector("text=PagerDuty 格式的路由密钥");
  await page.check("input[name=keyFormat]");
  await page.fill("form.int-create input[name=name]", "pd-phone");
  await page.click("form.int-create button[type=submit]");
  await page.waitForSelector(".int-card .int-enqueue");
  await page.waitForSelector("text=PagerDuty 地址");
  await page.click("label.int-type:has-text('Zabbix')");
  await page.fill("form.int-create input[name=name]", "zbx-phone");
  await page.fill("form.int-create input[name=zabbixUrl]", "http://127.0.0.1:8080/");
  await page.fill("form.int-create input[name=zabbixApiToken]", "zabbix-api-token-1234");
  await page.click("form.int-create button[type=submit]");
  await page.waitForSelector(
    ".int-card[aria-label=zbx-phone] .int-twoway:has-text('确认、解决和备注')",
  );
  const items = (await lead.api.get(`/api/v1/integrations?teamId=${team.id}`)).json.items;
  assert.deepEqual(items.map((i: { type: string }) => i.type).sort(), ["events", "zabbix"]);
  await page.click(".int-card[aria-label=zbx-phone] .int-settings summary");
  await assertNoHorizontalOverflow(page, "integrations drop-in (390 px, zh)");
  await shot(page, "integrations-dropin-phone-zh");
  await lead.ctx.close();
  await admin.ctx.close();
});

Deno.test({
  name: "browser drop-in - (teardown)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await closeBrowser();
  },
});
