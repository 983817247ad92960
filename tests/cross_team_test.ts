/**
 * A team's alert stays inside the team: escalation policies may target only the team's members,
 * its schedules and itself (400 otherwise), and paging skips, and records, targets that no
 * longer belong (someone who left, an on-call who left, another team in a policy stored before
 * the check). Automation notify actions likewise.
 */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { keys } from "../lib/core/keys.ts";
import type { EscalationPolicy } from "../lib/paging/policies.ts";
import { adminClient, type Client, startServer, type TestServer, userClient } from "./_helpers.ts";

const MIN = 60_000;

interface Entry {
  kind: string;
  via: string;
  detail?: {
    userIds?: string[];
    reminder?: number;
    skippedTargets?: { type: string; id: string; reason: string }[];
  };
}

async function world(clock: ManualClock) {
  const srv = await startServer({ clock, config: { timerSweepMs: 0 } });
  const { client: admin, user: adminUser } = await adminClient(srv);
  const ann = await userClient(srv, "Ann");
  const leaver = await userClient(srv, "Lea");
  const bob = await userClient(srv, "Bob");
  const teamA = (await admin.post("/api/v1/teams", {
    name: "A",
    memberIds: [ann.user.id, leaver.user.id],
    adminIds: [adminUser.id],
  })).json.team;
  const teamB = (await admin.post("/api/v1/teams", {
    name: "B",
    memberIds: [bob.user.id],
  })).json.team;
  const created =
    (await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: teamA.id }))
      .json;
  const fire = async (text: string) => {
    const r = await fetch(`${srv.url}/hooks/${created.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${created.token}`, priority: "high" },
      body: text,
    });
    assert.equal(r.status, 202);
    return (await r.json()).alerts[0].alertId as string;
  };
  const schedule = async (teamId: string, userId: string) => {
    const r = await admin.post("/api/v1/schedules", {
      name: "s",
      teamId,
      timeZone: "UTC",
      layers: [{
        name: "l",
        participants: [userId],
        rotation: "weekly",
        handoff: "09:00",
        startDate: "2020-01-06",
      }],
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    return r.json.schedule.id as string;
  };
  return { srv, admin, adminUser, ann, leaver, bob, teamA, teamB, fire, schedule };
}

async function timeline(c: Client, id: string): Promise<Entry[]> {
  return (await c.get(`/api/v1/alerts/${id}`)).json.timeline;
}

async function usePolicy(admin: Client, teamId: string, levels: unknown) {
  const p = await admin.post("/api/v1/escalation-policies", { name: "p", teamId, levels });
  assert.equal(p.status, 201, JSON.stringify(p.json));
  await admin.request("PUT", `/api/v1/teams/${teamId}/escalation-policy`, {
    policyId: p.json.policy.id,
  });
  return p.json.policy.id as string;
}

async function advance(srv: TestServer, clock: ManualClock, ms: number) {
  clock.advance(ms);
  await srv.core.timers.sweep();
}

Deno.test("cross-team - a policy may not target another team's users, schedules or team (400)", async () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 3, 15, 0));
  const w = await world(clock);
  await using _srv = w.srv;
  const bSchedule = await w.schedule(w.teamB.id, w.bob.user.id);
  for (
    const [target, want] of [
      [{ type: "user", id: w.bob.user.id }, /must be a member of the policy's team/],
      [{ type: "schedule", id: bSchedule }, /must be a schedule of the policy's team/],
      [{ type: "team", id: w.teamB.id }, /must be the policy's own team/],
    ] as const
  ) {
    const r = await w.admin.post("/api/v1/escalation-policies", {
      name: "leaky",
      teamId: w.teamA.id,
      levels: [{ delayMinutes: 5, targets: [{ type: "user", id: w.ann.user.id }, target] }],
    });
    assert.equal(r.status, 400, `${target.type}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json.error.code, "invalid_input");
    assert.match(r.json.error.message, want);
  }
  const aSchedule = await w.schedule(w.teamA.id, w.ann.user.id);
  const ok = await w.admin.post("/api/v1/escalation-policies", {
    name: "own",
    teamId: w.teamA.id,
    levels: [{
      delayMinutes: 5,
      targets: [
        { type: "user", id: w.ann.user.id },
        { type: "schedule", id: aSchedule },
        { type: "team", id: w.teamA.id },
      ],
    }],
  });
  assert.equal(ok.status, 201, JSON.stringify(ok.json));
});

Deno.test("cross-team - paging skips, and records, a user who left, an on-call who left, and a stored foreign team", async () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 3, 15, 0));
  const w = await world(clock);
  await using _srv = w.srv;
  const onCallLeaver = await w.schedule(w.teamA.id, w.leaver.user.id);
  const policyId = await usePolicy(w.admin, w.teamA.id, [
    {
      delayMinutes: 5,
      targets: [{ type: "user", id: w.ann.user.id }, { type: "user", id: w.leaver.user.id }],
    },
    { delayMinutes: 5, targets: [{ type: "schedule", id: onCallLeaver }] },
    { delayMinutes: 5, targets: [{ type: "team", id: w.teamA.id }] },
  ]);
  // A policy stored before targets were checked may name team B: written as it would have been.
  const entry = await w.srv.kv.get<EscalationPolicy>(keys.escalationPolicy(policyId));
  const stored = structuredClone(entry.value!);
  stored.levels[2].targets.push({ type: "team", id: w.teamB.id });
  await w.srv.kv.set(entry.key, stored);
  // Lea leaves team A.
  const left = await w.admin.delete(`/api/v1/teams/${w.teamA.id}/members/${w.leaver.user.id}`);
  assert.equal(left.status, 200, JSON.stringify(left.json));

  const id = await w.fire("checkout errors");
  await advance(w.srv, clock, 5 * MIN);
  await advance(w.srv, clock, 5 * MIN);
  // Paging steps (reminders aside).
  const steps = (await timeline(w.admin, id)).filter((e) =>
    (e.kind === "notified" || e.kind === "escalated") && e.detail?.reminder === undefined
  );
  assert.equal(steps.length, 3, JSON.stringify(steps));
  const [l0, l1, l2] = steps;
  assert.deepEqual(l0.detail?.userIds, [w.ann.user.id]);
  assert.deepEqual(l0.detail?.skippedTargets, [
    { type: "user", id: w.leaver.user.id, reason: "not_member" },
  ]);
  assert.deepEqual(l1.detail?.userIds, []);
  assert.deepEqual(l1.detail?.skippedTargets, [
    { type: "user", id: w.leaver.user.id, reason: "not_member" },
  ]);
  assert.deepEqual(
    [...l2.detail!.userIds!].sort(),
    [w.ann.user.id, w.adminUser.id].sort(),
    "team A's members, not team B's",
  );
  assert.deepEqual(l2.detail?.skippedTargets, [
    { type: "team", id: w.teamB.id, reason: "other_team" },
  ]);
  // Neither Lea nor Bob can see the alert, and nothing was delivered to them.
  for (const c of [w.leaver.client, w.bob.client]) {
    assert.equal((await c.get(`/api/v1/alerts/${id}`)).status, 404);
    assert.deepEqual((await c.get("/api/v1/me/deliveries")).json.items, []);
  }
});

Deno.test("cross-team - an automation notify of a user who left the team is skipped and recorded", async () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 3, 15, 0));
  const w = await world(clock);
  await using _srv = w.srv;
  const outsider = await w.admin.post("/api/v1/automation-rules", {
    name: "outside",
    teamId: w.teamA.id,
    when: { firedAtLeast: { count: 2, withinMinutes: 10 } },
    actions: [{ type: "notify", userId: w.bob.user.id }],
  });
  assert.equal(outsider.status, 400, "checked at creation");
  const rule = await w.admin.post("/api/v1/automation-rules", {
    name: "flap",
    teamId: w.teamA.id,
    when: { firedAtLeast: { count: 2, withinMinutes: 10 } },
    actions: [{ type: "notify", userId: w.leaver.user.id }],
  });
  assert.equal(rule.status, 201, JSON.stringify(rule.json));
  await w.admin.delete(`/api/v1/teams/${w.teamA.id}/members/${w.leaver.user.id}`);
  const id = await w.fire("disk full");
  await w.fire("disk full");
  const t = await timeline(w.admin, id);
  assert.equal(t.filter((e) => e.kind === "notified" && e.via === "automation").length, 0);
  assert.ok(
    t.some((e) =>
      e.kind === "automation" &&
      e.detail?.skippedTargets?.[0]?.id === w.leaver.user.id
    ),
    JSON.stringify(t),
  );
});
