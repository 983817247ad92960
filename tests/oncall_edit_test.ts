/**
 * Editing and deleting schedules, overrides and escalation policies through
 * the API; refusing to delete what is still in use; the policy preview and
 * "on call now".
 */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { adminClient, startServer, userClient } from "./_helpers.ts";

// Thursday 2026-01-01 12:00 UTC.
const T0 = Date.UTC(2026, 0, 1, 12);
const MIN = 60_000;

async function world() {
  const clock = new ManualClock(T0);
  const srv = await startServer({ clock, config: { timerSweepMs: 0 } });
  const { client: admin, user: adminUser } = await adminClient(srv);
  const lead = await userClient(srv, "Lead");
  const ann = await userClient(srv, "Ann");
  const ben = await userClient(srv, "Ben");
  const team = (await admin.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [ann.user.id, ben.user.id],
    adminIds: [adminUser.id, lead.user.id],
  })).json.team;
  const other = (await admin.post("/api/v1/teams", { name: "DBA", memberIds: [] })).json.team;
  const weekly = (participants: string[]) => ({
    name: "Primary",
    timeZone: "UTC",
    layers: [{
      name: "Week",
      participants,
      rotation: "weekly",
      handoff: "09:00",
      startDate: "2026-01-01",
    }],
  });
  const r = await lead.client.post("/api/v1/schedules", {
    ...weekly([ann.user.id, ben.user.id]),
    teamId: team.id,
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return { srv, clock, admin, lead, ann, ben, team, other, weekly, schedule: r.json.schedule };
}

Deno.test("oncall edit - a team admin edits a schedule: new order, name and zone; a member may not", async () => {
  const w = await world();
  await using _ = w.srv;
  const path = `/api/v1/schedules/${w.schedule.id}`;
  assert.equal(
    (await w.ann.client.get(`${path}/oncall`)).json.oncall.userId,
    w.ann.user.id,
  );
  const denied = await w.ann.client.request("PUT", path, w.weekly([w.ben.user.id]));
  assert.equal(denied.status, 403);
  assert.equal(denied.json.error.code, "forbidden");

  const body = { ...w.weekly([w.ben.user.id, w.ann.user.id]), name: "Primary EU" };
  body.timeZone = "Europe/Berlin";
  const r = await w.lead.client.request("PUT", path, body);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const stored = (await w.ann.client.get(path)).json.schedule;
  assert.equal(stored.name, "Primary EU");
  assert.equal(stored.timeZone, "Europe/Berlin");
  assert.equal(stored.teamId, w.team.id);
  assert.deepEqual(stored.layers[0].participants, [w.ben.user.id, w.ann.user.id]);
  // 12:00 UTC is 13:00 in Berlin, after the 09:00 hand-off: Ben's first week.
  assert.equal((await w.ann.client.get(`${path}/oncall`)).json.oncall.userId, w.ben.user.id);

  // The team cannot be moved, and outsiders to the team cannot be put on call.
  const moved = await w.lead.client.request("PUT", path, { ...body, teamId: w.other.id });
  assert.equal(moved.status, 400);
  const outsider = await userClient(w.srv, "Out");
  const bad = await w.lead.client.request("PUT", path, w.weekly([outsider.user.id]));
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, "invalid_input");
  assert.deepEqual(
    (await w.ann.client.get(path)).json.schedule.layers[0].participants,
    [w.ben.user.id, w.ann.user.id],
  );
  // Restrictions round-trip.
  const restricted = w.weekly([w.ann.user.id]);
  (restricted.layers[0] as Record<string, unknown>).restrict = {
    days: [1, 2, 3, 4, 5],
    from: "09:00",
    to: "18:00",
  };
  assert.equal((await w.lead.client.request("PUT", path, restricted)).status, 200);
  assert.deepEqual((await w.ann.client.get(path)).json.schedule.layers[0].restrict, {
    days: [1, 2, 3, 4, 5],
    from: "09:00",
    to: "18:00",
  });
  assert.equal(
    (await outsider.client.request("PUT", path, restricted)).status,
    404,
    "an outsider learns nothing",
  );
});

