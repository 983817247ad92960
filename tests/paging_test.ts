import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { actOnAlert } from "../lib/alerts/actions.ts";
import { fireTimer } from "../lib/paging/escalation.ts";
import type { User } from "../lib/accounts/model.ts";
import { keys } from "../lib/core/keys.ts";
import {
  migrateContactChannels,
  reachableChannelsMany,
  setNotifyRules,
} from "../lib/notify/contacts.ts";
import { stageTimer, TIMER_MAX_FAILURES, timersOf } from "../lib/jobs/timers.ts";
import {
  addVerifiedContact,
  adminClient,
  Client,
  createMembers,
  startServer,
  type TestServer,
  userClient,
} from "./_helpers.ts";
import { queueTest } from "./_queues.ts";

const MIN = 60_000;

interface Entry {
  kind: string;
  at: number;
  detail?: { userIds?: string[]; level?: number; round?: number; reminder?: number };
}

async function world(clock: ManualClock) {
  const srv = await startServer({ clock, config: { timerSweepMs: 0 } });
  const { client: admin, user: adminUser } = await adminClient(srv);
  const a = await userClient(srv, "Ann");
  const b = await userClient(srv, "Ben");
  const team = (await admin.post("/api/v1/teams", {
    name: "SRE",
    memberIds: [a.user.id, b.user.id],
    adminIds: [adminUser.id],
  })).json.team;
  const created =
    (await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id })).json;
  const fire = async (text: string, priority: string) => {
    const r = await fetch(`${srv.url}/hooks/${created.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${created.token}`, priority },
      body: text,
    });
    assert.equal(r.status, 202);
    return (await r.json()).alerts[0].alertId as string;
  };
  return { srv, admin, adminUser, a, b, team, fire };
}

/** Moves the clock and runs the reconciler, as the periodic sweep would. */
async function advance(srv: TestServer, clock: ManualClock, ms: number) {
  clock.advance(ms);
  await srv.core.timers.sweep();
}

async function timeline(c: Client, id: string): Promise<Entry[]> {
  return (await c.get(`/api/v1/alerts/${id}`)).json.timeline;
}
/** Timeline kinds of the in-app paging (out-of-app deliveries are tested in email_test.ts). */
const kinds = (t: Entry[]) => t.filter((e) => e.kind !== "delivery").map((e) => e.kind);

queueTest(
  "paging - urgent repeats every 2 minutes until acknowledged, then stops at once",
  async () => {
    const clock = new ManualClock();
    const w = await world(clock);
    await using _srv = w.srv;
    const id = await w.fire("payments down", "urgent");
    for (let i = 0; i < 3; i++) await advance(w.srv, clock, 2 * MIN);
    let t = await timeline(w.admin, id);
    assert.equal(t.filter((e) => e.kind === "notified").length, 4, "initial + 3 reminders");
    assert.deepEqual(t.filter((e) => e.detail?.reminder).map((e) => e.detail!.reminder), [1, 2, 3]);
    // The reminders are in the conversation, naming who was notified (no policy: the whole team).
    const conv = (await w.admin.get(`/api/v1/teams/${w.team.id}`)).json.team.conversationId;
    const msgs =
      (await w.a.client.get(`/api/v1/conversations/${conv}/messages?after=0`)).json.items;
    const reminders = msgs.filter((m: { system?: { event: string } }) =>
      m.system?.event === "reminder"
    );
    assert.equal(reminders.length, 3);
    assert.deepEqual(
      [...reminders[0].system.userIds].sort(),
      [w.adminUser.id, w.a.user.id, w.b.user.id].sort(),
    );
    // One minute before the next one, Ann acknowledges: nothing more, ever.
    await advance(w.srv, clock, 1 * MIN);
    assert.equal((await w.a.client.post(`/api/v1/alerts/${id}/ack`)).status, 200);
    assert.deepEqual(
      await timersOf(w.srv.kv, id),
      [],
      "the ack deleted the pending timers in its commit",
    );
    for (let i = 0; i < 5; i++) await advance(w.srv, clock, 2 * MIN);
    t = await timeline(w.admin, id);
    assert.equal(t.filter((e) => e.kind === "notified").length, 4);
    assert.equal(kinds(t).at(-1), "acknowledged");
  },
);

