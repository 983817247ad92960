import assert from "node:assert/strict";
import { adminClient, startServer, userClient } from "./_helpers.ts";

interface Entry {
  kind: string;
  by: string | null;
  via: string;
  detail?: { userId?: string | null };
}

async function world() {
  const srv = await startServer();
  const { client: admin, user: adminUser } = await adminClient(srv);
  const ann = await userClient(srv, "Ann");
  const ben = await userClient(srv, "Ben");
  const team = (await admin.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [ann.user.id, ben.user.id],
    adminIds: [adminUser.id],
  })).json.team;
  const policy = await admin.post("/api/v1/escalation-policies", {
    name: "standard",
    teamId: team.id,
    levels: [
      { delayMinutes: 5, targets: [{ type: "user", id: ann.user.id }] },
      { delayMinutes: 10, targets: [{ type: "user", id: ben.user.id }] },
    ],
  });
  assert.equal(policy.status, 201, JSON.stringify(policy.json));
  const put = await admin.request("PUT", `/api/v1/teams/${team.id}/escalation-policy`, {
    policyId: policy.json.policy.id,
  });
  assert.equal(put.status, 200);
  const created =
    (await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id })).json;
  const fire = async (text: string) => {
    const r = await fetch(`${srv.url}/hooks/${created.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${created.token}` },
      body: text,
    });
    assert.equal(r.status, 202);
    return (await r.json()).alerts[0].alertId as string;
  };
  return { srv, ann, ben, fire };
}

Deno.test("alerts - Escalate now is credited to the person who clicked, with where from", async () => {
  const w = await world();
  await using _srv = w.srv;
  const id = await w.fire("disk full on db-1");
  const fromCard = await w.ann.client.post(`/api/v1/alerts/${id}/escalate`, { via: "card" });
  assert.equal(fromCard.status, 200, JSON.stringify(fromCard.json));
  const fromApi = await w.ben.client.request("POST", `/api/v1/alerts/${id}/escalate`);
  assert.equal(fromApi.status, 200, JSON.stringify(fromApi.json));
  const timeline: Entry[] = (await w.ann.client.get(`/api/v1/alerts/${id}`)).json.timeline;
  const escalated = timeline.filter((e) => e.kind === "escalated");
  assert.equal(escalated.length, 2);
  assert.deepEqual(escalated.map((e) => [e.by, e.via]), [
    [w.ann.user.id, "card"],
    [w.ben.user.id, "api"],
  ]);
  const bad = await w.ann.client.post(`/api/v1/alerts/${id}/escalate`, { via: "in-app" });
  assert.equal(bad.status, 400);
});

Deno.test("alerts - an assignment from the card says card, and names the assignee", async () => {
  const w = await world();
  await using _srv = w.srv;
  const id = await w.fire("cpu high on web-2");
  const r = await w.ann.client.post(`/api/v1/alerts/${id}/assign`, {
    userId: w.ann.user.id,
    via: "card",
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const byApi = await w.ann.client.post(`/api/v1/alerts/${id}/assign`, { userId: w.ben.user.id });
  assert.equal(byApi.status, 200);
  const timeline: Entry[] = (await w.ann.client.get(`/api/v1/alerts/${id}`)).json.timeline;
  const assigned = timeline.filter((e) => e.kind === "assigned");
  assert.deepEqual(assigned.map((e) => [e.by, e.via, e.detail?.userId]), [
    [w.ann.user.id, "card", w.ann.user.id],
    [w.ann.user.id, "api", w.ben.user.id],
  ]);
});
