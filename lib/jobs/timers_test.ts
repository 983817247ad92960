import assert from "node:assert/strict";
import { ManualClock } from "../core/clock.ts";
import { testConfig } from "../core/config.ts";
import { keys } from "../core/keys.ts";
import { createCore } from "../runtime.ts";
import {
  type DeadLetter,
  stageTimer,
  type Timer,
  TIMER_MAX_FAILURES,
  TimerSchema,
} from "./timers.ts";

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

Deno.test("timers - the dispatcher sets a record it cannot parse aside as a dead letter", async () => {
  await using kv = await Deno.openKv(":memory:");
  const clock = new ManualClock();
  const core = createCore(kv, testConfig({ timerSweepMs: 0 }), clock);
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
});