queueTest(
  "paging - high repeats every 10 minutes at most 3 times; medium and low are notified once",
  async () => {
    const clock = new ManualClock();
    const w = await world(clock);
    await using _srv = w.srv;
    const high = await w.fire("replication lag", "high");
    const medium = await w.fire("disk 80%", "medium");
    const low = await w.fire("cert expires in 20 days", "low");
    for (let i = 0; i < 6; i++) await advance(w.srv, clock, 10 * MIN);
    assert.deepEqual(
      (await timeline(w.admin, high)).filter((e) => e.kind === "notified").map((e) =>
        e.detail?.reminder ?? 0
      ),
      [0, 1, 2, 3],
    );
    for (const id of [medium, low]) {
      assert.deepEqual(kinds(await timeline(w.admin, id)), ["triggered", "routed", "notified"]);
    }
    // Admins edit the policy: medium now repeats every 5 minutes twice.
    assert.equal(
      (await w.a.client.request("PUT", "/api/v1/settings/reminders", {
        urgent: { everyMinutes: 2, maxRepeats: null },
        high: { everyMinutes: 10, maxRepeats: 3 },
        medium: { everyMinutes: 5, maxRepeats: 2 },
        low: { everyMinutes: 0, maxRepeats: 0 },
      })).status,
      403,
    );
    const put = await w.admin.request("PUT", "/api/v1/settings/reminders", {
      urgent: { everyMinutes: 2, maxRepeats: null },
      high: { everyMinutes: 10, maxRepeats: 3 },
      medium: { everyMinutes: 5, maxRepeats: 2 },
      low: { everyMinutes: 0, maxRepeats: 0 },
    });
    assert.equal(put.status, 200);
    const m2 = await w.fire("disk 85%", "medium");
    for (let i = 0; i < 4; i++) await advance(w.srv, clock, 5 * MIN);
    assert.equal((await timeline(w.admin, m2)).filter((e) => e.kind === "notified").length, 3);
    // Raising a priority starts the new priority's reminders.
    await w.admin.post(`/api/v1/alerts/${low}/priority`, { priority: "urgent" });
    await advance(w.srv, clock, 2 * MIN);
    assert.equal((await timeline(w.admin, low)).filter((e) => e.detail?.reminder === 1).length, 1);
  },
);

