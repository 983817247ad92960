import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { adminClient, startServer, userClient } from "./_helpers.ts";

Deno.test("routing - rules pick policy, priority and conversation; a dry run shows who is notified when", async () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 3, 15, 0));
  await using srv = await startServer({ clock, config: { timerSweepMs: 0 } });
  const { client: admin, user: adminUser } = await adminClient(srv);
  const ann = await userClient(srv, "Ann");
  const ben = await userClient(srv, "Ben");
  const team = (await admin.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [ann.user.id, ben.user.id],
    adminIds: [adminUser.id],
  })).json.team;
  const hook = (await admin.post("/api/v1/integrations", {
    name: "am",
    type: "alertmanager",
    teamId: team.id,
  })).json;
  const teamConv = (await admin.get(`/api/v1/teams/${team.id}`)).json.team.conversationId;
  const dbRoom = (await admin.post("/api/v1/conversations", {
    kind: "group",
    title: "db-oncall",
    memberIds: [ben.user.id],
  })).json.conversation.id;
  const policy = (await admin.post("/api/v1/escalation-policies", {
    name: "db",
    teamId: team.id,
    levels: [
      { delayMinutes: 5, targets: [{ type: "user", id: ben.user.id }] },
      { delayMinutes: 10, targets: [{ type: "user", id: ann.user.id }] },
    ],
  })).json.policy;
  const routes = [
    {
      name: "databases",
      matchers: [{ field: "label", label: "service", op: "=~", value: "postgres|mysql" }],
      policyId: policy.id,
      priority: "urgent",
      conversationId: dbRoom,
    },
    {
      name: "staging is quiet",
      matchers: [{ field: "label", label: "env", op: "=", value: "staging" }],
      priority: "low",
    },
  ];
  assert.equal(
    (await ann.client.request("PUT", `/api/v1/teams/${team.id}/routing`, { routes })).status,
    403,
  );
  const badRegex = await admin.request("PUT", `/api/v1/teams/${team.id}/routing`, {
    routes: [{ name: "x", matchers: [{ field: "title", op: "=~", value: "([" }] }],
  });
  assert.equal(badRegex.status, 400);
  assert.equal(
    (await admin.request("PUT", `/api/v1/teams/${team.id}/routing`, { routes })).status,
    200,
  );

  const payload = (labels: Record<string, string>) =>
    JSON.stringify({
      receiver: "tocsin",
      status: "firing",
      alerts: [{
        status: "firing",
        labels: { alertname: "Down", ...labels },
        annotations: {},
        startsAt: "2026-11-03T15:00:00Z",
        endsAt: "0001-01-01T00:00:00Z",
        fingerprint: JSON.stringify(labels),
      }],
      groupLabels: { alertname: "Down", ...labels },
      commonLabels: { alertname: "Down", ...labels },
      commonAnnotations: {},
      externalURL: "",
      version: "4",
      groupKey: JSON.stringify(labels),
    });
  const post = async (labels: Record<string, string>) => {
    const r = await fetch(`${srv.url}/hooks/${hook.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${hook.token}` },
      body: payload(labels),
    });
    assert.equal(r.status, 202);
    return (await r.json()).alerts[0].alertId as string;
  };
  const db =
    (await admin.get(`/api/v1/alerts/${await post({ service: "postgres", severity: "warning" })}`))
      .json;
  assert.equal(db.alert.conversationId, dbRoom, "the card went to the route's conversation");
  assert.equal(db.alert.priority, "urgent", "the route's priority wins over severity");
  assert.equal(db.alert.paging.policyId, policy.id);
  // Who was paged is on the timeline (the alert itself carries no user lists: lib/alert_people.ts).
  assert.deepEqual(
    db.timeline.find((e: { kind: string }) => e.kind === "notified").detail.userIds,
    [ben.user.id],
  );
  assert.equal(
    db.timeline.find((e: { kind: string }) => e.kind === "routed").detail.route,
    "databases",
  );
  const staging =
    (await admin.get(`/api/v1/alerts/${await post({ env: "staging", severity: "critical" })}`))
      .json;
  assert.equal(staging.alert.priority, "low");
  assert.equal(staging.alert.conversationId, teamConv);
  const other =
    (await admin.get(`/api/v1/alerts/${await post({ service: "web", severity: "critical" })}`))
      .json;
  assert.equal(
    other.timeline.find((e: { kind: string }) => e.kind === "routed").detail.route,
    "default",
  );
  assert.equal(other.alert.priority, "urgent");
  assert.equal(other.alert.conversationId, teamConv);

  // Dry run (members may ask): which route, and who is notified on which step and when.
  const dry = await ann.client.post(`/api/v1/teams/${team.id}/routing/dry-run`, {
    integrationId: hook.integration.id,
    body: payload({ service: "mysql" }),
    at: "2026-11-03T15:00:00Z",
  });
  assert.equal(dry.status, 200, JSON.stringify(dry.json));
  const r0 = dry.json.results[0];
  assert.equal(r0.decision.route, "databases");
  const steps = r0.plan.map((s: { at: string; kind: string; names: string[] }) =>
    `${s.at} ${s.kind} ${s.names.join(",")}`
  );
  assert.deepEqual(steps.filter((s: string) => !s.includes("reminder")), [
    "2026-11-03T15:00:00.000Z notify Ben",
    "2026-11-03T15:05:00.000Z escalate Ann",
  ]);
  assert.ok(
    steps.some((s: string) => s.startsWith("2026-11-03T15:02:00.000Z reminder")),
    "urgent reminders every 2 min",
  );
  const badBody = await ann.client.post(`/api/v1/teams/${team.id}/routing/dry-run`, {
    integrationId: hook.integration.id,
    body: "{nope",
  });
  assert.equal(badBody.status, 400);
});

