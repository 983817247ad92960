import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { timersOf } from "../lib/jobs/timers.ts";
import { adminClient, startServer, type TestServer, userClient } from "./_helpers.ts";

const MIN = 60_000;

async function advance(srv: TestServer, clock: ManualClock, ms: number) {
  clock.advance(ms);
  await srv.core.timers.sweep();
}

Deno.test("overdue - an open alert past its assignee's deadline reminds them, then escalates along the policy", async () => {
  const clock = new ManualClock();
  await using srv = await startServer({
    clock,
    config: { timerSweepMs: 0, overdueEscalateMinutes: 15 },
  });
  const { client: admin, user: adminUser } = await adminClient(srv);
  const a = await userClient(srv, "Ann");
  const b = await userClient(srv, "Ben");
  const team = (await admin.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [a.user.id, b.user.id],
    adminIds: [adminUser.id],
  })).json.team;
  const policy = (await admin.post("/api/v1/escalation-policies", {
    name: "p",
    teamId: team.id,
    levels: [
      { delayMinutes: 600, targets: [{ type: "user", id: a.user.id }] },
      { delayMinutes: 600, targets: [{ type: "user", id: b.user.id }] },
    ],
  })).json.policy;
  await admin.request("PUT", `/api/v1/teams/${team.id}/escalation-policy`, {
    policyId: policy.id,
  });
  const hook =
    (await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id })).json;
  const r = await fetch(`${srv.url}/hooks/${hook.integration.id}`, {
    method: "POST",
    headers: { authorization: `Bearer ${hook.token}`, priority: "low", title: "rotate certs" },
    body: "rotate certs",
  });
  const id = (await r.json()).alerts[0].alertId;
  // Ann takes it, acknowledges, and promises it within the hour.
  const due = clock.now() + 60 * MIN;
  const assign = await a.client.post(`/api/v1/alerts/${id}/assign`, {
    userId: a.user.id,
    dueAt: new Date(due).toISOString(),
  });
  assert.equal(assign.status, 200, JSON.stringify(assign.json));
  assert.equal(assign.json.alert.dueAt, due);
  assert.equal((await a.client.post(`/api/v1/alerts/${id}/ack`)).status, 200);
  assert.equal(
    (await timersOf(srv.kv, id)).filter((t) => t.value.kind === "overdue").length,
    1,
    "acknowledging keeps the deadline: the task is still open",
  );
  const conv = (await admin.get(`/api/v1/teams/${team.id}`)).json.team.conversationId;
  const systems = async () =>
    ((await admin.get(`/api/v1/conversations/${conv}/messages?after=0`)).json.items as {
      system?: { event: string; userIds?: string[] };
    }[]).flatMap((m) => m.system ? [m.system] : []);
  const timeline = async () => ((await admin.get(`/api/v1/alerts/${id}`)).json.timeline as {
    kind: string;
    detail?: { userIds?: string[]; overdue?: boolean; level?: number };
  }[]);

  await advance(srv, clock, 59 * MIN);
  assert.equal((await timeline()).filter((e) => e.kind === "overdue").length, 0);
  await advance(srv, clock, 1 * MIN);
  assert.equal((await timeline()).filter((e) => e.kind === "overdue").length, 1);
  const reminder = (await systems()).filter((s) => s.event === "reminder").at(-1);
  assert.deepEqual(reminder?.userIds, [a.user.id], "the assignee is reminded");
  await advance(srv, clock, 14 * MIN);
  assert.equal((await timeline()).filter((e) => e.kind === "escalated").length, 0);
  await advance(srv, clock, 1 * MIN);
  const esc = (await timeline()).filter((e) => e.kind === "escalated");
  assert.equal(esc.length, 1);
  assert.equal(esc[0].detail?.overdue, true);
  assert.equal(esc[0].detail?.level, 1);
  assert.deepEqual(esc[0].detail?.userIds, [b.user.id], "the next level of the policy");
  assert.deepEqual(
    (await systems()).filter((s) => s.event === "escalated").at(-1)?.userIds,
    [b.user.id],
  );
});

Deno.test("overdue - resolving before the deadline or moving it means no reminder", async () => {
  const clock = new ManualClock();
  await using srv = await startServer({ clock, config: { timerSweepMs: 0 } });
  const { client: admin, user: adminUser } = await adminClient(srv);
  const team = (await admin.post("/api/v1/teams", { name: "SRE", adminIds: [adminUser.id] }))
    .json.team;
  const hook =
    (await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id })).json;
  const open = async (title: string) => {
    const r = await fetch(`${srv.url}/hooks/${hook.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${hook.token}`, priority: "low", title },
      body: title,
    });
    return (await r.json()).alerts[0].alertId as string;
  };
  const x = await open("x");
  const y = await open("y");
  for (const id of [x, y]) {
    await admin.post(`/api/v1/alerts/${id}/assign`, {
      userId: adminUser.id,
      dueAt: clock.now() + 10 * MIN,
    });
  }
  await admin.post(`/api/v1/alerts/${x}/resolve`);
  await admin.post(`/api/v1/alerts/${y}/assign`, {
    userId: adminUser.id,
    dueAt: clock.now() + 100 * MIN,
  });
  await advance(srv, clock, 30 * MIN);
  for (const id of [x, y]) {
    const t = (await admin.get(`/api/v1/alerts/${id}`)).json.timeline as { kind: string }[];
    assert.equal(t.filter((e) => e.kind === "overdue").length, 0, id);
  }
  assert.equal((await timersOf(srv.kv, y)).filter((t) => t.value.kind === "overdue").length, 1);
});
