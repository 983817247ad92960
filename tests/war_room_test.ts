import assert from "node:assert/strict";
import { createCore } from "../lib/runtime.ts";
import { openWarRoom } from "../lib/alerts/war_room.ts";
import type { User } from "../lib/accounts/model.ts";
import { leaveConversation } from "../lib/chat/membership.ts";
import {
  adminClient,
  type Client,
  connect,
  startServer,
  type TestServer,
  userClient,
} from "./_helpers.ts";

interface Msg {
  seq: number;
  kind: string;
  alertId?: string;
  system?: {
    event: string;
    summary?: {
      acknowledgedBy: string | null;
      resolvedBy: string | null;
      acknowledgedAt: number | null;
      resolvedAt: number;
      createdAt: number;
      notes: { by: string | null; text: string }[];
    };
  };
}

/** A team (Ann, Ben, Olga on call now; the admin its admin), an alert assigned to Ben, an outsider. */
async function world(srv: TestServer) {
  const { client: admin, user: adminUser } = await adminClient(srv);
  const ann = await userClient(srv, "Ann");
  const ben = await userClient(srv, "Ben");
  const olga = await userClient(srv, "Olga");
  const zed = await userClient(srv, "Zed");
  const team = (await admin.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [ann.user.id, ben.user.id, olga.user.id],
    adminIds: [adminUser.id],
  })).json.team;
  const schedule = await admin.post("/api/v1/schedules", {
    name: "primary",
    teamId: team.id,
    timeZone: "UTC",
    layers: [{
      name: "l",
      participants: [olga.user.id],
      rotation: "daily",
      startDate: "2020-01-01",
    }],
  });
  assert.equal(schedule.status, 201, JSON.stringify(schedule.json));
  const hook =
    (await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id })).json;
  const r = await fetch(`${srv.url}/hooks/${hook.integration.id}`, {
    method: "POST",
    headers: { authorization: `Bearer ${hook.token}`, title: "disk full on db-1" },
    body: "disk full on db-1",
  });
  const alertId: string = (await r.json()).alerts[0].alertId;
  const assigned = await admin.post(`/api/v1/alerts/${alertId}/assign`, { userId: ben.user.id });
  assert.equal(assigned.status, 200, JSON.stringify(assigned.json));
  return { admin, adminUser, ann, ben, olga, zed, team, alertId };
}