queueTest(
  "paging - an escalation policy walks its levels (user, schedule's on-call, team) and repeats",
  async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 3, 15, 0)); // Tue 10:00 New York
    const w = await world(clock);
    await using _srv = w.srv;
    const sched = await w.admin.post("/api/v1/schedules", {
      name: "primary",
      teamId: w.team.id,
      timeZone: "America/New_York",
      layers: [{
        name: "weekly",
        participants: [w.b.user.id, w.a.user.id],
        rotation: "weekly",
        handoff: "09:00",
        startDate: "2026-11-02",
      }],
    });
    assert.equal(sched.status, 201, JSON.stringify(sched.json));
    const scheduleId = sched.json.schedule.id;
    const oncall = await w.a.client.get(
      `/api/v1/schedules/${scheduleId}/oncall?at=2026-11-03T15:00:00Z`,
    );
    assert.equal(oncall.json.oncall.userId, w.b.user.id);
    const policy = await w.admin.post("/api/v1/escalation-policies", {
      name: "standard",
      teamId: w.team.id,
      levels: [
        { delayMinutes: 5, targets: [{ type: "user", id: w.a.user.id }] },
        { delayMinutes: 10, targets: [{ type: "schedule", id: scheduleId }] },
        { delayMinutes: 15, targets: [{ type: "team", id: w.team.id }] },
      ],
      repeat: 1,
    });
    assert.equal(policy.status, 201, JSON.stringify(policy.json));
    assert.equal(
      (await w.admin.request("PUT", `/api/v1/teams/${w.team.id}/escalation-policy`, {
        policyId: policy.json.policy.id,
      })).status,
      200,
    );
    const id = await w.fire("checkout errors", "medium");
    const steps = async () =>
      (await timeline(w.admin, id)).filter((e) => e.kind === "notified" || e.kind === "escalated")
        .map((e) =>
          `${e.kind}:${e.detail?.level}/${e.detail?.round ?? 0}:${
            [...(e.detail?.userIds ?? [])].sort().join("+")
          }`
        );
    const [A, B, ADM] = [w.a.user.id, w.b.user.id, w.adminUser.id];
    const team = [A, B, ADM].sort().join("+");
    assert.deepEqual(await steps(), [`notified:0/0:${A}`]);
    await advance(w.srv, clock, 4 * MIN);
    assert.equal((await steps()).length, 1, "not before the level's delay");
    await advance(w.srv, clock, 1 * MIN);
    assert.deepEqual(
      (await steps()).at(-1),
      `escalated:1/0:${B}`,
      "level 2: the schedule's on-call",
    );
    await advance(w.srv, clock, 10 * MIN);
    assert.deepEqual((await steps()).at(-1), `escalated:2/0:${team}`);
    await advance(w.srv, clock, 15 * MIN);
    assert.deepEqual((await steps()).at(-1), `escalated:0/1:${A}`, "the policy repeats once");
    for (let i = 0; i < 6; i++) await advance(w.srv, clock, 15 * MIN);
    assert.deepEqual((await steps()).slice(-2), [`escalated:1/1:${B}`, `escalated:2/1:${team}`]);
    assert.equal((await steps()).length, 6, "1 notification + 5 escalations, and then it stops");
    // Escalate now, by hand, from the API (the card's button).
    const id2 = await w.fire("search down", "medium");
    assert.equal((await w.b.client.post(`/api/v1/alerts/${id2}/escalate`)).status, 200);
    const t2 = await timeline(w.admin, id2);
    assert.equal(t2.at(-1)?.kind, "escalated");
    assert.equal(t2.at(-1)?.detail?.level, 1);
    // Acknowledged alerts do not escalate.
    await w.a.client.post(`/api/v1/alerts/${id2}/ack`);
    assert.equal((await w.b.client.post(`/api/v1/alerts/${id2}/escalate`)).status, 409);
  },
);

queueTest(
  "paging - 200 acks racing due escalation and reminder steps: never escalated after the ack (T7)",
  async () => {
    const clock = new ManualClock();
    const w = await world(clock);
    await using _srv = w.srv;
    // Level 1 pages Ann at once; level 2 (Ben) is due after 2 minutes, when the urgent reminder is too.
    const policy = await w.admin.post("/api/v1/escalation-policies", {
      name: "race",
      teamId: w.team.id,
      levels: [
        { delayMinutes: 2, targets: [{ type: "user", id: w.a.user.id }] },
        { delayMinutes: 5, targets: [{ type: "user", id: w.b.user.id }] },
      ],
    });
    assert.equal(policy.status, 201, JSON.stringify(policy.json));
    await w.admin.request("PUT", `/api/v1/teams/${w.team.id}/escalation-policy`, {
      policyId: policy.json.policy.id,
    });
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) ids.push(await w.fire(`race ${i}`, "urgent"));
    clock.advance(2 * MIN);
    const due = await Promise.all(ids.map(async (id) => {
      const t = await timersOf(w.srv.kv, id);
      const of = (kind: string) => t.find((e) => e.value.kind === kind)!.value.id;
      return { escalation: of("escalation"), reminder: of("reminder") };
    }));
    // The ack and both due steps (each twice: a queue redelivery and the sweep) at once; which one
    // starts first rotates, so every outcome happens.
    const ann = (await w.srv.kv.get<User>(keys.user(w.a.user.id))).value!;
    await Promise.all(ids.flatMap((id, i) => {
      const ack = () => actOnAlert(w.srv.core, ann, id, { kind: "ack" });
      const esc = () => fireTimer(w.srv.core, due[i].escalation);
      const rem = () => fireTimer(w.srv.core, due[i].reminder);
      switch (i % 4) {
        case 0:
          return [ack(), esc(), rem(), esc(), rem()];
        case 1:
          return [esc(), ack(), rem(), esc(), rem()];
        case 2:
          return [esc(), rem(), ack(), rem(), esc()];
        default:
          return [rem(), esc(), esc(), rem(), ack()];
      }
    }));
    let escalated = 0;
    let reminded = 0;
    for (const id of ids) {
      const t = await timeline(w.admin, id);
      const ack = kinds(t).indexOf("acknowledged");
      assert.ok(ack > 0);
      const after = t.slice(t.findIndex((e) => e.kind === "acknowledged"));
      assert.deepEqual(
        after.filter((e) => e.kind === "notified" || e.kind === "escalated").map((e) => e.kind),
        [],
        `nothing notified or escalated after the ack of ${id}`,
      );
      const e = t.filter((x) => x.kind === "escalated").length;
      const r = t.filter((x) => x.detail?.reminder === 1).length;
      assert.ok(e <= 1 && r <= 1, "a step fires at most once");
      escalated += e;
      reminded += r;
      assert.deepEqual(await timersOf(w.srv.kv, id), [], "an acked alert keeps no timer");
      const state = (await w.admin.get(`/api/v1/alerts/${id}`)).json.alert;
      assert.equal(state.status, "acknowledged");
    }
    // Both outcomes happened, so the race was real; in every case only one of them took effect.
    console.log(`T7: escalations won ${escalated}, reminders won ${reminded} of ${ids.length}`);
    assert.ok(escalated > 0 && escalated < ids.length, `escalations won ${escalated}`);
    assert.ok(reminded > 0 && reminded < ids.length, `reminders won ${reminded}`);
  },
);