Deno.test("oncall edit - overrides: a member removes their own, not another's; a team admin removes any", async () => {
  const w = await world();
  await using _ = w.srv;
  const path = `/api/v1/schedules/${w.schedule.id}`;
  const range = { start: "2026-01-01T10:00:00Z", end: "2026-01-01T14:00:00Z" };
  const mine = (await w.ben.client.post(`${path}/overrides`, { userId: w.ben.user.id, ...range }))
    .json.schedule.overrides.at(-1);
  assert.equal((await w.ann.client.get(`${path}/oncall`)).json.oncall.userId, w.ben.user.id);
  const byLead =
    (await w.lead.client.post(`${path}/overrides`, { userId: w.ann.user.id, ...range }))
      .json.schedule.overrides.at(-1);

  const r1 = await w.ben.client.delete(`${path}/overrides/${byLead.id}`);
  assert.equal(r1.status, 403);
  assert.equal((await w.ben.client.delete(`${path}/overrides/${mine.id}`)).status, 200);
  assert.equal((await w.lead.client.delete(`${path}/overrides/${byLead.id}`)).status, 200);
  assert.deepEqual((await w.ann.client.get(path)).json.schedule.overrides, []);
  const gone = await w.lead.client.delete(`${path}/overrides/${byLead.id}`);
  assert.equal(gone.status, 404);
  assert.equal(gone.json.error.code, "not_found");
});

Deno.test("oncall edit - a schedule a policy pages cannot be deleted: 409 names the policy", async () => {
  const w = await world();
  await using _ = w.srv;
  const policy = (await w.lead.client.post("/api/v1/escalation-policies", {
    name: "Night shift",
    teamId: w.team.id,
    levels: [{ delayMinutes: 5, targets: [{ type: "schedule", id: w.schedule.id }] }],
  })).json.policy;
  const path = `/api/v1/schedules/${w.schedule.id}`;
  assert.equal((await w.ann.client.delete(path)).status, 403);
  const r = await w.lead.client.delete(path);
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, "conflict");
  assert.match(r.json.error.message, /"Night shift"/);
  assert.equal((await w.ann.client.get(path)).status, 200, "still there");

  // Once the policy pages someone else, the schedule goes, with its index entry.
  const put = await w.lead.client.request("PUT", `/api/v1/escalation-policies/${policy.id}`, {
    name: "Night shift",
    levels: [{ delayMinutes: 5, targets: [{ type: "user", id: w.ann.user.id }] }],
  });
  assert.equal(put.status, 200, JSON.stringify(put.json));
  assert.equal((await w.lead.client.delete(path)).status, 200);
  assert.equal((await w.ann.client.get(path)).status, 404);
  assert.deepEqual(
    (await w.ann.client.get(`/api/v1/schedules?teamId=${w.team.id}`)).json.items,
    [],
  );
});

Deno.test("oncall edit - a policy that is the team default or routed to cannot be deleted; edits are checked", async () => {
  const w = await world();
  await using _ = w.srv;
  const create = (name: string) =>
    w.lead.client.post("/api/v1/escalation-policies", {
      name,
      teamId: w.team.id,
      levels: [
        { delayMinutes: 5, targets: [{ type: "schedule", id: w.schedule.id }] },
        { delayMinutes: 10, targets: [{ type: "team", id: w.team.id }] },
      ],
    });
  const p = (await create("Default")).json.policy;
  const path = `/api/v1/escalation-policies/${p.id}`;
  // Another team cannot be a target.
  const foreign = await w.lead.client.request("PUT", path, {
    name: "x",
    levels: [{ delayMinutes: 5, targets: [{ type: "team", id: w.other.id }] }],
  });
  assert.equal(foreign.status, 400);
  assert.equal(
    (await w.ann.client.request("PUT", path, { name: "x", levels: p.levels })).status,
    403,
  );
  const edited = await w.lead.client.request("PUT", path, { ...p, id: undefined });
  assert.equal(edited.status, 400, "unknown fields are refused");
  const ok = await w.lead.client.request("PUT", path, {
    name: "Default v2",
    levels: p.levels,
    repeat: 2,
  });
  assert.equal(ok.status, 200);
  const stored = (await w.ann.client.get(path)).json.policy;
  assert.equal(stored.name, "Default v2");
  assert.equal(stored.repeat, 2);
  assert.equal(stored.teamId, w.team.id);

  await w.lead.client.request("PUT", `/api/v1/teams/${w.team.id}/escalation-policy`, {
    policyId: p.id,
  });
  await w.lead.client.request("PUT", `/api/v1/teams/${w.team.id}/routing`, {
    routes: [{ name: "db alerts", matchers: [], policyId: p.id }],
  });
  const r = await w.lead.client.delete(path);
  assert.equal(r.status, 409);
  assert.match(r.json.error.message, /default/);
  assert.match(r.json.error.message, /"db alerts"/);
  await w.lead.client.request("PUT", `/api/v1/teams/${w.team.id}/escalation-policy`, {
    policyId: null,
  });
  const r2 = await w.lead.client.delete(path);
  assert.equal(r2.status, 409);
  assert.doesNotMatch(r2.json.error.message, /default/);
  await w.lead.client.request("PUT", `/api/v1/teams/${w.team.id}/routing`, { routes: [] });
  assert.equal((await w.ann.client.delete(path)).status, 403);
  assert.equal((await w.lead.client.delete(path)).status, 200);
  assert.equal((await w.ann.client.get(path)).status, 404);
  assert.deepEqual(
    (await w.ann.client.get(`/api/v1/escalation-policies?teamId=${w.team.id}`)).json.items,
    [],
  );
  // A deleted policy cannot become the default.
  const def = await w.lead.client.request("PUT", `/api/v1/teams/${w.team.id}/escalation-policy`, {
    policyId: p.id,
  });
  assert.equal(def.status, 400);
});

