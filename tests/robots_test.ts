/** Chat robots against local stand-ins that check DingTalk's and Feishu's documented signatures. */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { adminClient, startServer, type TestServer, userClient } from "./_helpers.ts";
import { queueTest } from "./_queues.ts";

const enc = new TextEncoder();
async function hmacB64(key: string, msg: string) {
  const k = await crypto.subtle.importKey(
    "raw",
    enc.encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return btoa(
    String.fromCharCode(...new Uint8Array(await crypto.subtle.sign("HMAC", k, enc.encode(msg)))),
  );
}

interface Got {
  robot: string;
  valid: boolean;
  text: string;
  at: number;
}

function standIns(clock: ManualClock) {
  const got: Got[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const body = JSON.parse(await req.text());
    if (url.pathname === "/dingtalk") {
      const ts = url.searchParams.get("timestamp") ?? "";
      const want = await hmacB64("SEC-ding", `${ts}\nSEC-ding`);
      got.push({
        robot: "dingtalk",
        valid: url.searchParams.get("sign") === want && body.msgtype === "markdown",
        text: body.markdown?.text ?? "",
        at: clock.now(),
      });
      return Response.json({ errcode: 0, errmsg: "ok" });
    }
    if (url.pathname === "/feishu") {
      const want = await hmacB64(`${body.timestamp}\nfeishu-secret`, "");
      got.push({
        robot: "feishu",
        valid: body.sign === want && body.msg_type === "text",
        text: body.content?.text ?? "",
        at: clock.now(),
      });
      return Response.json({ code: 0, msg: "success" });
    }
    if (url.pathname === "/wecom") {
      got.push({
        robot: "wecom",
        valid: url.searchParams.get("key") === "wk" && body.msgtype === "markdown",
        text: body.markdown?.content ?? "",
        at: clock.now(),
      });
      return Response.json({ errcode: 0, errmsg: "ok" });
    }
    if (url.pathname === "/slack") {
      got.push({
        robot: "slack",
        valid: typeof body.text === "string",
        text: body.text,
        at: clock.now(),
      });
      return new Response("ok");
    }
    return new Response("no", { status: 404 });
  });
  return { base: `http://127.0.0.1:${server.addr.port}`, got, close: () => server.shutdown() };
}

async function world() {
  const clock = new ManualClock(Date.now());
  const srv = await startServer({ clock, config: { timerSweepMs: 0, allowPrivateWebhooks: true } });
  const { client: admin, user } = await adminClient(srv);
  const team = (await admin.post("/api/v1/teams", { name: "SRE", adminIds: [user.id] })).json.team;
  const hook =
    (await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id })).json;
  const fire = async (title: string) => {
    const r = await fetch(`${srv.url}/hooks/${hook.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${hook.token}`, title, priority: "high" },
      body: title,
    });
    assert.equal(r.status, 202);
    return (await r.json()).alerts[0].alertId as string;
  };
  return { clock, srv, admin, team, fire };
}

async function drain(srv: TestServer) {
  for (let i = 0; i < 5; i++) await srv.core.timers.sweep();
}

queueTest(
  "robots - DingTalk, Feishu, WeCom and Slack get signed alert updates as they open and are acknowledged",
  async () => {
    const w = await world();
    await using _srv = w.srv;
    const rx = standIns(w.clock);
    try {
      for (
        const [kind, path, secret] of [
          ["dingtalk", "/dingtalk?access_token=t1", "SEC-ding"],
          ["feishu", "/feishu", "feishu-secret"],
          ["wecom", "/wecom?key=wk", undefined],
          ["slack", "/slack", undefined],
        ] as const
      ) {
        const r = await w.admin.post("/api/v1/robots", {
          name: kind,
          teamId: w.team.id,
          kind,
          url: rx.base + path,
          ...(secret ? { secret } : {}),
        });
        assert.equal(r.status, 201, JSON.stringify(r.json));
        if (secret) assert.equal(r.json.robot.secret, "********");
      }
      const unsigned = await w.admin.post("/api/v1/robots", {
        name: "x",
        teamId: w.team.id,
        kind: "dingtalk",
        url: rx.base + "/dingtalk",
      });
      assert.equal(unsigned.status, 400, "DingTalk robots need their signing secret");
      const id = await w.fire("Disk full on db-2");
      await drain(w.srv);
      assert.deepEqual(rx.got.map((g) => g.robot).sort(), ["dingtalk", "feishu", "slack", "wecom"]);
      for (const g of rx.got) {
        assert.equal(g.valid, true, `${g.robot}: signed and shaped as documented`);
        assert.match(g.text, /\[HIGH\] Disk full on db-2 — 🔴 opened/);
      }
      await w.admin.post(`/api/v1/alerts/${id}/ack`);
      await drain(w.srv);
      assert.equal(rx.got.filter((g) => /acknowledged/.test(g.text)).length, 4);
    } finally {
      await rx.close();
    }
  },
);