queueTest(
  "schedules - members take a shift for themselves; the iCal feed works with a token",
  async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 3, 15, 0));
    const w = await world(clock);
    await using _srv = w.srv;
    const s = (await w.admin.post("/api/v1/schedules", {
      name: "primary",
      teamId: w.team.id,
      timeZone: "Asia/Shanghai",
      layers: [{
        name: "daily",
        participants: [w.a.user.id, w.b.user.id],
        rotation: "daily",
        handoff: "09:00",
        startDate: "2026-11-01",
      }],
    })).json.schedule;
    const bad = await w.admin.post("/api/v1/schedules", {
      name: "x",
      teamId: w.team.id,
      timeZone: "Mars/Olympus",
      layers: [],
    });
    assert.equal(bad.status, 400);
    // Ben covers Tuesday night; he may not put Ann on call.
    const take = await w.b.client.post(`/api/v1/schedules/${s.id}/overrides`, {
      userId: w.b.user.id,
      start: "2026-11-03T20:00:00+08:00",
      end: "2026-11-04T08:00:00+08:00",
    });
    assert.equal(take.status, 201);
    assert.equal(
      (await w.b.client.post(`/api/v1/schedules/${s.id}/overrides`, {
        userId: w.a.user.id,
        start: "2026-11-05T20:00:00+08:00",
        end: "2026-11-06T08:00:00+08:00",
      })).status,
      403,
    );
    const at = (iso: string) =>
      w.a.client.get(`/api/v1/schedules/${s.id}/oncall?at=${encodeURIComponent(iso)}`);
    assert.equal((await at("2026-11-03T22:00:00+08:00")).json.oncall.source, "override");
    assert.equal((await at("2026-11-03T22:00:00+08:00")).json.oncall.name, "Ben");
    const shifts =
      (await w.a.client.get(`/api/v1/schedules/${s.id}/shifts?from=2026-11-03T00:00:00Z&days=2`))
        .json
        .items;
    assert.ok(shifts.some((x: { source: string }) => x.source === "override"));
    const token = (await w.a.client.post("/api/v1/tokens", { name: "calendar" })).json.token;
    const ics = await fetch(`${w.srv.url}/api/v1/schedules/${s.id}/ical?token=${token}`);
    assert.equal(ics.status, 200);
    assert.match(await ics.text(), /SUMMARY:On call: Ben/);
    const anon = await fetch(`${w.srv.url}/api/v1/schedules/${s.id}/ical`);
    assert.equal(anon.status, 401);
    await anon.body?.cancel();
    const { client: outsider } = await userClient(w.srv, "Out");
    assert.equal((await outsider.get(`/api/v1/schedules/${s.id}`)).status, 404);
    assert.equal((await w.srv.kv.get(keys.schedule(s.id))).value !== null, true);
  },
);

