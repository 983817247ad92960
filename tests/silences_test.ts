import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { keys } from "../lib/core/keys.ts";
import { timersOf } from "../lib/jobs/timers.ts";
import { parseMatchers } from "../lib/alerts/silences.ts";
import { adminClient, startServer, type TestServer, userClient } from "./_helpers.ts";

const MIN = 60_000;

async function world(clock: ManualClock, config: Record<string, number> = {}) {
  const srv = await startServer({ clock, config: { timerSweepMs: 0, ...config } });
  const { client: admin, user: adminUser } = await adminClient(srv);
  const a = await userClient(srv, "Ann");
  const team = (await admin.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [a.user.id],
    adminIds: [adminUser.id],
  })).json.team;
  const hook =
    (await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id })).json;
  const fire = async (text: string, priority = "urgent", tags = "") => {
    const r = await fetch(`${srv.url}/hooks/${hook.integration.id}?${tags}`, {
      method: "POST",
      headers: { authorization: `Bearer ${hook.token}`, priority, title: text },
      body: text,
    });
    assert.equal(r.status, 202);
    return (await r.json()).alerts[0].alertId as string;
  };
  const conv = (await admin.get(`/api/v1/teams/${team.id}`)).json.team.conversationId as string;
  return { srv, admin, adminUser, a, team, fire, conv };
}

async function advance(srv: TestServer, clock: ManualClock, ms: number) {
  clock.advance(ms);
  await srv.core.timers.sweep();
}

Deno.test("silences - Alertmanager's matcher syntax parses, with quotes, regexes and braces", () => {
  assert.deepEqual(parseMatchers(`{service="db", severity=~"crit.*", env!="dev"}`), [
    { field: "label", label: "service", op: "=", value: "db" },
    { field: "label", label: "severity", op: "=~", value: "crit.*" },
    { field: "label", label: "env", op: "!=", value: "dev" },
  ]);
  assert.deepEqual(parseMatchers(`a=b,c!~"x\\"y"`), [
    { field: "label", label: "a", op: "=", value: "b" },
    { field: "label", label: "c", op: "!~", value: 'x"y' },
  ]);
  assert.throws(() => parseMatchers(`{service}`));
  assert.throws(() => parseMatchers(`="x"`));
});