queueTest(
  "robots - DingTalk's 20 messages a minute: the rest waits and goes out batched",
  async () => {
    const w = await world();
    await using _srv = w.srv;
    const rx = standIns(w.clock);
    try {
      await w.admin.post("/api/v1/robots", {
        name: "ding",
        teamId: w.team.id,
        kind: "dingtalk",
        url: rx.base + "/dingtalk?access_token=t1",
        secret: "SEC-ding",
      });
      // 25 alerts, each flushed at once, all within one minute.
      for (let i = 0; i < 25; i++) {
        await w.fire(`alert number ${i}`);
        await drain(w.srv);
        w.clock.advance(1_000);
      }
      assert.equal(rx.got.length, 20, "20 messages in the first minute, no more");
      w.clock.advance(60_000);
      await drain(w.srv);
      assert.equal(rx.got.length, 21, "the rest in one message when the window allows");
      for (let i = 20; i < 25; i++) assert.match(rx.got[20].text, new RegExp(`alert number ${i} `));
      const text = rx.got.map((g) => g.text).join("\n");
      for (let i = 0; i < 25; i++) {
        assert.match(text, new RegExp(`alert number ${i} `), `alert ${i} was posted`);
      }
      assert.ok(rx.got.every((g) => g.valid));
    } finally {
      await rx.close();
    }
  },
);

Deno.test("robots - the URL is the credential: members and team admins read it masked, the secret never", async () => {
  const w = await world();
  await using _srv = w.srv;
  const tokens = {
    dingtalk: "/robot/send?access_token=dingtoken0123456789abcdef",
    wecom: "/cgi-bin/webhook/send?key=wecomkey-0123456789abcdef",
    slack: "/services/T0001/B0002/slacksecret0123456789",
    feishu: "/open-apis/bot/v2/hook/feishuhook-0123456789",
    webhook: "/hook?token=generictoken0123456789",
  } as const;
  const member = await userClient(w.srv, "Mia");
  const teamAdmin = await userClient(w.srv, "Tom");
  for (const [u, role] of [[member.user, "member"], [teamAdmin.user, "admin"]] as const) {
    const r = await w.admin.post(`/api/v1/teams/${w.team.id}/members`, { userIds: [u.id], role });
    assert.ok(r.status < 300, JSON.stringify(r.json));
  }
  for (const [kind, path] of Object.entries(tokens)) {
    const secret = kind === "dingtalk" || kind === "feishu" || kind === "webhook"
      ? "SIGN-SECRET-value"
      : undefined;
    const r = await teamAdmin.client.post("/api/v1/robots", {
      name: kind,
      teamId: w.team.id,
      kind,
      url: "http://127.0.0.1:9" + path,
      ...(secret ? { secret } : {}),
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    // The creator sees the full URL once, the secret never.
    assert.equal(r.json.robot.url, "http://127.0.0.1:9" + path);
    assert.ok(!JSON.stringify(r.json).includes("SIGN-SECRET"));
  }
  for (const c of [member.client, teamAdmin.client, w.admin]) {
    const list = await c.get(`/api/v1/robots?teamId=${w.team.id}`);
    assert.equal(list.status, 200, JSON.stringify(list.json));
    assert.equal(list.json.items.length, 5);
    const text = JSON.stringify(list.json);
    for (const path of Object.values(tokens)) {
      const secretPart = path.split(/[=/]/).at(-1)!;
      assert.ok(!text.includes(secretPart.slice(0, -4)), `no ${secretPart} in ${text}`);
    }
    assert.ok(!text.includes("SIGN-SECRET"));
    for (const item of list.json.items) {
      assert.match(item.url, /^http:\/\/127\.0\.0\.1:9\/….{4}$/);
    }
  }
});