queueTest(
  "paging - quiet hours hold reminders below urgent until the window ends; urgent breaks through",
  async () => {
    // 23:00 in Shanghai; Ann's quiet hours are 22:00-07:00 there.
    const clock = new ManualClock(Date.UTC(2026, 10, 3, 15, 0));
    const w = await world(clock);
    await using _srv = w.srv;
    const set = await w.a.client.patch("/api/v1/me", {
      quietHours: { from: "22:00", to: "07:00", timeZone: "Asia/Shanghai" },
    });
    assert.equal(set.status, 200);
    assert.deepEqual((await w.b.client.get(`/api/v1/users/${w.a.user.id}`)).json.user.quietHours, {
      from: "22:00",
      to: "07:00",
      timeZone: "Asia/Shanghai",
    });
    assert.equal(
      (await w.a.client.patch("/api/v1/me", {
        quietHours: { from: "25:00", to: "07:00", timeZone: "UTC" },
      })).status,
      400,
    );
    const high = await w.fire("replication lag", "high");
    const urgent = await w.fire("payments down", "urgent");
    await advance(w.srv, clock, 10 * MIN);
    const first = (await timeline(w.admin, high)).filter((e) => e.detail?.reminder === 1);
    assert.equal(first.length, 1);
    assert.deepEqual(
      [...first[0].detail!.userIds!].sort(),
      [w.adminUser.id, w.b.user.id].sort(),
      "Ann waits",
    );
    const urgentReminder = (await timeline(w.admin, urgent)).find((e) => e.detail?.reminder === 1)!;
    assert.ok(
      urgentReminder.detail!.userIds!.includes(w.a.user.id),
      "urgent reaches Ann in quiet hours",
    );
    // 07:00 Shanghai (23:00 UTC): Ann gets the held reminder.
    clock.advance(Date.UTC(2026, 10, 3, 23, 0) - clock.now() - 1);
    await w.srv.core.timers.sweep();
    const beforeEnd = (await timeline(w.admin, high)).filter((e) =>
      e.detail?.userIds?.includes(w.a.user.id)
    );
    assert.equal(beforeEnd.filter((e) => e.detail?.reminder).length, 0);
    await advance(w.srv, clock, 1);
    const late = (await timeline(w.admin, high)).filter((e) =>
      e.detail?.reminder === 1 && e.detail?.userIds?.includes(w.a.user.id)
    );
    assert.equal(late.length, 1, "the held reminder reached Ann when her quiet hours ended");
    // Acknowledging drops held reminders too.
    const medium2 = await w.fire("another lag", "high");
    await advance(w.srv, clock, 10 * MIN); // 07:10: Ann is awake; nothing is held
    assert.equal((await w.a.client.post(`/api/v1/alerts/${medium2}/ack`)).status, 200);
  },
);

