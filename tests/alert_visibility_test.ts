/**
 * One rule for who sees an alert (canSeeAlert): the members of its team. A team
 * routes its alerts to a conversation that also holds an outsider; the outsider
 * gets no `alert` frame over WebSocket, SSE or long poll, and REST answers them
 * 404, while the team member gets both.
 */
import assert from "node:assert/strict";
import type { ServerFrame } from "../lib/protocol.ts";
import { adminClient, type Client, connect, sleep, startServer, userClient } from "./_helpers.ts";

type Srv = Awaited<ReturnType<typeof startServer>>;

async function routedTeam(srv: Srv) {
  const { client: admin, user: adminUser } = await adminClient(srv);
  const ann = await userClient(srv, "Ann"); // in the team
  const otto = await userClient(srv, "Otto"); // only in the conversation
  const team = (await admin.post("/api/v1/teams", {
    name: "DB",
    memberIds: [ann.user.id],
    adminIds: [adminUser.id],
  })).json.team;
  const room = (await admin.post("/api/v1/conversations", {
    kind: "group",
    title: "shared room",
    memberIds: [ann.user.id, otto.user.id],
  })).json.conversation.id as string;
  const put = await admin.request("PUT", `/api/v1/teams/${team.id}/routing`, {
    routes: [{ name: "all", matchers: [], conversationId: room }],
  });
  assert.equal(put.status, 200, JSON.stringify(put.json));
  const hook = (await admin.post("/api/v1/integrations", {
    name: "am",
    type: "alertmanager",
    teamId: team.id,
  })).json;
  const ingest = async (status: "firing" | "resolved") => {
    const alert = {
      status,
      labels: { alertname: "DbDown", service: "postgres" },
      annotations: { dsn: "postgres://app:s3cret@db.internal/app" },
      startsAt: "2026-01-01T00:00:00Z",
      endsAt: "0001-01-01T00:00:00Z",
      fingerprint: "db",
    };
    const r = await fetch(`${srv.url}/hooks/${hook.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${hook.token}` },
      body: JSON.stringify({
        receiver: "tocsin",
        status,
        alerts: [alert],
        groupLabels: {},
        commonLabels: alert.labels,
        commonAnnotations: alert.annotations,
        externalURL: "",
        version: "4",
        groupKey: "db",
      }),
    });
    assert.equal(r.status, 202);
    return (await r.json()).alerts[0].alertId as string;
  };
  return { admin, ann, otto, team, room, ingest };
}

const alertFrames = (frames: ServerFrame[]) => frames.filter((f) => f.type === "alert");

/** Reads an SSE response's frames into `into` until aborted. */
async function readSse(res: Response, into: ServerFrame[]): Promise<void> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += value;
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const event = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = event.split("\n").find((l) => l.startsWith("data: "));
        if (data) into.push(...JSON.parse(data.slice(6)));
      }
    }
  } catch {
    // aborted
  }
}

async function sse(client: Client, into: ServerFrame[], signal: AbortSignal) {
  const res = await fetch(`${client.base}/api/v1/events`, {
    headers: { cookie: client.cookie },
    signal,
  });
  assert.equal(res.status, 200);
  readSse(res, into);
}

Deno.test("alert visibility - an outsider in the routed conversation gets no alert frame (WS, SSE, poll) and REST 404", async () => {
  await using srv = await startServer();
  const { ann, otto, room, ingest } = await routedTeam(srv);
  const annWs = await connect(ann.client);
  const ottoWs = await connect(otto.client);
  const abort = new AbortController();
  const annSse: ServerFrame[] = [];
  const ottoSse: ServerFrame[] = [];
  await sse(ann.client, annSse, abort.signal);
  await sse(otto.client, ottoSse, abort.signal);
  try {
    await sleep(200);
    const id = await ingest("firing");
    // Both see the card message in the shared room (it is the room's message).
    await ottoWs.until(() => ottoWs.messages(room).some((m) => m.alertId === id), 5000, "card");
    // A change to the alert: an `alert` frame to the team member only.
    assert.equal((await ann.client.post(`/api/v1/alerts/${id}/ack`, {})).status, 200);
    await annWs.until((f) => alertFrames(f).length > 0, 5000, "ann's alert frame");
    const deadline = Date.now() + 5000;
    while (!annSse.some((f) => f.type === "alert") && Date.now() < deadline) await sleep(50);
    assert.ok(annSse.some((f) => f.type === "alert"), "ann's SSE alert frame");
    // A long poll of Otto's, open across another change, gets no alert frame either.
    const poll = otto.client.get(`/api/v1/poll?cursors=${room}:1&timeout=1500`);
    await sleep(200);
    await ingest("resolved");
    await annWs.until((f) => alertFrames(f).length > 1, 5000, "ann's second alert frame");
    await sleep(500);
    const polled = (await poll).json.frames as ServerFrame[];

    assert.deepEqual(alertFrames(ottoWs.frames), [], "no alert frame over the WebSocket");
    assert.deepEqual(alertFrames(ottoSse), [], "no alert frame over SSE");
    assert.deepEqual(alertFrames(polled), [], "no alert frame over the long poll");
    for (const frames of [ottoWs.frames, ottoSse, polled]) {
      assert.equal(JSON.stringify(frames).includes("s3cret"), false, "no annotation leaks");
    }
    // The same rule on REST: whoever got the frame can GET the alert, the other cannot.
    assert.equal((await ann.client.get(`/api/v1/alerts/${id}`)).status, 200);
    assert.equal((await otto.client.get(`/api/v1/alerts/${id}`)).status, 404);
    assert.deepEqual((await otto.client.get(`/api/v1/alerts?ids=${id}`)).json.items, []);
    assert.equal((await ann.client.get(`/api/v1/alerts?ids=${id}`)).json.items.length, 1);
  } finally {
    abort.abort();
    annWs.close();
    ottoWs.close();
  }
});

Deno.test("alert visibility - joining the team brings the frames, leaving it stops them", async () => {
  await using srv = await startServer({ config: { alertAudienceCacheMs: 0 } });
  const { admin, ann, otto, team, ingest } = await routedTeam(srv);
  const ottoWs = await connect(otto.client);
  const annWs = await connect(ann.client);
  try {
    const id = await ingest("firing");
    assert.equal(
      (await admin.post(`/api/v1/teams/${team.id}/members`, { userIds: [otto.user.id] })).status,
      200,
    );
    assert.equal((await ann.client.post(`/api/v1/alerts/${id}/ack`, {})).status, 200);
    await ottoWs.until((f) => alertFrames(f).length > 0, 5000, "otto's frame as a member");
    assert.equal((await otto.client.get(`/api/v1/alerts/${id}`)).status, 200);

    const r = await admin.request("DELETE", `/api/v1/teams/${team.id}/members/${otto.user.id}`);
    assert.equal(r.status, 200);
    const before = alertFrames(ottoWs.frames).length;
    await ingest("resolved");
    await annWs.until((f) => alertFrames(f).length > 1, 5000, "ann's frame");
    await sleep(300);
    assert.equal(alertFrames(ottoWs.frames).length, before, "no frame after leaving the team");
    assert.equal((await otto.client.get(`/api/v1/alerts/${id}`)).status, 404);
  } finally {
    annWs.close();
    ottoWs.close();
  }
});