async function roomMessages(c: Client, roomId: string): Promise<Msg[]> {
  const r = await c.get(`/api/v1/conversations/${roomId}/messages?after=0&limit=500`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.items;
}

Deno.test("war room - opens with the assignee, who is on call and the opener; the card is pinned; the timeline links it", async () => {
  await using srv = await startServer();
  const w = await world(srv);
  const opened = await w.ann.client.post(`/api/v1/alerts/${w.alertId}/war-room`, { via: "card" });
  assert.equal(opened.status, 201, JSON.stringify(opened.json));
  const roomId: string = opened.json.conversationId;

  const members = (await w.ann.client.get(`/api/v1/conversations/${roomId}/members`)).json
    .items as {
      userId: string;
      role: string;
    }[];
  assert.deepEqual(
    members.map((m) => m.userId).sort(),
    [w.ann.user.id, w.ben.user.id, w.olga.user.id].sort(),
  );
  assert.equal(members.find((m) => m.userId === w.ann.user.id)?.role, "owner");

  const conv = (await w.ben.client.get(`/api/v1/conversations/${roomId}`)).json;
  assert.equal((conv.conversation ?? conv).alertId, w.alertId);
  const admin = (await w.olga.client.get(`/api/v1/conversations/${roomId}/admin`)).json;
  assert.equal(admin.pins.length, 1);
  assert.equal(admin.pins[0].message.kind, "alert");
  assert.equal(admin.pins[0].message.alertId, w.alertId);

  const detail = (await w.ann.client.get(`/api/v1/alerts/${w.alertId}`)).json;
  assert.equal(detail.alert.warRoomId, roomId);
  const links = detail.timeline.filter((e: { kind: string }) => e.kind === "war_room");
  assert.equal(links.length, 1);
  assert.equal(links[0].detail.conversationId, roomId);
  assert.equal(links[0].by, w.ann.user.id);
  assert.equal(links[0].via, "card");

  // A second click, and another member of the team: the same room (the latter joins it).
  const again = await w.ben.client.post(`/api/v1/alerts/${w.alertId}/war-room`);
  assert.equal(again.status, 200);
  assert.equal(again.json.conversationId, roomId);
  const byAdmin = await w.admin.post(`/api/v1/alerts/${w.alertId}/war-room`);
  assert.deepEqual([byAdmin.status, byAdmin.json.conversationId], [200, roomId]);
  assert.equal((await w.admin.get(`/api/v1/conversations/${roomId}`)).status, 200);

  // Someone outside the team can neither open it nor see the room.
  const outsider = await w.zed.client.post(`/api/v1/alerts/${w.alertId}/war-room`);
  assert.equal(outsider.status, 404);
  assert.equal(outsider.json.error.code, "not_found");
  assert.equal((await w.zed.client.get(`/api/v1/conversations/${roomId}`)).status, 404);
  const after = (await w.ann.client.get(`/api/v1/alerts/${w.alertId}`)).json.timeline;
  assert.equal(after.filter((e: { kind: string }) => e.kind === "war_room").length, 1);
});

Deno.test("war room - concurrent clicks, in this process and another on the same store, make one room", async () => {
  await using srv = await startServer();
  const w = await world(srv);
  const other = createCore(srv.kv, srv.config);
  try {
    const ann = (await srv.kv.get<User>(["users", w.ann.user.id])).value!;
    const results = await Promise.all([
      w.ann.client.post(`/api/v1/alerts/${w.alertId}/war-room`).then((r) => r.json),
      w.ben.client.post(`/api/v1/alerts/${w.alertId}/war-room`).then((r) => r.json),
      w.olga.client.post(`/api/v1/alerts/${w.alertId}/war-room`).then((r) => r.json),
      openWarRoom(other, ann, w.alertId),
      openWarRoom(other, ann, w.alertId),
    ]);
    const ids = new Set(results.map((r) => r.conversationId));
    assert.equal(ids.size, 1, JSON.stringify(results));
    assert.equal(results.filter((r) => r.created).length, 1);
    const rooms: string[] = [];
    for await (const e of srv.kv.list<{ alertId?: string }>({ prefix: ["conversations"] })) {
      if (e.value.alertId === w.alertId) rooms.push(String(e.key[1]));
    }
    assert.deepEqual(rooms, [...ids]);
    const timeline = (await w.ann.client.get(`/api/v1/alerts/${w.alertId}`)).json.timeline;
    assert.equal(timeline.filter((e: { kind: string }) => e.kind === "war_room").length, 1);
  } finally {
    await other.close();
  }
});

Deno.test("war room - resolving posts one summary into the room, also after a restart", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  let roomId = "";
  let alertId = "";
  try {
    {
      await using srv = await startServer({ kvPath: path });
      const w = await world(srv);
      alertId = w.alertId;
      roomId = (await w.ann.client.post(`/api/v1/alerts/${alertId}/war-room`)).json.conversationId;
      assert.equal(
        (await w.ann.client.post(`/api/v1/alerts/${alertId}/notes`, {
          text: "restarted the pod",
        })).status,
        200,
      );
      assert.equal(
        (await w.ben.client.post(`/api/v1/alerts/${alertId}/ack`, { via: "card" })).status,
        200,
      );
      const before = await roomMessages(w.ann.client, roomId);
      assert.equal(before.filter((m) => m.system?.event === "war_room_summary").length, 0);
      const resolved = await w.olga.client.post(`/api/v1/alerts/${alertId}/resolve`, {
        note: "grew the volume",
      });
      assert.equal(resolved.status, 200);
      const again = await w.ann.client.post(`/api/v1/alerts/${alertId}/resolve`);
      assert.equal(again.status, 409);
      const sums = (await roomMessages(w.ann.client, roomId)).filter((m) =>
        m.system?.event === "war_room_summary"
      );
      assert.equal(sums.length, 1);
      const s = sums[0].system!.summary!;
      assert.equal(s.acknowledgedBy, w.ben.user.id);
      assert.equal(s.resolvedBy, w.olga.user.id);
      assert.ok(s.acknowledgedAt! >= s.createdAt && s.resolvedAt >= s.acknowledgedAt!);
      assert.deepEqual(s.notes.map((n) => [n.by, n.text]), [
        [w.ann.user.id, "restarted the pod"],
        [w.olga.user.id, "grew the volume"],
      ]);
      const text = (sums[0] as unknown as { text: string }).text;
      assert.match(text, /Acknowledged by Ben/);
      assert.match(text, /Resolved by Olga/);
    }
    // A restart on the same store: the summary was part of the resolve, nothing posts it again.
    await using srv = await startServer({ kvPath: path });
    await srv.core.timers.sweep();
    const msgs: Msg[] = [];
    for await (const e of srv.kv.list<Msg>({ prefix: ["messages", roomId] })) msgs.push(e.value);
    assert.equal(msgs.filter((m) => m.system?.event === "war_room_summary").length, 1);
    assert.equal(msgs.filter((m) => m.kind === "alert" && m.alertId === alertId).length, 1);
  } finally {
    await Deno.remove(path).catch(() => {});
    for (const x of ["-shm", "-wal"]) await Deno.remove(path + x).catch(() => {});
  }
});

