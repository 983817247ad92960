import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { keys } from "../lib/core/keys.ts";
import { timersOf } from "../lib/jobs/timers.ts";
import {
  adminClient,
  Client,
  sleep,
  startServer,
  type TestServer,
  userClient,
} from "./_helpers.ts";
import { freePort, ServerProcess } from "./_process.ts";

async function world(clock: ManualClock) {
  const srv = await startServer({ clock, config: { timerSweepMs: 0 } });
  const { client: admin, user: adminUser } = await adminClient(srv);
  const a = await userClient(srv, "Ann");
  const team = (await admin.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [a.user.id],
    adminIds: [adminUser.id],
  })).json.team;
  return { srv, admin, a, team };
}

async function advance(srv: TestServer, clock: ManualClock, ms: number) {
  clock.advance(ms);
  await srv.core.timers.sweep();
}

async function heartbeatAlerts(c: Client, teamId: string) {
  return ((await c.get(`/api/v1/alerts?teamId=${teamId}`)).json.items as {
    id: string;
    title: string;
    status: string;
    priority: string;
    source: string;
  }[]).filter((x) => x.source === "heartbeat");
}

Deno.test("heartbeats - a missed ping opens one alert through paging; the next ping resolves it", async () => {
  const clock = new ManualClock();
  const w = await world(clock);
  await using _srv = w.srv;
  assert.equal(
    (await w.a.client.post("/api/v1/heartbeats", {
      teamId: w.team.id,
      name: "backup",
      intervalSeconds: 600,
      graceSeconds: 60,
    })).status,
    403,
    "members do not create heartbeats",
  );
  const r = await w.admin.post("/api/v1/heartbeats", {
    teamId: w.team.id,
    name: "nightly backup",
    intervalSeconds: 600,
    graceSeconds: 60,
    priority: "urgent",
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const { heartbeat, token } = r.json;
  assert.equal(heartbeat.status, "new");
  assert.equal(heartbeat.tokenHash, undefined, "the hash is never shown");
  const ping = (how: "get" | "post" | "bad") =>
    fetch(
      `${w.srv.url}/ping/${heartbeat.id}` + (how === "get" ? `?token=${token}` : ""),
      how === "get"
        ? {}
        : { method: "POST", headers: { authorization: `Bearer ${how === "bad" ? "x" : token}` } },
    );
  assert.equal((await ping("bad")).status, 401);
  // A new heartbeat has no deadline: nothing fires before its first ping.
  await advance(w.srv, clock, 3_600_000);
  assert.deepEqual(await heartbeatAlerts(w.admin, w.team.id), []);
  const first = await ping("get");
  assert.equal(first.status, 200);
  assert.equal((await first.json()).status, "up");
  // Pinged in time: no alert.
  await advance(w.srv, clock, 500_000);
  assert.equal((await ping("post")).status, 200);
  await advance(w.srv, clock, 600_000);
  assert.deepEqual(await heartbeatAlerts(w.admin, w.team.id), []);
  // Missed (interval + grace after the last ping): one alert, paged like any other.
  await advance(w.srv, clock, 61_000);
  await advance(w.srv, clock, 3_600_000);
  const alerts = await heartbeatAlerts(w.admin, w.team.id);
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0].title, "Heartbeat missed: nightly backup");
  assert.equal(alerts[0].priority, "urgent");
  const t = (await w.admin.get(`/api/v1/alerts/${alerts[0].id}`)).json.timeline as {
    kind: string;
  }[];
  assert.ok(t.some((e) => e.kind === "notified"), "paged through the team's paging");
  const hb = (await w.admin.get(`/api/v1/heartbeats/${heartbeat.id}`)).json.heartbeat;
  assert.equal(hb.status, "down");
  assert.equal(hb.alertId, alerts[0].id);
  assert.deepEqual(await timersOf(w.srv.kv, `heartbeat:${heartbeat.id}`), []);
  // The next ping resolves it and arms the next deadline.
  const back = await ping("get");
  assert.equal((await back.json()).resolved, alerts[0].id);
  const after = await heartbeatAlerts(w.admin, w.team.id);
  assert.equal(after[0].status, "resolved");
  assert.equal(
    (await w.admin.get(`/api/v1/heartbeats/${heartbeat.id}`)).json.heartbeat.status,
    "up",
  );
  assert.equal((await timersOf(w.srv.kv, `heartbeat:${heartbeat.id}`)).length, 1);
  // Rotated token: the old one stops working.
  const rot = await w.admin.post(`/api/v1/heartbeats/${heartbeat.id}/token`);
  assert.equal((await ping("get")).status, 401);
  assert.equal(
    (await fetch(`${w.srv.url}/ping/${heartbeat.id}?token=${rot.json.token}`)).status,
    200,
  );
  // Deleted: its deadline goes with it.
  assert.equal((await w.admin.request("DELETE", `/api/v1/heartbeats/${heartbeat.id}`)).status, 200);
  assert.deepEqual(await timersOf(w.srv.kv, `heartbeat:${heartbeat.id}`), []);
  assert.equal((await w.srv.kv.get(keys.heartbeat(heartbeat.id))).value, null);
});

Deno.test("heartbeats - a heartbeat missed across a SIGKILL of the server still alerts exactly once", async () => {
  const dir = await Deno.makeTempDir();
  const kvPath = `${dir}/tocsin.kv`;
  await using server = new ServerProcess(kvPath, freePort(), { TOCSIN_TIMER_SWEEP_MS: "300" });
  await server.start();
  const admin = new Client(server.url);
  await admin.post("/api/v1/setup", { email: "a@example.com", name: "A", password: "a-pass-word" });
  const me = (await admin.get("/api/v1/me")).json.user;
  const team = (await admin.post("/api/v1/teams", { name: "SRE", adminIds: [me.id] })).json.team;
  const r = await admin.post("/api/v1/heartbeats", {
    teamId: team.id,
    name: "cron",
    intervalSeconds: 2,
    graceSeconds: 1,
  });
  assert.equal(r.status, 201);
  const url = `${server.url}/ping/${r.json.heartbeat.id}?token=${r.json.token}`;
  assert.equal((await fetch(url)).status, 200);
  // The server dies before the deadline (3 s) and comes back after it.
  await sleep(1_000);
  await server.kill();
  await sleep(3_000);
  await server.start();
  const deadline = Date.now() + 15_000;
  let alerts: { id: string; status: string }[] = [];
  while (Date.now() < deadline) {
    alerts = await heartbeatAlerts(admin, team.id);
    if (alerts.length) break;
    await sleep(200);
  }
  assert.equal(alerts.length, 1, "the missed deadline fired after the restart");
  // Another kill and restart: the deadline is gone, nothing fires twice.
  await server.kill();
  await server.start();
  await sleep(1_500);
  alerts = await heartbeatAlerts(admin, team.id);
  assert.equal(alerts.length, 1);
  const t = (await admin.get(`/api/v1/alerts/${alerts[0].id}`)).json.timeline as { kind: string }[];
  assert.equal(t.filter((e) => e.kind === "triggered").length, 1);
  assert.equal(t.filter((e) => e.kind === "repeated").length, 0, "no second trigger");
  // And the next ping resolves it.
  assert.equal((await fetch(url)).status, 200);
  assert.equal((await heartbeatAlerts(admin, team.id))[0].status, "resolved");
  await server.kill();
  await Deno.remove(dir, { recursive: true });
});
