/**
 * E-mail notifications against a real SMTP server: Debian's python3-aiosmtpd,
 * started on loopback by the test, storing what it receives in a maildir.
 */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import {
  adminClient,
  Client,
  sleep,
  startServer,
  type TestServer,
  userClient,
} from "./_helpers.ts";
import { freePort } from "./_process.ts";
import { PYTHON, smtpServer } from "./_smtp.ts";

const MIN = 60_000;

async function until<T>(what: string, f: () => Promise<T | null>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await f();
    if (v !== null) return v;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function advance(srv: TestServer, clock: ManualClock, ms: number) {
  clock.advance(ms);
  await srv.core.timers.sweep();
}

/** Decodes a quoted-printable body well enough to find links in it. */
function qp(s: string): string {
  return s.replace(/=\r?\n/g, "").replace(
    /=([0-9A-F]{2})/g,
    (_, h) => String.fromCharCode(parseInt(h, 16)),
  );
}

Deno.test({
  name:
    "email - verified contact, urgent alert e-mailed after the rule's delay with failover, acknowledged once by its link",
  ignore: !Deno.env.get("CI") && !(await Deno.stat(PYTHON).then(() => true, () => false)),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const smtp = await smtpServer();
    const clock = new ManualClock(Date.now());
    try {
      await using srv = await startServer({
        clock,
        config: { timerSweepMs: 0 },
      });
      const { client: admin, user: adminUser } = await adminClient(srv);
      const ann = await userClient(srv, "Ann");
      // Two providers: the first is down (connection refused: transient), the second works.
      for (
        const [name, port, order] of [["dead relay", freePort(), 0], [
          "loopback relay",
          smtp.port,
          1,
        ]] as const
      ) {
        const r = await admin.post("/api/v1/providers", {
          name,
          kind: "smtp",
          order,
          config: {
            host: "127.0.0.1",
            port,
            security: "none",
            from: "Tocsin <tocsin@example.com>",
          },
        });
        assert.equal(r.status, 201, JSON.stringify(r.json));
      }
      assert.equal((await ann.client.get("/api/v1/providers")).status, 403);

      // Ann proves her address with the code that arrived there.
      const added = await ann.client.post("/api/v1/me/contacts", {
        kind: "email",
        address: "ann@example.com",
      });
      assert.equal(added.status, 201, JSON.stringify(added.json));
      assert.equal(added.json.contact.verified, false);
      assert.equal(added.json.contact.codeHash, undefined);
      const verifyMail = await until(
        "the verification e-mail",
        async () => (await smtp.messages())[0] ?? null,
      );
      const code = /verification code (\d{6})/.exec(verifyMail)![1];
      const cid = added.json.contact.id;
      assert.equal(
        (await ann.client.post(`/api/v1/me/contacts/${cid}/verify`, {
          code: "000000" === code ? "111111" : "000000",
        })).status,
        400,
      );
      const ok = await ann.client.post(`/api/v1/me/contacts/${cid}/verify`, { code });
      assert.equal(ok.json.contact.verified, true);
      const bad = await ann.client.post("/api/v1/me/contacts", {
        kind: "email",
        address: "not-an-address",
      });
      assert.equal(bad.status, 400);

      const team = (await admin.post("/api/v1/teams", {
        name: "SRE",
        memberIds: [ann.user.id],
        adminIds: [adminUser.id],
      }))
        .json.team;
      const hook =
        (await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id }))
          .json;
      const res = await fetch(`${srv.url}/hooks/${hook.integration.id}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${hook.token}`,
          priority: "urgent",
          title: "Payments down",
        },
        body: "5xx on /pay",
      });
      const alertId = (await res.json()).alerts[0].alertId;

      // Ann is not looking. After 1 minute (her default rule for urgent) the e-mail goes out.
      await advance(srv, clock, 30_000);
      assert.equal((await smtp.messages()).length, 1, "not before the rule's delay");
      await advance(srv, clock, 30_000);
      const mail = await until(
        "the alert e-mail",
        async () => (await smtp.messages()).find((m) => m.includes("Payments")) ?? null,
      );
      assert.match(mail, /^Subject: \[URGENT\] Payments down$/m);
      assert.match(mail, /^To: ann@example\.com$/m);
      assert.match(mail, /Content-Type: text\/html/);
      const path = /https?:\/\/[^/\s]+(\/ack\/[A-Za-z0-9_\-.]+)/.exec(qp(mail))![1];
      const timeline = (await admin.get(`/api/v1/alerts/${alertId}`)).json.timeline;
      type D = { kind: string; via: string; detail: { userId: string; reason?: string } };
      const annDelivery = (e: D, via: string) =>
        e.kind === "delivery" && e.via === via && e.detail.userId === ann.user.id;
      const email = timeline.find((e: D) => annDelivery(e, "email"));
      assert.equal(email.detail.status, "sent");
      assert.equal(email.detail.to, "an***@example.com");
      assert.match(email.detail.providers[0], /^dead relay:/, "the dead relay was tried first");
      assert.equal(email.detail.providers[1], "loopback relay:ok");
      const sms = timeline.find((e: D) => annDelivery(e, "sms"));
      // The admin is on the team too, with no verified contact at all: no timers, but the alert
      // says so (not silent).
      const notified = timeline.find((e: { kind: string }) => e.kind === "notified");
      assert.deepEqual(notified.detail.unreachable, [adminUser.id]);
      assert.equal(sms.detail.status, "skipped");
      assert.equal(sms.detail.reason, "no verified sms contact");
      const mine = (await ann.client.get("/api/v1/me/deliveries")).json.items;
      assert.ok(
        mine.some((d: { channel: string; status: string }) =>
          d.channel === "email" && d.status === "sent"
        ),
      );

      // The link acknowledges, once, without logging in; a GET alone does nothing.
      const view = await fetch(srv.url + path);
      assert.equal(view.status, 200);
      assert.match(await view.text(), /<form method="post"/);
      assert.equal((await admin.get(`/api/v1/alerts/${alertId}`)).json.alert.status, "triggered");
      const anon = new Client(srv.url, undefined, null);
      const used = await anon.request("POST", path);
      assert.equal(used.status, 200);
      const after = (await admin.get(`/api/v1/alerts/${alertId}`)).json;
      assert.equal(after.alert.status, "acknowledged");
      assert.equal(after.alert.acknowledgedBy, ann.user.id);
      assert.ok(
        after.timeline.some((e: { kind: string; via: string }) =>
          e.kind === "acknowledged" && e.via === "email-link"
        ),
      );
      assert.equal((await anon.request("POST", path)).status, 409, "single use");
      assert.equal((await fetch(srv.url + "/ack/forged.token", { method: "POST" })).status, 404);
      // Everything stops: the 3-minute voice step and the reminders never come.
      const count = (await smtp.messages()).length;
      for (let i = 0; i < 5; i++) await advance(srv, clock, 2 * MIN);
      const later = (await admin.get(`/api/v1/alerts/${alertId}`)).json.timeline;
      assert.equal(
        later.filter((e: { kind: string }) => e.kind === "delivery").length,
        2,
        "Ann x (e-mail, SMS), nothing after the ack",
      );
      assert.equal((await smtp.messages()).length, count);

      // Header injection from alert text goes nowhere; a medium alert Ann has seen is not e-mailed.
      const title = encodeURIComponent("disk\r\nBcc: victim@example.com");
      const evil = await fetch(`${srv.url}/hooks/${hook.integration.id}?title=${title}`, {
        method: "POST",
        headers: { authorization: `Bearer ${hook.token}`, priority: "urgent" },
        body: "db-2 is full",
      });
      assert.equal(evil.status, 202);
      await advance(srv, clock, 1 * MIN);
      const evilMail = await until(
        "the second alert e-mail",
        async () => (await smtp.messages()).find((m) => m.includes("db-2 is full")) ?? null,
      );
      const headers = evilMail.split(/\r?\n\r?\n/)[0];
      assert.match(
        headers,
        /^Subject: \[URGENT\] disk Bcc: victim@example\.com$/m,
        "folded into the subject",
      );
      assert.doesNotMatch(headers, /^Bcc:/m);
      assert.match(headers, /^X-RcptTo: ann@example\.com$/m, "delivered to Ann only");
    } finally {
      await smtp.close();
    }
  },
});
