import assert from "node:assert/strict";
import { ManualClock } from "../core/clock.ts";
import { testConfig } from "../core/config.ts";
import { keys } from "../core/keys.ts";
import { createCore } from "../runtime.ts";
import {
  claimTimer,
  type DeadLetter,
  recordFailure,
  stageTimer,
  type Timer,
  TIMER_MAX_FAILURES,
  TimerSchema,
} from "./timers.ts";
import { queueModeConfig, queueTest, refuseEnqueue } from "../../tests/_queues.ts";

/** Timer records exactly as the code that schedules each kind stores them. */
const STORED: Record<string, unknown>[] = [
  { id: "t1", alertId: "A", kind: "reminder", dueAt: 1, n: 1, round: 0 },
  { id: "t2", alertId: "A", kind: "reminder", dueAt: 1, n: 2, round: 0, userIds: ["u1"] },
  { id: "t3", alertId: "A", kind: "escalation", dueAt: 1, n: 1, round: 2, failures: 1 },
  { id: "t4", alertId: "A", kind: "automation", dueAt: 1, n: 0, round: 0, ruleId: "R" },
  { id: "t5", alertId: "A", kind: "webhook", dueAt: 1, n: 1, round: 0, ruleId: "R", action: 0 },
  {
    id: "t6",
    alertId: "A",
    kind: "webhook",
    dueAt: 1,
    n: 2,
    round: 0,
    ruleId: "R",
    action: 1,
    delivery: "t5",
  },
  {
    id: "t7",
    alertId: "A",
    kind: "personal",
    dueAt: 1,
    n: 1,
    round: 3,
    userId: "u1",
    channel: "sms",
    delivery: "D",
  },
  { id: "t8", alertId: "A", kind: "personal_batch", dueAt: 1, n: 1, round: 3, userIds: ["u2"] },
  { id: "t9", alertId: "A", kind: "robot", dueAt: 1, n: 1, round: 0, ruleId: "B" },
];

Deno.test("timers - every stored kind parses as its own variant, unchanged", () => {
  for (const raw of STORED) {
    const t = TimerSchema.parse(raw);
    assert.equal(t.kind, raw.kind);
    assert.deepEqual(t, raw);
  }
});

Deno.test("timers - a variant's own fields are required, and unknown kinds are refused", () => {
  const bad = [
    { id: "x", alertId: "A", kind: "personal", dueAt: 1, n: 1, round: 0, channel: "sms" },
    { id: "x", alertId: "A", kind: "robot", dueAt: 1, n: 1, round: 0 },
    { id: "x", alertId: "A", kind: "webhook", dueAt: 1, n: 1, round: 0, ruleId: "R" },
    { id: "x", alertId: "A", kind: "personal_batch", dueAt: 1, n: 1, round: 0 },
    { id: "x", alertId: "A", kind: "carrier-pigeon", dueAt: 1, n: 1, round: 0 },
  ];
  for (const raw of bad) assert.equal(TimerSchema.safeParse(raw).success, false, raw.kind);
});

queueTest(
  "timers - the dispatcher sets a record it cannot parse aside as a dead letter",
  async () => {
    await using kv = await Deno.openKv(":memory:");
    const clock = new ManualClock();
    const core = createCore(kv, testConfig({ timerSweepMs: 0, ...queueModeConfig() }), clock);
    try {
      const op = kv.atomic();
      const bogus = { id: "T1", alertId: "A", kind: "carrier-pigeon", dueAt: 0, n: 1, round: 0 };
      stageTimer(op, clock.now(), bogus as unknown as Timer, { wake: false });
      await op.commit();
      for (let i = 0; i < TIMER_MAX_FAILURES; i++) await core.timers.sweep();
      const dead = (await kv.get<DeadLetter>(keys.deadLetter("T1"))).value;
      assert.ok(dead, "the record is among the dead letters");
      assert.match(dead.error, /kind/);
      assert.equal((await kv.get(keys.timer("T1"))).value, null, "and no longer pending");
    } finally {
      await core.close();
    }
  },
);

/** A reminder of an alert that does not exist: firing it only deletes it. */
const orphan = (id: string, dueAt: number): Timer => ({
  id,
  alertId: "gone",
  kind: "reminder",
  dueAt,
  n: 1,
  round: 0,
});

