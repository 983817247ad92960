/**
 * Verification pumping: adding and deleting contacts in a loop must not make Tocsin text or mail
 * anyone without limit. The stand-in SMS gateway and a real SMTP server count what arrived.
 */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import type { Config } from "../lib/core/config.ts";
import { adminClient, type Client, startServer, userClient } from "./_helpers.ts";
import { PYTHON, smtpServer } from "./_smtp.ts";

/** A generic HTTP SMS gateway stand-in per path: what each received. */
function gateway() {
  const got: { path: string; to: string }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const j = JSON.parse(await req.text());
    got.push({ path: new URL(req.url).pathname, to: j.to });
    return new Response("ok");
  });
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    got,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

async function world(config: Partial<Config> = {}) {
  const clock = new ManualClock(Date.now());
  const srv = await startServer({
    clock,
    config: { timerSweepMs: 0, allowPrivateWebhooks: true, ...config },
  });
  const { client: admin } = await adminClient(srv);
  return { clock, srv, admin };
}

async function addSmsGateway(admin: Client, base: string, path: string, order = 0) {
  const r = await admin.post("/api/v1/providers", {
    name: path,
    kind: "http",
    order,
    config: { url: base + path },
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
}

/** Adds a contact and deletes it at once; the add's answer. */
async function addAndDelete(c: Client, kind: string, address: string) {
  const r = await c.post("/api/v1/me/contacts", { kind, address });
  if (r.status === 201) {
    assert.equal((await c.delete(`/api/v1/me/contacts/${r.json.contact.id}`)).status, 200);
  }
  return r;
}

Deno.test("verify limits - add/delete of one number stops at the per-address limit, for every user", async () => {
  await using rx = gateway();
  const w = await world();
  await using _srv = w.srv;
  await addSmsGateway(w.admin, rx.base, "/gw");
  const ann = await userClient(w.srv, "Ann");
  const statuses: number[] = [];
  let refused = null;
  for (let i = 0; i < 12; i++) {
    const r = await addAndDelete(ann.client, "sms", "+8613800000009");
    statuses.push(r.status);
    if (r.status === 429) refused = r;
  }
  assert.deepEqual(statuses, [...Array(5).fill(201), ...Array(7).fill(429)]);
  assert.equal(rx.got.length, 5, "the number got 5 codes, not 12");
  assert.equal(refused!.json.error.code, "rate_limited");
  assert.match(refused!.json.error.message, /to this address are limited to 5 per 60 minutes/);
  const retry = Number(refused!.headers.get("retry-after"));
  assert.ok(retry >= 1 && retry <= 3600, `Retry-After ${retry}`);
  // Another user cannot pump the same number either: the count is the address's.
  const bob = await userClient(w.srv, "Bob");
  assert.equal((await addAndDelete(bob.client, "sms", "+8613800000009")).status, 429);
  assert.equal(rx.got.length, 5);
  // Past the window the number may be verified again.
  w.clock.advance(2 * 3600_000);
  assert.equal((await addAndDelete(bob.client, "sms", "+8613800000009")).status, 201);
  assert.equal(rx.got.length, 6);
});

Deno.test("verify limits - different numbers stop at the per-user limit; the answer names it", async () => {
  await using rx = gateway();
  const w = await world();
  await using _srv = w.srv;
  await addSmsGateway(w.admin, rx.base, "/gw");
  const ann = await userClient(w.srv, "Ann");
  const statuses: number[] = [];
  let refused = null;
  for (let i = 0; i < 15; i++) {
    const r = await addAndDelete(ann.client, "sms", `+86138000010${String(i).padStart(2, "0")}`);
    statuses.push(r.status);
    if (r.status === 429) refused = r;
  }
  assert.deepEqual(statuses, [...Array(10).fill(201), ...Array(5).fill(429)]);
  assert.equal(rx.got.length, 10);
  assert.equal(new Set(rx.got.map((g) => g.to)).size, 10);
  assert.match(refused!.json.error.message, /limited to 10 per user per 60 minutes/);
  assert.ok(Number(refused!.headers.get("retry-after")) >= 1);
  // Ann's limit is hers: Bob still verifies his number.
  const bob = await userClient(w.srv, "Bob");
  assert.equal((await addAndDelete(bob.client, "sms", "+8613800002000")).status, 201);
  assert.equal(rx.got.length, 11);
});

Deno.test("verify limits - a provider past its verification budget is skipped, then 429 names the budget", async () => {
  await using rx = gateway();
  const w = await world({ verifyMaxPerProvider: 3 });
  await using _srv = w.srv;
  await addSmsGateway(w.admin, rx.base, "/first", 0);
  await addSmsGateway(w.admin, rx.base, "/second", 1);
  const people = await Promise.all([1, 2, 3, 4].map((i) => userClient(w.srv, `P${i}`)));
  const statuses: number[] = [];
  let refused = null;
  for (let i = 0; i < 8; i++) {
    const who = people[i % people.length].client;
    const r = await addAndDelete(who, "sms", `+86138000030${String(i).padStart(2, "0")}`);
    statuses.push(r.status);
    if (r.status === 429) refused = r;
  }
  assert.deepEqual(statuses, [201, 201, 201, 201, 201, 201, 429, 429]);
  assert.deepEqual(rx.got.map((g) => g.path), [
    "/first",
    "/first",
    "/first",
    "/second",
    "/second",
    "/second",
  ]);
  assert.equal(refused!.json.error.code, "rate_limited");
  assert.match(refused!.json.error.message, /SMS providers' budget for verification messages/);
  assert.ok(Number(refused!.headers.get("retry-after")) >= 1);
});

Deno.test({
  name: "verify limits - add/delete of one e-mail address: the SMTP server gets 5 codes, not 12",
  ignore: !(await Deno.stat(PYTHON).then(() => true, () => false)),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const smtp = await smtpServer();
    try {
      const w = await world();
      await using _srv = w.srv;
      const r = await w.admin.post("/api/v1/providers", {
        name: "relay",
        kind: "smtp",
        config: { host: "127.0.0.1", port: smtp.port, security: "none", from: "t@example.com" },
      });
      assert.equal(r.status, 201);
      const ann = await userClient(w.srv, "Ann");
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        // Case variants are the same mailbox.
        const address = i % 2 ? "Victim@Example.com" : "victim@example.com";
        statuses.push((await addAndDelete(ann.client, "email", address)).status);
      }
      assert.deepEqual(statuses, [...Array(5).fill(201), ...Array(7).fill(429)]);
      assert.equal((await smtp.messages()).length, 5);
    } finally {
      await smtp.close();
    }
  },
});