Deno.test("routing - least-busy assignment picks the first-level responder with the fewest open alerts", async () => {
  await using srv = await startServer();
  const { client: admin, user: adminUser } = await adminClient(srv);
  const ann = await userClient(srv, "Ann");
  const ben = await userClient(srv, "Ben");
  const team = (await admin.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [ann.user.id, ben.user.id],
    adminIds: [adminUser.id],
  })).json.team;
  const hook =
    (await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id })).json;
  const policy = (await admin.post("/api/v1/escalation-policies", {
    name: "pair",
    teamId: team.id,
    levels: [{
      delayMinutes: 5,
      targets: [{ type: "user", id: ann.user.id }, { type: "user", id: ben.user.id }],
    }],
  })).json.policy;
  await admin.request("PUT", `/api/v1/teams/${team.id}/routing`, {
    routes: [{ name: "all", matchers: [], policyId: policy.id, assign: "least-busy" }],
  });
  const fire = async (text: string) => {
    const r = await fetch(`${srv.url}/hooks/${hook.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${hook.token}` },
      body: text,
    });
    return (await r.json()).alerts[0].alertId as string;
  };
  const owners: string[] = [];
  for (let i = 0; i < 4; i++) {
    owners.push(
      (await admin.get(`/api/v1/alerts/${await fire(`load ${i}`)}`)).json.alert.assigneeId,
    );
  }
  assert.deepEqual(owners.map((o) => o === ann.user.id ? "ann" : "ben"), [
    "ann",
    "ben",
    "ann",
    "ben",
  ]);
  // Ann resolves hers: the next goes to Ann again.
  const mine = (await ann.client.get("/api/v1/alerts?assignee=me&status=open")).json.items;
  for (const a of mine) await ann.client.post(`/api/v1/alerts/${a.id}/resolve`);
  const next = (await admin.get(`/api/v1/alerts/${await fire("load 5")}`)).json;
  assert.equal(next.alert.assigneeId, ann.user.id);
  assert.ok(
    next.timeline.some((e: { kind: string; via: string }) =>
      e.kind === "assigned" && e.via === "routing"
    ),
  );
});
