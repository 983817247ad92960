/**
 * Zabbix two-way: acknowledging, noting and resolving in Tocsin call Zabbix's JSON-RPC
 * event.acknowledge (a stand-in that speaks it and checks the API token), retried durably and
 * shown on the alert's timeline.
 */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { adminClient, startServer, type TestServer } from "./_helpers.ts";
import { queueTest } from "./_queues.ts";

const API_TOKEN = "zbx-api-token-0123456789abcdef";

interface Call {
  method: string;
  params: { eventids: string[]; action: number; message: string };
}

/** A stand-in Zabbix API: event.acknowledge for known events, Zabbix's errors otherwise. */
function zabbixStandIn(script: number[] = []) {
  const calls: Call[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    const url = new URL(req.url);
    if (req.method !== "POST" || url.pathname !== "/zabbix/api_jsonrpc.php") {
      return new Response("not found", { status: 404 });
    }
    const status = script.shift();
    if (status && status !== 200) return new Response("busy", { status });
    const rpc = await req.json();
    const reply = (body: Record<string, unknown>) =>
      Response.json({ jsonrpc: "2.0", ...body, id: rpc.id });
    if (req.headers.get("content-type") !== "application/json-rpc") {
      return reply({ error: { code: -32700, message: "Parse error.", data: "content type" } });
    }
    if (req.headers.get("authorization") !== `Bearer ${API_TOKEN}`) {
      return reply({
        error: { code: -32602, message: "Invalid params.", data: "Not authorized." },
      });
    }
    if (rpc.jsonrpc !== "2.0" || rpc.method !== "event.acknowledge") {
      return reply({ error: { code: -32601, message: "Method not found." } });
    }
    const p = rpc.params;
    if (!Array.isArray(p?.eventids) || !p.eventids.every((e: string) => e === "9001")) {
      return reply({
        error: {
          code: -32500,
          message: "Application error.",
          data: "No permissions to referred object or it does not exist!",
        },
      });
    }
    calls.push({ method: rpc.method, params: p });
    return reply({ result: { eventids: p.eventids.map(Number) } });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/zabbix`,
    calls,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

async function sweep(srv: TestServer, clock: ManualClock, ms = 0) {
  clock.advance(ms);
  await srv.core.timers.sweep();
  await srv.core.timers.sweep();
}

queueTest(
  "zabbix two-way - ack, note and resolve call event.acknowledge; retried; on the timeline",
  async () => {
    await using zbx = zabbixStandIn([503]);
    const clock = new ManualClock();
    await using srv = await startServer({
      clock,
      config: { timerSweepMs: 0, outboundAllow: ["127.0.0.0/8"] },
    });
    const { client: admin, user } = await adminClient(srv);
    const team = (await admin.post("/api/v1/teams", { name: "SRE", adminIds: [user.id] })).json
      .team;
    const created = await admin.post("/api/v1/integrations", {
      name: "zabbix",
      type: "zabbix",
      teamId: team.id,
      zabbixUrl: zbx.url,
      zabbixApiToken: API_TOKEN,
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const integration = created.json.integration;
    assert.deepEqual(integration.zabbix, { url: zbx.url, tokenSet: true });
    assert.equal(JSON.stringify(created.json).includes(API_TOKEN), false, "the token stays secret");

    const hook = (body: Record<string, string>) =>
      fetch(`${srv.url}/hooks/${integration.id}`, {
        method: "POST",
        headers: { authorization: `Bearer ${created.json.token}` },
        body: JSON.stringify(body),
      }).then((r) => r.json());
    const problem = await hook({
      event_id: "9001",
      event_value: "1",
      event_nseverity: "4",
      event_name: "High CPU on web-3",
      host_name: "web-3",
    });
    const alertId = problem.alerts[0].alertId;

    // Ack: the first attempt meets a 503, the retry after the back-off gets through.
    const ack = await admin.post(`/api/v1/alerts/${alertId}/ack`, { note: "on it" });
    assert.equal(ack.status, 200);
    await sweep(srv, clock);
    assert.equal(zbx.calls.length, 0);
    await sweep(srv, clock, 10_000);
    assert.equal(zbx.calls.length, 1);
    assert.deepEqual(zbx.calls[0].params.eventids, ["9001"]);
    assert.equal(zbx.calls[0].params.action, 2 | 4, "acknowledge, with a message");
    assert.match(zbx.calls[0].params.message, /^Acknowledged in Tocsin by .+: on it$/);

    // A note and a resolve right behind it: the resolve does not cancel the note's call.
    await admin.post(`/api/v1/alerts/${alertId}/notes`, { text: "restarted nginx" });
    await admin.post(`/api/v1/alerts/${alertId}/resolve`, {});
    await sweep(srv, clock);
    assert.equal(zbx.calls.length, 3);
    const [note, resolve] = zbx.calls.slice(1).sort((a, b) => a.params.action - b.params.action);
    assert.equal(note.params.action, 4, "a message only");
    assert.match(note.params.message, /^Note in Tocsin by .+: restarted nginx$/);
    assert.equal(resolve.params.action, 1 | 4, "close the problem");
    assert.match(resolve.params.message, /^Resolved in Tocsin by /);

    const timeline = (await admin.get(`/api/v1/alerts/${alertId}`)).json.timeline as {
      kind: string;
      via: string;
      note?: string;
      detail?: { ok: boolean; action: string; attempt: number; retryAt?: number };
    }[];
    const zabbix = timeline.filter((e) => e.via === "zabbix");
    assert.deepEqual(
      // The note's and the resolve's calls are due together: either may go first.
      zabbix.map((e) => [e.kind, e.detail?.action, e.detail?.attempt, e.detail?.ok]).sort(),
      [
        ["webhook", "ack", 1, false],
        ["webhook", "ack", 2, true],
        ["webhook", "note", 1, true],
        ["webhook", "resolve", 1, true],
      ],
    );
    const failed = zabbix.find((e) => e.detail?.ok === false);
    assert.ok(failed?.detail?.retryAt, "the failed attempt says when it retries");
  },
);

Deno.test("zabbix two-way - a refused token is shown on the timeline and not retried", async () => {
  await using zbx = zabbixStandIn();
  const clock = new ManualClock();
  await using srv = await startServer({
    clock,
    config: { timerSweepMs: 0, outboundAllow: ["127.0.0.0/8"] },
  });
  const { client: admin, user } = await adminClient(srv);
  const team = (await admin.post("/api/v1/teams", { name: "SRE", adminIds: [user.id] })).json
    .team;
  const created = (await admin.post("/api/v1/integrations", {
    name: "zabbix",
    type: "zabbix",
    teamId: team.id,
    zabbixUrl: zbx.url,
    zabbixApiToken: "not-the-right-token",
  })).json;
  const res = await fetch(`${srv.url}/hooks/${created.integration.id}`, {
    method: "POST",
    headers: { authorization: `Bearer ${created.token}` },
    body: JSON.stringify({ event_id: "9001", event_value: "1", event_name: "x" }),
  });
  const alertId = (await res.json()).alerts[0].alertId;
  await admin.post(`/api/v1/alerts/${alertId}/ack`, {});
  await sweep(srv, clock);
  await sweep(srv, clock, 600_000);
  assert.equal(zbx.calls.length, 0);
  const timeline = (await admin.get(`/api/v1/alerts/${alertId}`)).json.timeline;
  const tries = timeline.filter((e: { via: string }) => e.via === "zabbix");
  assert.equal(tries.length, 1, "a refusal is final");
  assert.match(tries[0].note, /Not authorized/);

  // Without a way back nothing is called; a URL that is not allowed is refused at once.
  const off = await admin.patch(`/api/v1/integrations/${created.integration.id}`, {
    zabbixUrl: null,
  });
  assert.equal(off.json.integration.zabbix, null);
  const blocked = await admin.patch(`/api/v1/integrations/${created.integration.id}`, {
    zabbixUrl: "http://10.1.2.3/zabbix",
    zabbixApiToken: API_TOKEN,
  });
  assert.equal(blocked.status, 400);
  const half = await admin.post("/api/v1/integrations", {
    name: "z2",
    type: "zabbix",
    teamId: team.id,
    zabbixUrl: zbx.url,
  });
  assert.equal(half.status, 400, "a URL without a token");
});