queueTest(
  "timers - a poison job ends as a dead letter for admins and blocks nothing (T6)",
  async () => {
    const clock = new ManualClock();
    const w = await world(clock);
    await using _srv = w.srv;
    // A timer whose alert record is garbage: its handler throws every time.
    const poisonAlert = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    await w.srv.kv.set(keys.alert(poisonAlert), "not an alert");
    const op = w.srv.kv.atomic();
    stageTimer(op, clock.now(), {
      id: "poison",
      alertId: poisonAlert,
      kind: "reminder",
      dueAt: clock.now(),
      n: 1,
      round: 0,
    });
    await op.commit();
    const healthy = await w.fire("payments down", "urgent");
    for (let i = 0; i < 6; i++) await advance(w.srv, clock, 2 * MIN);
    const reminded = (await timeline(w.admin, healthy)).filter((e) => e.detail?.reminder).length;
    assert.equal(reminded, 6, "the healthy alert's reminders all fired meanwhile");
    const dead = (await w.admin.get("/api/v1/admin/dead-letters")).json.items;
    assert.equal(dead.length, 1);
    assert.equal(dead[0].timer.id, "poison");
    assert.equal(dead[0].timer.failures, TIMER_MAX_FAILURES);
    assert.match(dead[0].error, /TypeError/);
    assert.equal((await w.a.client.get("/api/v1/admin/dead-letters")).status, 403);
    assert.equal((await w.srv.kv.get(keys.timer("poison"))).value, null, "no longer retried");
    // Fixed (the bad record removed) and retried: it runs once more and is gone.
    await w.srv.kv.delete(keys.alert(poisonAlert));
    assert.equal((await w.admin.post("/api/v1/admin/dead-letters/poison/retry")).status, 200);
    const audit = (await w.admin.get("/api/v1/audit?action=dead_letter.retry")).json.items;
    assert.equal(audit.length, 1, "the retry is in the audit log");
    assert.deepEqual(audit[0].target, { type: "timer", id: "poison" });
    assert.equal(audit[0].actorId, w.adminUser.id);
    assert.match(audit[0].detail.error, /^TypeError: [^\n]*$/, "the error's first line");
    await w.srv.core.timers.sweep();
    assert.deepEqual((await w.admin.get("/api/v1/admin/dead-letters")).json.items, []);
    assert.equal((await w.srv.kv.get(keys.timer("poison"))).value, null);
  },
);

queueTest(
  "paging - an urgent alert to a team of 120 is accepted, pages everyone, and can be acknowledged",
  async () => {
    const clock = new ManualClock();
    await using srv = await startServer({ clock, config: { timerSweepMs: 0 } });
    const { client: admin, user: adminUser } = await adminClient(srv);
    const ids: string[] = [];
    // Everyone can be reached by e-mail and SMS (voice goes to the SMS number), so each person's
    // three default urgent steps are scheduled.
    await addVerifiedContact(srv, adminUser, "email", "admin@example.com");
    await addVerifiedContact(srv, adminUser, "sms", "+15550000000");
    for (const [i, u] of (await createMembers(srv, 120, "u")).entries()) {
      await addVerifiedContact(srv, u, "email", `u${i}@example.com`);
      await addVerifiedContact(srv, u, "sms", `+1555000${String(i).padStart(4, "0")}`);
      ids.push(u.id);
    }
    const team = (await admin.post("/api/v1/teams", {
      name: "Everyone",
      memberIds: ids,
      adminIds: [adminUser.id],
    })).json.team;
    const created =
      (await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id })).json;
    // Default rules: three urgent steps per person, four mutations each, far over one commit.
    const r = await fetch(`${srv.url}/hooks/${created.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${created.token}`, priority: "urgent" },
      body: "everything is down",
    });
    const body = await r.json();
    assert.equal(r.status, 202, JSON.stringify(body));
    const id = body.alerts[0].alertId as string;
    for (let i = 0; i < 3; i++) await srv.core.timers.sweep();
    const personal = (await timersOf(srv.kv, id)).filter((e) => e.value.kind === "personal");
    assert.equal(new Set(personal.map((e) => e.value.userId)).size, 121, "every member is paged");
    assert.equal(personal.length, 121 * 3);
    const ack = await admin.post(`/api/v1/alerts/${id}/ack`);
    assert.equal(ack.status, 200, JSON.stringify(ack.json));
    // What the ack's commit could not delete skips itself when due: nobody is notified.
    clock.advance(10 * MIN);
    for (let i = 0; i < 3; i++) await srv.core.timers.sweep();
    assert.deepEqual(await timersOf(srv.kv, id), []);
    const statuses = new Set(
      (await timeline(admin, id)).filter((e) => e.kind === "delivery").map((e) =>
        (e.detail as { status?: string })?.status
      ),
    );
    assert.deepEqual([...statuses].filter((s) => s !== "skipped"), []);
  },
);