Deno.test("war room - the pinned card is live for a member who is not in the team's conversation", async () => {
  await using srv = await startServer();
  const w = await world(srv);
  const roomId =
    (await w.ann.client.post(`/api/v1/alerts/${w.alertId}/war-room`)).json.conversationId;
  // Ben left the team's alert conversation: only the room brings him the alert's changes.
  const teamConv = (await w.admin.get(`/api/v1/teams/${w.team.id}`)).json.team.conversationId;
  const ben = (await srv.kv.get<User>(["users", w.ben.user.id])).value!;
  await leaveConversation(srv.core, ben, teamConv);
  const ws = await connect(w.ben.client);
  try {
    assert.equal((await w.ann.client.post(`/api/v1/alerts/${w.alertId}/ack`)).status, 200);
    await ws.until(
      (fs) =>
        fs.some((f) =>
          f.type === "alert" && f.alert.id === w.alertId && f.alert.status === "acknowledged"
        ),
      5000,
      "the acknowledged alert in the room",
    );
    assert.equal((await w.olga.client.post(`/api/v1/alerts/${w.alertId}/resolve`)).status, 200);
    await ws.until(
      (fs) =>
        fs.some((f) =>
          f.type === "message" && f.message.conversationId === roomId &&
          f.message.system?.event === "war_room_summary"
        ),
      5000,
      "the summary in the room",
    );
  } finally {
    ws.close();
  }
});

Deno.test("war room - a resolve from the source posts the summary once", async () => {
  await using srv = await startServer();
  const { client: admin, user: adminUser } = await adminClient(srv);
  const ann = await userClient(srv, "Ann");
  const team = (await admin.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [ann.user.id],
    adminIds: [adminUser.id],
  })).json.team;
  const hook = (await admin.post("/api/v1/integrations", {
    name: "pd",
    type: "events",
    teamId: team.id,
  })).json;
  const send = async (event_action: string) => {
    const r = await fetch(`${srv.url}/hooks/${hook.integration.id}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        routing_key: hook.token,
        event_action,
        dedup_key: "db-2-disk",
        payload: { summary: "Disk 95% on db-2", source: "db-2", severity: "critical" },
      }),
    });
    assert.equal(r.status, 202);
    await r.body?.cancel();
  };
  await send("trigger");
  const [alert] = (await ann.client.get("/api/v1/alerts")).json.items;
  const roomId = (await ann.client.post(`/api/v1/alerts/${alert.id}/war-room`)).json.conversationId;
  await send("resolve");
  await send("resolve");
  const sums = (await roomMessages(ann.client, roomId)).filter((m) =>
    m.system?.event === "war_room_summary"
  );
  assert.equal(sums.length, 1);
  assert.equal(sums[0].system!.summary!.resolvedBy, null);
  assert.equal(sums[0].system!.summary!.acknowledgedAt, null);
});