async function until(what: string, pred: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("timers - without queues, a timer committed here fires at its due time (no periodic sweep)", async () => {
  await using kv = await Deno.openKv(":memory:");
  const undo = refuseEnqueue();
  const core = createCore(kv, testConfig({ timerSweepMs: 0, kvQueues: "off" }));
  try {
    await core.start();
    const due = Date.now() + 300;
    const op = kv.atomic();
    stageTimer(op, Date.now(), orphan("T1", due));
    assert.equal((await core.fanout.commitUnlogged(op)).ok, true);
    assert.equal(core.timers.nextWake, due, "woken for its due time");
    await until("the timer fired", async () => (await kv.get(keys.timer("T1"))).value === null);
    assert.ok(Date.now() >= due, "not before it was due");
  } finally {
    await core.close();
    undo();
  }
});

Deno.test("timers - after a sweep, the earliest pending due time is read from the index and woken for", async () => {
  await using kv = await Deno.openKv(":memory:");
  const undo = refuseEnqueue();
  const core = createCore(kv, testConfig({ timerSweepMs: 0, kvQueues: "off" }));
  try {
    await core.start();
    // The start-up sweep runs on its own; let it end first, or its read of the earliest pending
    // timer could see the commit below and wake for it before the assertion looks.
    await core.timers.sweep();
    assert.equal(core.timers.nextWake, null, "nothing pending yet");
    // Committed behind the service's back (as by a process that died before telling anyone).
    const due = Date.now() + 300;
    const op = kv.atomic();
    stageTimer(op, Date.now(), orphan("T2", due + 1_000));
    stageTimer(op, Date.now(), orphan("T1", due));
    assert.equal((await op.commit()).ok, true);
    assert.equal(core.timers.nextWake, null, "nothing told it");
    await core.timers.sweep();
    assert.equal(core.timers.nextWake, due);
    await until("the first fired", async () => (await kv.get(keys.timer("T1"))).value === null);
    assert.notEqual((await kv.get(keys.timer("T2"))).value, null, "the later one waits");
    await until("the second fired", async () => (await kv.get(keys.timer("T2"))).value === null);
  } finally {
    await core.close();
    undo();
  }
});

Deno.test("timers - a timer staged by another process is woken for after the peer grace, through the fanout poll", async () => {
  const dir = await Deno.makeTempDir();
  const undo = refuseEnqueue();
  const config = testConfig({
    timerSweepMs: 0,
    kvQueues: "off",
    fanoutPollMs: 50,
    timerPeerGraceMs: 400,
  });
  const kvA = await Deno.openKv(`${dir}/kv`);
  const kvB = await Deno.openKv(`${dir}/kv`);
  const a = createCore(kvA, config);
  const b = createCore(kvB, config);
  try {
    await a.start();
    await b.start();
    // Let both start-up sweeps finish first: a sweep that lists after A's commit finds the timer
    // in KV and arms its due time directly (right, but not what this test is about).
    await Promise.all([a.timers.sweep(), b.timers.sweep()]);
    const due = Date.now() + 60_000;
    await a.fanout.commit(0, (op) => {
      stageTimer(op, Date.now(), orphan("T1", due));
      return Promise.resolve({ hints: [], result: null });
    });
    assert.equal(a.timers.nextWake, due);
    await until("B heard of it", () => Promise.resolve(b.timers.nextWake !== null));
    assert.equal(b.timers.nextWake, due + 400);
  } finally {
    await a.close();
    await b.close();
    kvA.close();
    kvB.close();
    undo();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("timers - a claim: one of two processes gets it, it lapses, retries and failures start unclaimed", async () => {
  const path = await Deno.makeTempFile({ suffix: ".sqlite3" });
  await using kv1 = await Deno.openKv(path);
  await using kv2 = await Deno.openKv(path);
  const clock = new ManualClock(1_000_000);
  const config = testConfig({ timerSweepMs: 0, kvQueues: "off", timerClaimMs: 30_000 });
  const a = createCore(kv1, config, clock);
  const b = createCore(kv2, config, clock);
  try {
    const t: Timer = {
      id: "P1",
      alertId: "A",
      kind: "personal",
      dueAt: clock.now(),
      n: 1,
      round: 0,
      userId: "u1",
      channel: "sms",
      delivery: "D",
    };
    const op = kv1.atomic();
    stageTimer(op, clock.now(), t);
    await op.commit();
    const read = async (kv: Deno.Kv) =>
      (await kv.get<Timer>(keys.timer("P1"))) as Deno.KvEntry<Timer>;
    // Both read the record, both try: the first claim wins, the other's check fails.
    const [e1, e2] = [await read(kv1), await read(kv2)];
    assert.equal(await claimTimer(a, e1), true);
    assert.equal(await claimTimer(b, e2), false);
    // A fresh read sees the live claim and leaves it alone.
    assert.equal(await claimTimer(b, await read(kv2)), false);
    assert.equal((await read(kv1)).value.claimedUntil, clock.now() + 30_000);
    // Once it lapses (its claimant died), another process claims it.
    clock.advance(30_001);
    assert.equal(await claimTimer(b, await read(kv2)), true);
    // A retry staged from the claimed record starts unclaimed.
    const claimed = (await read(kv2)).value;
    const retry = kv2.atomic();
    stageTimer(retry, clock.now(), { ...claimed, id: "P2", n: 2 });
    await retry.commit();
    assert.equal((await kv1.get<Timer>(keys.timer("P2"))).value!.claimedUntil, undefined);
    // A failed attempt ends the claim: the next sweep may retry at once.
    await recordFailure(b, "P1", new Error("provider down"));
    const failed = (await read(kv1)).value;
    assert.equal(failed.failures, 1);
    assert.equal(failed.claimedUntil, undefined);
    assert.equal(await claimTimer(a, await read(kv1)), true);
  } finally {
    await a.close();
    await b.close();
    await Deno.remove(path).catch(() => {});
  }
});
