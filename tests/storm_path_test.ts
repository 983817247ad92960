/**
 * The storm path: a new alert's card carries the alert in one frame (to those who may see it),
 * and the per-process copy of a team's members and reachable channels (lib/notify/reach.ts)
 * follows the commits that change them.
 */
import assert from "node:assert/strict";
import type { ServerFrame } from "../lib/protocol.ts";
import {
  addVerifiedContact,
  adminClient,
  type Client,
  connect,
  sleep,
  startServer,
  userClient,
} from "./_helpers.ts";

type Srv = Awaited<ReturnType<typeof startServer>>;

async function hookOf(admin: Client, teamId: string) {
  return (await admin.post("/api/v1/integrations", {
    name: "am",
    type: "alertmanager",
    teamId,
  })).json as { integration: { id: string }; token: string };
}

async function fire(srv: Srv, hook: { integration: { id: string }; token: string }, key: string) {
  const labels = { alertname: key, service: "db" };
  const r = await fetch(`${srv.url}/hooks/${hook.integration.id}`, {
    method: "POST",
    headers: { authorization: `Bearer ${hook.token}` },
    body: JSON.stringify({
      receiver: "tocsin",
      status: "firing",
      alerts: [{
        status: "firing",
        labels,
        annotations: {},
        startsAt: "2026-01-01T00:00:00Z",
        endsAt: "0001-01-01T00:00:00Z",
        fingerprint: key,
      }],
      groupLabels: {},
      commonLabels: labels,
      commonAnnotations: {},
      externalURL: "",
      version: "4",
      groupKey: key,
    }),
  });
  assert.equal(r.status, 202);
  return (await r.json()).alerts[0].alertId as string;
}

const cardOf = (frames: ServerFrame[], alertId: string) =>
  frames.find((f) => f.type === "message" && f.message.alertId === alertId) as
    | Extract<ServerFrame, { type: "message" }>
    | undefined;

Deno.test("storm path - a new alert's card brings the alert in the same frame to team members only", async () => {
  await using srv = await startServer();
  const { client: admin, user: adminUser } = await adminClient(srv);
  const ann = await userClient(srv, "Ann");
  const otto = await userClient(srv, "Otto");
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
  assert.equal(put.status, 200);
  const hook = await hookOf(admin, team.id);
  const annWs = await connect(ann.client);
  const ottoWs = await connect(otto.client);
  try {
    await sleep(200);
    for (const key of ["first", "second"]) {
      const id = await fire(srv, hook, key);
      await annWs.until((f) => !!cardOf(f, id), 5000, `ann's card ${key}`);
      await ottoWs.until((f) => !!cardOf(f, id), 5000, `otto's card ${key}`);
      const card = cardOf(annWs.frames, id)!;
      assert.equal(card.alert?.id, id, "the member's card frame holds the alert");
      assert.equal(card.alert?.status, "triggered");
      assert.equal(cardOf(ottoWs.frames, id)!.alert, undefined, "the outsider's does not");
    }
    assert.equal(annWs.frames.filter((f) => f.type === "alert").length, 0, "no second frame");
  } finally {
    annWs.close();
    ottoWs.close();
  }
});

type Entry = { kind: string; detail?: { userIds?: string[]; unreachable?: string[] } };

Deno.test("storm path - the cached team reach follows member and contact changes at the next alert", async () => {
  await using srv = await startServer();
  const { client: admin, user: adminUser } = await adminClient(srv);
  const ann = await userClient(srv, "Ann");
  const bob = await userClient(srv, "Bob");
  const team = (await admin.post("/api/v1/teams", {
    name: "Ops",
    memberIds: [ann.user.id],
    adminIds: [adminUser.id],
  })).json.team;
  const hook = await hookOf(admin, team.id);
  const notified = async (id: string) => {
    const t = (await admin.get(`/api/v1/alerts/${id}`)).json.timeline as Entry[];
    return t.find((e) => e.kind === "notified")!.detail!;
  };

  // The first alert reads the team and caches it.
  const a1 = await fire(srv, hook, "one");
  const d1 = await notified(a1);
  assert.ok(d1.userIds!.includes(ann.user.id));
  assert.equal(d1.userIds!.includes(bob.user.id), false);
  assert.ok(d1.unreachable!.includes(ann.user.id), "ann has no verified contact yet");

  // Bob joins, Ann verifies a contact: both commits bump the reach version.
  assert.equal(
    (await admin.post(`/api/v1/teams/${team.id}/members`, { userIds: [bob.user.id] })).status,
    200,
  );
  await addVerifiedContact(srv, ann.user, "email", "ann@example.com");
  const a2 = await fire(srv, hook, "two");
  const d2 = await notified(a2);
  assert.ok(d2.userIds!.includes(bob.user.id), "the new member is paged by the next alert");
  assert.equal(d2.unreachable!.includes(ann.user.id), false, "ann's new contact is seen");

  // Bob leaves: the next alert no longer pages him.
  assert.equal(
    (await admin.request("DELETE", `/api/v1/teams/${team.id}/members/${bob.user.id}`)).status,
    200,
  );
  const d3 = await notified(await fire(srv, hook, "three"));
  assert.equal(d3.userIds!.includes(bob.user.id), false, "a removed member is not paged");
});