Deno.test("silences - a matching alert is stored as silenced and pages nobody; others still page", async () => {
  const clock = new ManualClock();
  const w = await world(clock);
  await using _srv = w.srv;
  const created = await w.a.client.post("/api/v1/silences", {
    teamId: w.team.id,
    matchers: [{ field: "title", op: "=~", value: "db.*" }],
    endsAt: clock.now() + 120 * MIN,
    comment: "database upgrade",
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  assert.equal(created.json.silence.state, "active");
  assert.equal(created.json.silence.createdBy, w.a.user.id);
  // A silence that starts now says so in the team's conversation at once.
  await w.srv.core.timers.sweep();
  const started = ((await w.a.client.get(`/api/v1/conversations/${w.conv}/messages?after=0`)).json
    .items as { system?: { event: string; title?: string } }[])
    .filter((m) => m.system?.event === "silence_started");
  assert.equal(started.length, 1);
  assert.match(started[0].system!.title!, /database upgrade/);

  const silenced = await w.fire("db replica down");
  const loud = await w.fire("web down");
  const s = (await w.admin.get(`/api/v1/alerts/${silenced}`)).json;
  assert.equal(s.alert.silencedBy, created.json.silence.id);
  assert.equal(s.alert.status, "triggered");
  assert.deepEqual(s.timeline.map((e: { kind: string }) => e.kind), [
    "triggered",
    "routed",
    "silenced",
  ]);
  assert.deepEqual(await timersOf(w.srv.kv, silenced), [], "no reminder, escalation or delivery");
  assert.notDeepEqual(await timersOf(w.srv.kv, loud), [], "the other alert pages as before");
  // Repeats and time change nothing.
  await w.fire("db replica down");
  for (let i = 0; i < 3; i++) await advance(w.srv, clock, 2 * MIN);
  const t = (await w.admin.get(`/api/v1/alerts/${silenced}`)).json.timeline;
  assert.equal(t.filter((e: { kind: string }) => e.kind === "notified").length, 0);
  // The list filters on it.
  const only = (await w.admin.get(`/api/v1/alerts?teamId=${w.team.id}&silenced=true`)).json.items;
  assert.deepEqual(only.map((x: { id: string }) => x.id), [silenced]);
  const not = (await w.admin.get(`/api/v1/alerts?teamId=${w.team.id}&silenced=false`)).json.items;
  assert.deepEqual(not.map((x: { id: string }) => x.id), [loud]);
});

Deno.test("silences - the conversation hears the start and the coming end; expiring early stops silencing", async () => {
  const clock = new ManualClock();
  const w = await world(clock, { silenceEndNoticeMinutes: 10 });
  await using _srv = w.srv;
  const r = await w.admin.post("/api/v1/silences", {
    teamId: w.team.id,
    matchers: `{service="db"}`,
    startsAt: clock.now() + 30 * MIN,
    endsAt: clock.now() + 90 * MIN,
    comment: "window",
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal(r.json.silence.state, "pending");
  assert.deepEqual(r.json.silence.matchers, [
    { field: "label", label: "service", op: "=", value: "db" },
  ]);
  const events = async () =>
    ((await w.a.client.get(`/api/v1/conversations/${w.conv}/messages?after=0`)).json.items as {
      system?: { event: string; title?: string };
    }[]).flatMap((m) => m.system?.event.startsWith("silence") ? [m.system.event] : []);
  await advance(w.srv, clock, 29 * MIN);
  assert.deepEqual(await events(), []);
  await advance(w.srv, clock, 1 * MIN);
  assert.deepEqual(await events(), ["silence_started"]);
  await advance(w.srv, clock, 49 * MIN);
  assert.deepEqual(await events(), ["silence_started"]);
  await advance(w.srv, clock, 1 * MIN);
  assert.deepEqual(await events(), ["silence_started", "silence_ending"]);

  // Edit: a new end; then expire it early.
  const id = r.json.silence.id;
  const put = await w.a.client.request("PUT", `/api/v1/silences/${id}`, {
    matchers: `{service="db"}`,
    endsAt: clock.now() + 60 * MIN,
    comment: "longer window",
  });
  assert.equal(put.status, 200, JSON.stringify(put.json));
  assert.equal(put.json.silence.comment, "longer window");
  const exp = await w.a.client.post(`/api/v1/silences/${id}/expire`);
  assert.equal(exp.status, 200);
  assert.equal(exp.json.silence.state, "expired");
  assert.deepEqual(await timersOf(w.srv.kv, `silence:${id}`), [], "no notice left to send");
  assert.equal((await w.a.client.post(`/api/v1/silences/${id}/expire`)).status, 409);
  const list = (await w.a.client.get(`/api/v1/silences?teamId=${w.team.id}`)).json.items;
  assert.equal(list[0].state, "expired");
  assert.equal((await w.a.client.request("DELETE", `/api/v1/silences/${id}`)).status, 200);
  assert.equal((await w.srv.kv.get(keys.silence(id))).value, null);
});

Deno.test("silences - hostile input gets clear 400s", async () => {
  const clock = new ManualClock();
  const w = await world(clock);
  await using _srv = w.srv;
  const bad = async (body: Record<string, unknown>) => {
    const r = await w.a.client.post("/api/v1/silences", {
      teamId: w.team.id,
      matchers: `{a="b"}`,
      endsAt: clock.now() + MIN,
      comment: "c",
      ...body,
    });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.json.error.code, "invalid_input");
  };
  await bad({ matchers: "{constructor}" });
  await bad({ matchers: `{a=~"(a"}` });
  await bad({ matchers: [] });
  await bad({ endsAt: clock.now() - MIN });
  await bad({ startsAt: clock.now() + 2 * MIN });
  await bad({ endsAt: clock.now() + 400 * 86_400_000 });
  await bad({ comment: "" });
});

Deno.test("silences - robots hear nothing of a silenced alert: not its opening, acknowledgement or resolution", async () => {
  const heard: string[] = [];
  await using standIn = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (r) => {
    heard.push(await r.text());
    return new Response("ok");
  });
  const clock = new ManualClock();
  const srv = await startServer({
    clock,
    config: { timerSweepMs: 0, outboundAllow: ["127.0.0.0/8"] },
  });
  await using _srv = srv;
  const { client: admin, user } = await adminClient(srv);
  const team = (await admin.post("/api/v1/teams", { name: "SRE", adminIds: [user.id] })).json
    .team;
  const robot = await admin.post("/api/v1/robots", {
    name: "room",
    teamId: team.id,
    kind: "webhook",
    url: `http://127.0.0.1:${standIn.addr.port}/hook`,
    secret: "a-robot-signing-secret",
  });
  assert.equal(robot.status, 201, JSON.stringify(robot.json));
  const hook =
    (await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id })).json;
  const fire = async (title: string) => {
    const r = await fetch(`${srv.url}/hooks/${hook.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${hook.token}`, title },
      body: title,
    });
    return (await r.json()).alerts[0].alertId as string;
  };
  await admin.post("/api/v1/silences", {
    teamId: team.id,
    matchers: [{ field: "title", op: "=", value: "quiet-one" }],
    endsAt: clock.now() + 60 * MIN,
    comment: "c",
  });
  const quiet = await fire("quiet-one");
  await admin.post(`/api/v1/alerts/${quiet}/ack`);
  await admin.post(`/api/v1/alerts/${quiet}/resolve`);
  const loud = await fire("loud-one");
  await admin.post(`/api/v1/alerts/${loud}/ack`);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !heard.join().includes("acknowledged")) {
    await srv.core.timers.sweep();
    await new Promise((r) => setTimeout(r, 100));
  }
  const all = heard.join("\n");
  assert.match(all, /loud-one/, "the robot works");
  assert.doesNotMatch(all, /quiet-one/);
});