Deno.test("oncall edit - preview: who a policy pages when over the next hour, schedules resolved at each step", async () => {
  const w = await world();
  await using _ = w.srv;
  // Hand-off at 12:30 today: the preview at 12:00 sees Ben, then Ann after the hand-off.
  const daily = await w.lead.client.post("/api/v1/schedules", {
    name: "Daily",
    teamId: w.team.id,
    timeZone: "UTC",
    layers: [{
      name: "D",
      participants: [w.ben.user.id, w.ann.user.id],
      rotation: "daily",
      handoff: "12:30",
      startDate: "2025-12-31",
    }],
  });
  const p = (await w.lead.client.post("/api/v1/escalation-policies", {
    name: "P",
    teamId: w.team.id,
    levels: [
      { delayMinutes: 40, targets: [{ type: "schedule", id: daily.json.schedule.id }] },
      { delayMinutes: 5, targets: [{ type: "team", id: w.team.id }] },
    ],
    repeat: 1,
  })).json.policy;
  const r = await w.ann.client.get(`/api/v1/escalation-policies/${p.id}/preview`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const members = (await w.ann.client.get(`/api/v1/teams/${w.team.id}`)).json.members
    .map((m: { userId: string }) => m.userId).sort();
  assert.equal(members.length, 4);
  assert.deepEqual(
    r.json.items.map((x: { userIds: string[] }) => ({ ...x, userIds: [...x.userIds].sort() })),
    [
      { at: new Date(T0).toISOString(), level: 0, round: 0, userIds: [w.ben.user.id] },
      { at: new Date(T0 + 40 * MIN).toISOString(), level: 1, round: 0, userIds: members },
      { at: new Date(T0 + 45 * MIN).toISOString(), level: 0, round: 1, userIds: [w.ann.user.id] },
    ],
  );
  assert.equal(r.json.names[w.ann.user.id], "Ann");
  const longer = await w.ann.client.get(`/api/v1/escalation-policies/${p.id}/preview?minutes=120`);
  assert.equal(longer.json.items.length, 4, "repeat 1: two passes, then it stops");
  const bad = await w.ann.client.get(`/api/v1/escalation-policies/${p.id}/preview?minutes=0`);
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, "invalid_input");
});

Deno.test("oncall edit - on call now for a team: each schedule's person, until when; members only", async () => {
  const w = await world();
  await using _ = w.srv;
  const path = `/api/v1/teams/${w.team.id}/oncall`;
  const r = await w.ann.client.get(path);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.items, [{
    scheduleId: w.schedule.id,
    scheduleName: "Primary",
    timeZone: "UTC",
    userId: w.ann.user.id,
    name: "Ann",
    source: "Week",
    until: Date.UTC(2026, 0, 8, 9),
  }]);
  const outsider = await userClient(w.srv, "Out");
  assert.equal((await outsider.client.get(path)).status, 404);
  w.clock.advance(7 * 86_400_000);
  assert.equal((await w.ann.client.get(path)).json.items[0].name, "Ben");
});
