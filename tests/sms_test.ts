/**
 * SMS and voice against local stand-ins for the providers (the real ones are out of reach):
 * each speaks the provider's documented request format and checks its signature with its own
 * implementation of the documented algorithm.
 */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { adminClient, Client, startServer, type TestServer, userClient } from "./_helpers.ts";

const MIN = 60_000;
const enc = new TextEncoder();

async function hmac(alg: string, key: Uint8Array<ArrayBuffer> | string, data: string) {
  const k = await crypto.subtle.importKey(
    "raw",
    typeof key === "string" ? enc.encode(key) : key,
    { name: "HMAC", hash: alg },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, enc.encode(data)));
}
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const sha256 = async (s: string) =>
  hex(new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(s))));

interface Received {
  provider: string;
  valid: boolean;
  to: string;
  text: string;
  kind: "sms" | "voice";
}

/** One loopback server standing in for Twilio, Aliyun, Tencent and a generic gateway. */
function standIns(script: Record<string, number[]>) {
  const got: Received[] = [];
  const next = (p: string) => script[p]?.shift() ?? 200;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const body = await req.text();
    if (url.pathname.startsWith("/twilio/2010-04-01/Accounts/AC123/")) {
      // Twilio: HTTP Basic with AccountSid:AuthToken, form-encoded fields.
      const f = new URLSearchParams(body);
      const voice = url.pathname.endsWith("/Calls.json");
      got.push({
        provider: "twilio",
        valid: req.headers.get("authorization") === "Basic " + btoa("AC123:twilio-token") &&
          f.get("From") === "+15550001111",
        to: f.get("To") ?? "",
        text: voice ? f.get("Twiml") ?? "" : f.get("Body") ?? "",
        kind: voice ? "voice" : "sms",
      });
      const status = next("twilio");
      return Response.json({ sid: "SM1", status: "queued" }, {
        status: status === 200 ? 201 : status,
      });
    }
    if (url.pathname === "/aliyun/") {
      // Aliyun RPC: sorted, RFC 3986-encoded parameters; HMAC-SHA1 with "secret&" over "POST&%2F&<encoded>".
      const f = new URLSearchParams(body);
      const sig = f.get("Signature") ?? "";
      const pe = (s: string) =>
        encodeURIComponent(s).replace(
          /[!'()*]/g,
          (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase(),
        );
      const params = [...f.entries()].filter(([k]) => k !== "Signature").sort(([a], [b]) =>
        a < b ? -1 : 1
      );
      const canonical = params.map(([k, v]) => `${pe(k)}=${pe(v)}`).join("&");
      const want = btoa(
        String.fromCharCode(
          ...await hmac("SHA-1", "aliyun-secret&", `POST&${pe("/")}&${pe(canonical)}`),
        ),
      );
      got.push({
        provider: "aliyun",
        valid: sig === want && f.get("AccessKeyId") === "LTAI1" && f.get("Action") === "SendSms" &&
          f.get("SignatureMethod") === "HMAC-SHA1" && f.get("Version") === "2017-05-25",
        to: f.get("PhoneNumbers") ?? "",
        text: JSON.parse(f.get("TemplateParam") ?? "{}").content ?? "",
        kind: "sms",
      });
      const status = next("aliyun");
      return Response.json(
        status === 200 ? { Code: "OK", BizId: "1" } : { Code: "isv.MOBILE_NUMBER_ILLEGAL" },
      );
    }
    if (url.pathname === "/tencent/") {
      // Tencent Cloud API 3.0: TC3-HMAC-SHA256 over the canonical request.
      const auth = req.headers.get("authorization") ?? "";
      const ts = req.headers.get("x-tc-timestamp") ?? "";
      const date = new Date(Number(ts) * 1000).toISOString().slice(0, 10);
      const canonical = `POST\n/\n\ncontent-type:${
        req.headers.get("content-type")
      }\nhost:${url.host}\n\ncontent-type;host\n${await sha256(body)}`;
      const toSign = `TC3-HMAC-SHA256\n${ts}\n${date}/sms/tc3_request\n${await sha256(canonical)}`;
      const kSigning = await hmac(
        "SHA-256",
        await hmac("SHA-256", await hmac("SHA-256", "TC3tencent-key", date), "sms"),
        "tc3_request",
      );
      const want =
        `TC3-HMAC-SHA256 Credential=AKID1/${date}/sms/tc3_request, SignedHeaders=content-type;host, Signature=${
          hex(await hmac("SHA-256", kSigning, toSign))
        }`;
      const j = JSON.parse(body);
      got.push({
        provider: "tencent",
        valid: auth === want && req.headers.get("x-tc-action") === "SendSms" &&
          j.SmsSdkAppId === "1400000000",
        to: j.PhoneNumberSet?.[0] ?? "",
        text: j.TemplateParamSet?.[0] ?? "",
        kind: "sms",
      });
      return Response.json({ Response: { SendStatusSet: [{ Code: "Ok" }], RequestId: "r1" } });
    }
    if (url.pathname === "/gateway") {
      const j = JSON.parse(body);
      got.push({
        provider: "http",
        valid: req.headers.get("x-api-key") === "gw-key",
        to: j.to,
        text: j.text,
        kind: "sms",
      });
      return new Response("ok", { status: next("http") });
    }
    return new Response("no", { status: 404 });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  return { base, got, close: () => server.shutdown() };
}

function providers(base: string) {
  return {
    twilio: {
      name: "twilio",
      kind: "twilio",
      config: {
        baseUrl: `${base}/twilio`,
        accountSid: "AC123",
        authToken: "twilio-token",
        from: "+15550001111",
      },
    },
    aliyun: {
      name: "aliyun",
      kind: "aliyun-sms",
      config: {
        endpoint: `${base}/aliyun`,
        accessKeyId: "LTAI1",
        accessKeySecret: "aliyun-secret",
        signName: "Tocsin",
        templateCode: "SMS_1",
      },
    },
    tencent: {
      name: "tencent",
      kind: "tencent-sms",
      config: {
        endpoint: `${base}/tencent/`,
        secretId: "AKID1",
        secretKey: "tencent-key",
        sdkAppId: "1400000000",
        signName: "Tocsin",
        templateId: "1",
      },
    },
    http: {
      name: "gateway",
      kind: "http",
      config: { url: `${base}/gateway`, headers: { "x-api-key": "gw-key" } },
    },
  };
}

async function world(clock: ManualClock) {
  const srv = await startServer({ clock, config: { timerSweepMs: 0, allowPrivateWebhooks: true } });
  const { client: admin, user: adminUser } = await adminClient(srv);
  const ann = await userClient(srv, "Ann");
  return { srv, admin, adminUser, ann };
}

async function advance(srv: TestServer, clock: ManualClock, ms: number) {
  clock.advance(ms);
  await srv.core.timers.sweep();
}

Deno.test("sms - each provider request format and signature is accepted by a stand-in that checks it", async () => {
  const clock = new ManualClock(Date.now());
  const w = await world(clock);
  await using _srv = w.srv;
  const rx = standIns({});
  try {
    const all = providers(rx.base);
    // One provider at a time: the verification code goes through it and is checked by its stand-in.
    for (const p of [all.twilio, all.aliyun, all.tencent, all.http]) {
      const created = await w.admin.post("/api/v1/providers", { ...p, order: 0 });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      assert.equal(
        JSON.stringify(created.json).includes("secret") &&
          JSON.stringify(created.json).includes("aliyun-secret"),
        false,
      );
      const r = await w.ann.client.post("/api/v1/me/contacts", {
        kind: "sms",
        address: "+8613800000001",
      });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      const last = rx.got.at(-1)!;
      assert.equal(last.provider, p.name === "gateway" ? "http" : p.name);
      assert.equal(last.valid, true, `${p.name}: signature and fields as documented`);
      assert.match(last.text, /Tocsin verification code: \d{6}/);
      await w.admin.delete(`/api/v1/providers/${created.json.provider.id}`);
    }
    assert.equal(
      rx.got.find((g) => g.provider === "aliyun")!.to,
      "8613800000001",
      "Aliyun takes numbers without +",
    );
  } finally {
    await rx.close();
  }
});

Deno.test("sms - failover on 500, the SMS link acknowledges, the voice call never comes; no retry storm on 400", async () => {
  const clock = new ManualClock(Date.now());
  const w = await world(clock);
  await using _srv = w.srv;
  const rx = standIns({ twilio: [500, 500] }); // down for the first two requests, then up
  try {
    const all = providers(rx.base);
    await w.admin.post("/api/v1/providers", { ...all.twilio, order: 0 });
    await w.admin.post("/api/v1/providers", { ...all.aliyun, order: 1 });
    // Ann verifies her phone (the code arrives at the second provider: the first answered 500).
    const added = await w.ann.client.post("/api/v1/me/contacts", {
      kind: "sms",
      address: "+8613800000002",
    });
    const code = /(\d{6})/.exec(rx.got.at(-1)!.text)![1];
    assert.equal(rx.got.at(-1)!.provider, "aliyun");
    assert.equal(
      (await w.ann.client.post(`/api/v1/me/contacts/${added.json.contact.id}/verify`, { code }))
        .json.contact.verified,
      true,
    );
    await w.ann.client.request("PUT", "/api/v1/me/notification-rules", {
      urgent: [{ channel: "sms", afterMinutes: 1 }, { channel: "voice", afterMinutes: 3 }],
      high: [],
      medium: [],
      low: [],
    });
    const team = (await w.admin.post("/api/v1/teams", {
      name: "SRE",
      memberIds: [w.ann.user.id],
      adminIds: [w.adminUser.id],
    }))
      .json.team;
    const hook =
      (await w.admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id }))
        .json;
    const fire = async (title: string) => {
      const r = await fetch(`${w.srv.url}/hooks/${hook.integration.id}`, {
        method: "POST",
        headers: { authorization: `Bearer ${hook.token}`, priority: "urgent", title },
        body: title,
      });
      return (await r.json()).alerts[0].alertId as string;
    };
    const id = await fire("Payments down");
    const before = rx.got.length;
    await advance(w.srv, clock, 1 * MIN);
    const sms = rx.got.slice(before).filter((g) =>
      g.to === "8613800000002" || g.to === "+8613800000002"
    );
    assert.equal(
      sms.at(-1)!.provider,
      "aliyun",
      "Twilio answered 500 again: failed over to Aliyun",
    );
    assert.match(sms.at(-1)!.text, /^\[URGENT\] Payments down - ack: /);
    const path = /(\/ack\/[A-Za-z0-9_\-.]+)/.exec(sms.at(-1)!.text)![1];
    // Acknowledge from the SMS link (no login): the voice step at 3 minutes never calls.
    assert.equal((await new Client(w.srv.url, undefined, null).request("POST", path)).status, 200);
    const calls = rx.got.length;
    await advance(w.srv, clock, 5 * MIN);
    assert.equal(rx.got.length, calls, "no call after the acknowledgement");
    assert.equal((await w.admin.get(`/api/v1/alerts/${id}`)).json.alert.status, "acknowledged");

    // Voice when nobody acknowledges: Twilio places the call with the text in TwiML <Say>.
    const id2 = await fire("Search <down> & out");
    await advance(w.srv, clock, 1 * MIN);
    await advance(w.srv, clock, 2 * MIN);
    const call = rx.got.find((g) => g.kind === "voice");
    assert.ok(call, "a call was placed");
    assert.equal(call.valid, true);
    assert.match(
      call.text,
      /^<Response><Say>Tocsin alert, priority urgent: Search &#60;down&#62; &#38; out\./,
    );
    const deliveries = (await w.admin.get(`/api/v1/alerts/${id2}/deliveries`)).json.items
      .filter((d: { userId: string }) => d.userId === w.ann.user.id);
    assert.deepEqual(
      deliveries.map((d: { channel: string; status: string }) => `${d.channel}:${d.status}`).sort(),
      [
        "sms:sent",
        "voice:sent",
      ],
    );

    // A 400 is final: one request, no retries, recorded as failed.
    for (const p of (await w.admin.get("/api/v1/providers")).json.items) {
      await w.admin.delete(`/api/v1/providers/${p.id}`);
    }
    const gw = standIns({ http: [400, 400, 400, 400] });
    try {
      await w.admin.post("/api/v1/providers", { ...providers(gw.base).http, order: 0 });
      const id3 = await fire("Queue stuck");
      await advance(w.srv, clock, 1 * MIN);
      for (let i = 0; i < 5; i++) await advance(w.srv, clock, 10 * MIN);
      assert.equal(gw.got.length, 1, "one attempt only");
      const d = (await w.admin.get(`/api/v1/alerts/${id3}/deliveries`)).json.items
        .find((x: { channel: string; userId: string }) =>
          x.channel === "sms" && x.userId === w.ann.user.id
        );
      assert.equal(d.status, "failed");
    } finally {
      await gw.close();
    }
  } finally {
    await rx.close();
  }
});