queueTest(
  "paging - an alert to a team of 3,000 is stored, names the count, and its reminder reaches everyone",
  async () => {
    const clock = new ManualClock();
    await using srv = await startServer({ clock, config: { timerSweepMs: 0 } });
    const { client: admin, user: adminUser } = await adminClient(srv);
    const ids = (await createMembers(srv, 3000, "big")).map((u) => u.id);
    const team = (await admin.post("/api/v1/teams", { name: "Everyone", adminIds: [adminUser.id] }))
      .json.team;
    for (let i = 0; i < ids.length; i += 500) {
      const r = await admin.post(`/api/v1/teams/${team.id}/members`, {
        userIds: ids.slice(i, i + 500),
        role: "member",
      });
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
    const created =
      (await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id })).json;
    // Before user lists moved out of the alert, this was refused: 3,000 ids do not fit in 64 KiB.
    const r = await fetch(`${srv.url}/hooks/${created.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${created.token}`, priority: "urgent" },
      body: "everything is down",
    });
    const body = await r.json();
    assert.equal(r.status, 202, JSON.stringify(body));
    const id = body.alerts[0].alertId as string;
    const got = await admin.get(`/api/v1/alerts/${id}`);
    assert.ok(
      JSON.stringify(got.json.alert).length < 8000,
      "the alert (sent to every member's socket) stays small",
    );
    const notified = got.json.timeline.find((e: Entry) => e.kind === "notified");
    assert.equal(notified.detail.userCount, 3001, "the timeline counts everyone paged");
    assert.equal(notified.detail.userIds.length, 100, "and names the first hundred");
    // The urgent reminder two minutes later goes to all of them.
    clock.advance(2 * MIN);
    await srv.core.timers.sweep();
    const history =
      (await admin.get(`/api/v1/conversations/${got.json.alert.conversationId}/messages`)).json
        .items;
    const reminder = history.find((m: { system?: { event: string } }) =>
      m.system?.event === "reminder"
    );
    assert.ok(reminder, "the reminder was posted");
    assert.equal(reminder.system.userCount, 3001);
    assert.equal((await admin.post(`/api/v1/alerts/${id}/ack`)).status, 200);
  },
);

queueTest(
  "paging - personal timers of 150 people fire from one shared wake-up (no periodic sweep)",
  async () => {
    await using srv = await startServer({ config: { timerSweepMs: 0 } });
    const { client: admin, user: adminUser } = await adminClient(srv);
    const ids: string[] = [adminUser.id];
    const rules = {
      urgent: [{ channel: "email" as const, afterMinutes: 0.02 }],
      high: [],
      medium: [],
      low: [],
    };
    await setNotifyRules(srv.core, adminUser.id, rules);
    await addVerifiedContact(srv, adminUser, "email", "admin@example.com");
    for (const [i, u] of (await createMembers(srv, 149, "w")).entries()) {
      await setNotifyRules(srv.core, u.id, rules);
      await addVerifiedContact(srv, u, "email", `w${i}@example.com`);
      ids.push(u.id);
    }
    const team = (await admin.post("/api/v1/teams", { name: "Wake", adminIds: [adminUser.id] }))
      .json.team;
    await admin.post(`/api/v1/teams/${team.id}/members`, { userIds: ids.slice(1), role: "member" });
    const created =
      (await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id })).json;
    const r = await fetch(`${srv.url}/hooks/${created.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${created.token}`, priority: "urgent" },
      body: "wake everyone",
    });
    const id = (await r.json()).alerts[0].alertId as string;
    // No e-mail provider is configured, so each delivery ends "skipped"; what matters is that every
    // one of the 150 timers fired, 1.2 s after the alert, with no periodic sweep running.
    const deadline = Date.now() + 20_000;
    let fired = 0;
    while (Date.now() < deadline) {
      fired = (await timeline(admin, id)).filter((e) => e.kind === "delivery").length;
      if (fired >= 150) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(fired, 150, "every personal timer fired");
    assert.deepEqual(
      (await timersOf(srv.kv, id)).filter((e) => e.value.kind === "personal"),
      [],
    );
  },
);

