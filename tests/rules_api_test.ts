/**
 * The editing routes behind the rules page and the providers admin:
 * automation rules (edit, enable, delete, last firing), providers (edit with
 * write-only secrets, failover order, test send), robots (edit keeping the
 * URL, test), and the dry run of a stored alert.
 */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { adminClient, startServer, userClient } from "./_helpers.ts";

async function world(clock = new ManualClock()) {
  const srv = await startServer({ clock, config: { timerSweepMs: 0, allowPrivateWebhooks: true } });
  const { client: admin, user: adminUser } = await adminClient(srv);
  const lead = await userClient(srv, "Lead");
  const member = await userClient(srv, "Member");
  const team = (await admin.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [member.user.id, lead.user.id],
    adminIds: [adminUser.id, lead.user.id],
  })).json.team;
  const hook =
    (await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id })).json;
  const fire = async (text: string) => {
    const r = await fetch(`${srv.url}/hooks/${hook.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${hook.token}` },
      body: text,
    });
    assert.equal(r.status, 202);
    return (await r.json()).alerts[0].alertId as string;
  };
  return { srv, clock, admin, lead, member, team, hook, fire };
}

const WEBHOOK_SECRET = "webhook-secret-0123456789";

Deno.test("rules api - automation: edit keeps the webhook secret, team stays, disable, last firing, delete", async () => {
  const w = await world();
  await using _srv = w.srv;
  const created = await w.lead.client.post("/api/v1/automation-rules", {
    name: "flapping",
    teamId: w.team.id,
    when: { firedAtLeast: { count: 2, withinMinutes: 10 } },
    actions: [{ type: "webhook", url: "http://127.0.0.1:9/x", secret: WEBHOOK_SECRET }],
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const id = created.json.rule.id;
  const path = `/api/v1/automation-rules/${id}`;
  const body = {
    name: "flapping twice",
    teamId: w.team.id,
    when: { firedAtLeast: { count: 2, withinMinutes: 10 } },
    actions: [{ type: "webhook", url: "http://127.0.0.1:9/x" }, {
      type: "priority",
      priority: "urgent",
    }],
  };
  // A member of the team may read but not change.
  assert.equal((await w.member.client.request("PUT", path, body)).status, 403);
  const edited = await w.lead.client.request("PUT", path, body);
  assert.equal(edited.status, 200, JSON.stringify(edited.json));
  assert.equal(edited.json.rule.actions[0].secret, "********");
  const stored = (await w.srv.kv.get<{ actions: { secret?: string }[] }>([
    "automation_rules",
    id,
  ])).value!;
  assert.equal(stored.actions[0].secret, WEBHOOK_SECRET, "the secret was kept");
  // A new URL without a secret is refused; so is moving the rule to another team.
  const other = await w.lead.client.request("PUT", path, {
    ...body,
    actions: [{ type: "webhook", url: "http://127.0.0.1:9/other" }],
  });
  assert.equal(other.status, 400);
  const elsewhere = (await w.admin.post("/api/v1/teams", { name: "Other" })).json.team;
  assert.equal(
    (await w.admin.request("PUT", path, { ...body, teamId: elsewhere.id })).status,
    400,
  );

  // Fired twice: the rule fires, and the list says when.
  await w.fire("disk full");
  w.clock.advance(60_000);
  await w.fire("disk full");
  const firedAt = w.clock.now();
  let items = (await w.member.client.get(`/api/v1/automation-rules?teamId=${w.team.id}`)).json
    .items;
  assert.equal(items[0].lastFiredAt, firedAt);
  assert.equal(items[0].name, "flapping twice");

  // Disabled: a new alert firing twice does not fire it.
  const off = await w.lead.client.request("PUT", `${path}/enabled`, { enabled: false });
  assert.equal(off.json.rule.enabled, false);
  w.clock.advance(60_000);
  const quiet = await w.fire("cpu hot");
  await w.fire("cpu hot");
  const a = (await w.admin.get(`/api/v1/alerts/${quiet}`)).json;
  assert.equal(a.alert.priority, "medium");
  items = (await w.member.client.get(`/api/v1/automation-rules?teamId=${w.team.id}`)).json.items;
  assert.equal(items[0].lastFiredAt, firedAt);

  assert.equal((await w.member.client.delete(path)).status, 403);
  assert.equal((await w.lead.client.delete(path)).status, 200);
  assert.equal((await w.lead.client.get(path)).status, 404);
  assert.equal((await w.srv.kv.get(["automation_rule_fired", id])).value, null);
  assert.equal((await w.lead.client.delete(path)).status, 404);
});

Deno.test("rules api - providers: an edit keeps secrets left out, order is one list, a test answers what the provider said", async () => {
  const w = await world();
  await using _srv = w.srv;
  let seenAuth = "";
  await using sms = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    seenAuth = req.headers.get("authorization") ?? "";
    return Response.json({ code: 21211, message: "invalid 'To'" }, { status: 400 });
  });
  const twilio = (await w.admin.post("/api/v1/providers", {
    name: "twilio",
    kind: "twilio",
    config: {
      baseUrl: `http://127.0.0.1:${sms.addr.port}`,
      accountSid: "AC1",
      authToken: "token-1",
      from: "+1500",
    },
  })).json.provider;
  const smtp = (await w.admin.post("/api/v1/providers", {
    name: "mail",
    kind: "smtp",
    order: 1,
    config: { host: "127.0.0.1", port: 9, security: "none", from: "t@example.com" },
  })).json.provider;
  const edit = await w.admin.request("PUT", `/api/v1/providers/${twilio.id}`, {
    name: "twilio 2",
    kind: "twilio",
    perMinute: 5,
    config: { baseUrl: `http://127.0.0.1:${sms.addr.port}`, accountSid: "AC1", from: "+1501" },
  });
  assert.equal(edit.status, 200, JSON.stringify(edit.json));
  assert.equal(edit.json.provider.config.authToken, "********");
  assert.equal(edit.json.provider.perMinute, 5);
  assert.ok(!JSON.stringify((await w.admin.get("/api/v1/providers")).json).includes("token-1"));
  // Another kind needs its own secrets.
  const switched = await w.admin.request("PUT", `/api/v1/providers/${twilio.id}`, {
    name: "x",
    kind: "aliyun-sms",
    config: { accessKeyId: "k", signName: "s", templateCode: "t" },
  });
  assert.equal(switched.status, 400);
  assert.equal(switched.json.error.code, "invalid_input");

  // The test: the provider's answer comes back as it was, and the saved token was used.
  const probe = await w.admin.post(`/api/v1/providers/${twilio.id}/test`, {
    channel: "sms",
    to: "+8613800000000",
  });
  assert.equal(probe.status, 200, JSON.stringify(probe.json));
  assert.equal(probe.json.result.ok, false);
  assert.match(probe.json.result.detail, /^400 .*21211/);
  assert.equal(seenAuth, "Basic " + btoa("AC1:token-1"));
  assert.equal(
    (await w.admin.post(`/api/v1/providers/${smtp.id}/test`, { channel: "sms", to: "+861380" }))
      .status,
    400,
    "SMTP sends no SMS",
  );
  assert.equal(
    (await w.admin.post(`/api/v1/providers/${twilio.id}/test`, { channel: "sms", to: "nope" }))
      .status,
    400,
  );
  assert.equal(
    (await w.member.client.post(`/api/v1/providers/${twilio.id}/test`, {
      channel: "sms",
      to: "+8613800000000",
    })).status,
    403,
  );

  // Order: every provider once, in one commit.
  assert.equal(
    (await w.admin.post("/api/v1/providers/reorder", { ids: [smtp.id] })).status,
    400,
  );
  assert.equal(
    (await w.admin.post("/api/v1/providers/reorder", { ids: [smtp.id, smtp.id] })).status,
    400,
  );
  const re = await w.admin.post("/api/v1/providers/reorder", { ids: [smtp.id, twilio.id] });
  assert.deepEqual(re.json.items.map((p: { name: string }) => p.name), ["mail", "twilio 2"]);
});

