/**
 * End to end: an urgent alert for someone who is not looking reaches them by e-mail after
 * their rule's delay, then by SMS and their own webhook, and stops when they acknowledge from
 * the e-mail's link. Real SMTP (aiosmtpd); a stand-in HTTP SMS gateway and webhook receiver.
 */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { hmacSha256Hex } from "../lib/core/crypto.ts";
import { adminClient, Client, startServer, type TestServer, userClient } from "./_helpers.ts";
import { PYTHON, smtpServer } from "./_smtp.ts";
import { queueTest } from "./_queues.ts";

const MIN = 60_000;

function receivers() {
  const sms: { to: string; text: string }[] = [];
  const hooks: {
    valid: boolean;
    body: { event: string; code?: string; alert?: { title: string }; ackUrl?: string };
  }[] = [];
  let secret = "";
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const text = await req.text();
    if (url.pathname === "/sms") {
      sms.push(JSON.parse(text));
      return new Response("ok");
    }
    const ts = req.headers.get("x-tocsin-timestamp") ?? "";
    // The verification request comes before the user has the secret (it is in the creation answer).
    const valid = secret !== "" &&
      req.headers.get("x-tocsin-signature") ===
        "sha256=" + await hmacSha256Hex(secret, `${ts}.${text}`);
    hooks.push({ valid, body: JSON.parse(text) });
    return new Response("ok");
  });
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    sms,
    hooks,
    setSecret: (s: string) => secret = s,
    close: () => server.shutdown(),
  };
}

async function advance(srv: TestServer, clock: ManualClock, ms: number) {
  clock.advance(ms);
  await srv.core.timers.sweep();
}