queueTest(
  "paging - no personal timers for people with no verified contact; the alert names them",
  async () => {
    const clock = new ManualClock();
    const w = await world(clock);
    await using _srv = w.srv;
    // Ann has a verified SMS number, Ben and the admin nothing: default urgent rules are e-mail, SMS
    // and voice. Ann's three steps are scheduled (her e-mail step will record why it was skipped).
    const ann = (await w.srv.kv.get<User>(keys.user(w.a.user.id))).value!;
    await addVerifiedContact(w.srv, ann, "sms", "+15550001111");
    const id = await w.fire("api down", "urgent");
    const personal = (await timersOf(w.srv.kv, id)).filter((e) => e.value.kind === "personal")
      .map((e) => `${e.value.userId === w.a.user.id ? "ann" : "other"}:${e.value.channel}`).sort();
    assert.deepEqual(personal, ["ann:email", "ann:sms", "ann:voice"]);
    const notified = (await timeline(w.admin, id)).find((e) => e.kind === "notified")!;
    assert.deepEqual(
      [...(notified.detail as { unreachable: string[] }).unreachable].sort(),
      [w.b.user.id, w.adminUser.id].sort(),
      "the alert names who cannot be reached outside the app",
    );
    // Without her number, Ann cannot be reached either: nothing is scheduled for the next alert.
    const contacts = (await w.a.client.get("/api/v1/me/contacts")).json.items;
    assert.equal((await w.a.client.delete(`/api/v1/me/contacts/${contacts[0].id}`)).status, 200);
    const id2 = await w.fire("db down", "urgent");
    assert.deepEqual(
      (await timersOf(w.srv.kv, id2)).filter((e) => e.value.kind === "personal"),
      [],
    );
  },
);

queueTest(
  "contacts - verified contacts from before the channel summaries are migrated at start",
  async () => {
    const kv = await Deno.openKv(":memory:");
    const contact = {
      id: "c1",
      userId: "u1",
      kind: "email",
      address: "old@example.com",
      verified: true,
      createdAt: 0,
      codeHash: null,
      codeExpiresAt: 0,
      tries: 0,
    };
    await kv.set(keys.contact("u1", "c1"), contact);
    await kv.set(keys.contact("u2", "c2"), { ...contact, id: "c2", userId: "u2", verified: false });
    await migrateContactChannels(kv);
    assert.deepEqual((await kv.get(keys.contactChannels("u1"))).value, ["email"]);
    assert.deepEqual((await kv.get(keys.contactChannels("u2"))).value, []);
    assert.deepEqual([...(await reachableChannelsMany(kv, ["u1", "u2", "u3"]))[0]], ["email"]);
    kv.close();
  },
);

queueTest(
  "paging - an alert stored with the old inline user lists still reminds the same people",
  async () => {
    const clock = new ManualClock();
    const w = await world(clock);
    await using _srv = w.srv;
    const id = await w.fire("legacy", "urgent");
    // Rewrite it as the previous version stored it: lists inside the alert, no chunks beside it.
    const e = await w.srv.kv.get<Record<string, unknown>>(keys.alert(id));
    const legacy: Record<string, unknown> = {
      ...e.value!,
      notified: [w.a.user.id],
      personal: [w.a.user.id],
    };
    delete legacy.people;
    const op = w.srv.kv.atomic().set(keys.alert(id), legacy);
    for await (const c of w.srv.kv.list({ prefix: ["alert_people", id] })) op.delete(c.key);
    await op.commit();
    await advance(w.srv, clock, 2 * MIN);
    const reminded = (await timeline(w.admin, id)).filter((x) => x.detail?.reminder === 1);
    assert.equal(reminded.length, 1);
    assert.deepEqual(reminded[0].detail?.userIds, [w.a.user.id], "the same people as before");
    const now = (await w.srv.kv.get<Record<string, unknown>>(keys.alert(id))).value!;
    assert.deepEqual(now.people, { notified: 1, personal: 1 }, "moved into chunks");
    assert.equal(now.notified, undefined);
    assert.equal((await w.admin.post(`/api/v1/alerts/${id}/ack`)).status, 200);
  },
);