Deno.test("rules api - robots: an edit keeps the URL and secret, a test reports the platform's answer", async () => {
  const w = await world();
  await using _srv = w.srv;
  const got: string[] = [];
  await using slack = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    got.push(new URL(req.url).pathname + " " + (await req.json()).text);
    return new Response("ok");
  });
  const url = `http://127.0.0.1:${slack.addr.port}/services/T0/B0/secret-path`;
  const robot = (await w.lead.client.post("/api/v1/robots", {
    name: "slack",
    teamId: w.team.id,
    kind: "slack",
    url,
  })).json.robot;
  const edit = await w.lead.client.request("PUT", `/api/v1/robots/${robot.id}`, {
    name: "slack #ops",
    kind: "slack",
  });
  assert.equal(edit.status, 200, JSON.stringify(edit.json));
  assert.equal(
    (await w.member.client.request("PUT", `/api/v1/robots/${robot.id}`, {
      name: "x",
      kind: "slack",
    })).status,
    403,
  );
  // Signed kinds need a secret: none was saved, so switching to DingTalk without one fails.
  assert.equal(
    (await w.lead.client.request("PUT", `/api/v1/robots/${robot.id}`, {
      name: "x",
      kind: "dingtalk",
    })).status,
    400,
  );
  const test = await w.lead.client.post(`/api/v1/robots/${robot.id}/test`, {});
  assert.equal(test.status, 200, JSON.stringify(test.json));
  assert.equal(test.json.result.ok, true);
  assert.equal(got.length, 1);
  assert.match(got[0], /^\/services\/T0\/B0\/secret-path .*test message/);
  assert.equal((await w.member.client.post(`/api/v1/robots/${robot.id}/test`, {})).status, 403);
});

Deno.test("rules api - the dry run replays a stored alert of the team, and refuses another team's", async () => {
  const w = await world();
  await using _srv = w.srv;
  await w.admin.request("PUT", `/api/v1/teams/${w.team.id}/routing`, {
    routes: [{ name: "disks", matchers: [{ field: "title", op: "=~", value: "disk.*" }] }],
  });
  const id = await w.fire("disk full on db-2");
  const r = await w.member.client.post(`/api/v1/teams/${w.team.id}/routing/dry-run`, {
    alertId: id,
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.results[0].decision.route, "disks");
  assert.equal(r.json.results[0].decision.routeIndex, 0);
  // Both or neither: refused.
  assert.equal(
    (await w.member.client.post(`/api/v1/teams/${w.team.id}/routing/dry-run`, {
      alertId: id,
      body: "x",
      integrationId: w.hook.integration.id,
    })).status,
    400,
  );
  const other = (await w.admin.post("/api/v1/teams", { name: "Other" })).json.team;
  const r2 = await w.admin.post(`/api/v1/teams/${other.id}/routing/dry-run`, { alertId: id });
  assert.equal(r2.status, 404);
});