queueTest({
  name:
    "notify - e-mail after the delay, then SMS and webhook; the e-mail link stops everything; provider rate limits",
  ignore: !Deno.env.get("CI") && !(await Deno.stat(PYTHON).then(() => true, () => false)),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const smtp = await smtpServer();
    const rx = receivers();
    const clock = new ManualClock(Date.now());
    try {
      await using srv = await startServer({
        clock,
        config: { timerSweepMs: 0, allowPrivateWebhooks: true },
      });
      const { client: admin, user: adminUser } = await adminClient(srv);
      const ann = await userClient(srv, "Ann");
      await admin.post("/api/v1/providers", {
        name: "mail",
        kind: "smtp",
        config: {
          host: "127.0.0.1",
          port: smtp.port,
          security: "none",
          from: "tocsin@example.com",
        },
      });
      const gw = await admin.post("/api/v1/providers", {
        name: "gateway",
        kind: "http",
        perMinute: 1,
        config: { url: `${rx.base}/sms`, headers: {} },
      });
      assert.equal(gw.status, 201, JSON.stringify(gw.json));

      // Ann's three contacts, each verified with the code it received.
      const email = (await ann.client.post("/api/v1/me/contacts", {
        kind: "email",
        address: "ann@example.com",
      })).json;
      const emailCode = /code (\d{6})/.exec((await smtp.messages())[0])![1];
      await ann.client.post(`/api/v1/me/contacts/${email.contact.id}/verify`, { code: emailCode });
      const phone =
        (await ann.client.post("/api/v1/me/contacts", { kind: "sms", address: "+8613800000003" }))
          .json;
      await ann.client.post(`/api/v1/me/contacts/${phone.contact.id}/verify`, {
        code: /(\d{6})/.exec(rx.sms[0].text)![1],
      });
      // The webhook's secret is shown once; the code arrives signed with it.
      const hook = await ann.client.post("/api/v1/me/contacts", {
        kind: "webhook",
        address: `${rx.base}/ann`,
      });
      assert.equal(hook.status, 201, JSON.stringify(hook.json));
      rx.setSecret(hook.json.secret);
      assert.equal(rx.hooks[0].body.event, "verification");
      await ann.client.post(`/api/v1/me/contacts/${hook.json.contact.id}/verify`, {
        code: rx.hooks[0].body.code,
      });
      const contacts = (await ann.client.get("/api/v1/me/contacts")).json.items;
      assert.deepEqual(contacts.map((c: { verified: boolean }) => c.verified), [true, true, true]);
      assert.equal(
        JSON.stringify(contacts).includes(hook.json.secret),
        false,
        "the secret is not read back",
      );
      await ann.client.request("PUT", "/api/v1/me/notification-rules", {
        urgent: [{ channel: "email", afterMinutes: 1 }, { channel: "sms", afterMinutes: 2 }, {
          channel: "webhook",
          afterMinutes: 2,
        }],
        high: [],
        medium: [],
        low: [],
      });

      const team = (await admin.post("/api/v1/teams", {
        name: "SRE",
        memberIds: [ann.user.id],
        adminIds: [adminUser.id],
      }))
        .json.team;
      const integration =
        (await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id }))
          .json;
      const fire = async (title: string) => {
        const r = await fetch(`${srv.url}/hooks/${integration.integration.id}`, {
          method: "POST",
          headers: { authorization: `Bearer ${integration.token}`, priority: "urgent", title },
          body: title,
        });
        return (await r.json()).alerts[0].alertId as string;
      };
      const id = await fire("Payments down");
      const mailsBefore = (await smtp.messages()).length;
      // Minute 1: e-mail only.
      await advance(srv, clock, MIN);
      assert.equal((await smtp.messages()).length, mailsBefore + 1, "e-mail after 1 minute");
      assert.equal(rx.sms.length, 1, "no SMS yet (only the verification)");
      // Minute 2: SMS and the signed webhook.
      await advance(srv, clock, MIN);
      assert.equal(rx.sms.length, 2);
      assert.match(rx.sms[1].text, /^\[URGENT\] Payments down - ack: /);
      const alertHook = rx.hooks.find((h) => h.body.event === "alert")!;
      assert.equal(alertHook.valid, true, "signed with the contact's secret");
      assert.equal(alertHook.body.alert!.title, "Payments down");
      assert.match(alertHook.body.ackUrl!, /\/ack\//);
      // Ann acknowledges from the e-mail link: nothing more.
      const mail = (await smtp.messages()).find((m) => m.includes("Payments"))!;
      const path =
        /(\/ack\/[A-Za-z0-9_\-.]+)/.exec(mail.replace(/=\r?\n/g, "").replace(/=3D/g, "="))![1];
      assert.equal((await new Client(srv.url, undefined, null).request("POST", path)).status, 200);
      const counts = [(await smtp.messages()).length, rx.sms.length, rx.hooks.length];
      for (let i = 0; i < 5; i++) await advance(srv, clock, 2 * MIN);
      assert.deepEqual([(await smtp.messages()).length, rx.sms.length, rx.hooks.length], counts);
      assert.equal((await admin.get(`/api/v1/alerts/${id}`)).json.alert.status, "acknowledged");

      // The gateway takes 1 SMS a minute: of two alerts at once, the second SMS waits.
      await ann.client.request("PUT", "/api/v1/me/notification-rules", {
        urgent: [{ channel: "sms", afterMinutes: 1 }],
        high: [],
        medium: [],
        low: [],
      });
      const a1 = await fire("first");
      const a2 = await fire("second");
      await advance(srv, clock, MIN);
      assert.equal(rx.sms.length, counts[1] + 1, "one SMS in this minute");
      for (let i = 0; i < 4; i++) await advance(srv, clock, MIN);
      assert.equal(rx.sms.length, counts[1] + 2, "the other one later");
      const waits = await Promise.all(
        [a1, a2].map(async (a) =>
          (await admin.get(`/api/v1/alerts/${a}/deliveries`)).json.items
            .filter((d: { userId: string }) => d.userId === ann.user.id)
        ),
      );
      const limited = waits.flat().find((d: { attempts: { detail: string }[] }) =>
        d.attempts.some((x) => x.detail === "rate limited")
      );
      assert.ok(limited, "one delivery records the rate limit");
      assert.equal(limited.status, "sent");
    } finally {
      await rx.close();
      await smtp.close();
    }
  },
});
