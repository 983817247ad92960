import assert from "node:assert/strict";
import { layerShift, onCallAt, type Schedule, segments, toIcal } from "./schedules.ts";
import { localParts, zonedInstant } from "./zoned_time.ts";

const NY = "America/New_York";
const at = (y: number, m: number, d: number, h: number, mi = 0, tz = NY) =>
  zonedInstant(y, m, d, h, mi, tz);

function schedule(
  layers: Schedule["layers"],
  overrides: Schedule["overrides"] = [],
  tz = NY,
): Schedule {
  return { id: "S", name: "primary", teamId: "T", timeZone: tz, layers, overrides, createdAt: 0 };
}

Deno.test("schedules - zonedInstant round-trips local wall time, DST included", () => {
  for (
    const [y, m, d, h] of [[2026, 3, 7, 9], [2026, 3, 8, 9], [2026, 11, 1, 9], [2026, 6, 1, 0]]
  ) {
    const t = at(y, m, d, h);
    const p = localParts(t, NY);
    assert.deepEqual([p.y, p.m, p.d, p.h, p.mi], [y, m, d, h, 0]);
  }
  // 09:00 New York is 14:00 UTC in winter and 13:00 UTC in summer.
  assert.equal(new Date(at(2026, 3, 7, 9)).toISOString(), "2026-03-07T14:00:00.000Z");
  assert.equal(new Date(at(2026, 3, 8, 9)).toISOString(), "2026-03-08T13:00:00.000Z");
});

Deno.test("schedules - a daily 09:00 hand-off stays at 09:00 local across spring-forward and fall-back", () => {
  const layer = {
    name: "L",
    participants: ["ann", "bob", "cid"],
    rotation: "daily" as const,
    handoff: "09:00",
    startDate: "2026-03-06",
  };
  // Mar 6 ann, Mar 7 bob, Mar 8 (DST starts 02:00) cid, Mar 9 ann.
  assert.equal(layerShift(layer, at(2026, 3, 8, 8, 59), NY)?.userId, "bob");
  const dstDay = layerShift(layer, at(2026, 3, 8, 9, 0), NY)!;
  assert.equal(dstDay.userId, "cid");
  assert.equal(dstDay.start, at(2026, 3, 8, 9));
  assert.equal(dstDay.end, at(2026, 3, 9, 9));
  assert.equal(
    dstDay.end - dstDay.start,
    24 * 3_600_000,
    "no DST inside Mar 8 09:00 -> Mar 9 09:00",
  );
  const bobsShift = layerShift(layer, at(2026, 3, 8, 3, 30), NY)!;
  assert.equal(bobsShift.userId, "bob");
  assert.equal(
    bobsShift.end - bobsShift.start,
    23 * 3_600_000,
    "the shift over the spring-forward night is 23 h",
  );
  // Fall back on Nov 1: that night's shift lasts 25 h.
  const nov = layerShift(layer, at(2026, 11, 1, 1, 30), NY)!;
  assert.equal(nov.end - nov.start, 25 * 3_600_000);
  assert.equal(new Date(nov.end).toISOString(), "2026-11-01T14:00:00.000Z");
  // Before the start date nobody is on call from this layer.
  assert.equal(layerShift(layer, at(2026, 3, 6, 8), NY), null);
});

Deno.test("schedules - weekly rotation hands off on the start date's weekday; N-hour rotation by elapsed time", () => {
  const weekly = {
    name: "W",
    participants: ["ann", "bob"],
    rotation: "weekly" as const,
    handoff: "10:00",
    startDate: "2026-11-02", // a Monday
  };
  assert.equal(layerShift(weekly, at(2026, 11, 8, 23), NY)?.userId, "ann");
  assert.equal(layerShift(weekly, at(2026, 11, 9, 9, 59), NY)?.userId, "ann");
  assert.equal(layerShift(weekly, at(2026, 11, 9, 10), NY)?.userId, "bob");
  assert.equal(layerShift(weekly, at(2026, 11, 16, 10), NY)?.userId, "ann");
  const twelve = {
    name: "H",
    participants: ["ann", "bob"],
    rotation: "hours" as const,
    hours: 12,
    handoff: "08:00",
    startDate: "2026-10-31",
  };
  // 12-hour shifts count real time: ann Oct 31 08:00 EDT, bob from 20:00 EDT; the night gains an
  // hour at the fall-back, so ann's next shift starts at 07:00 EST local.
  assert.equal(layerShift(twelve, at(2026, 10, 31, 8), NY)?.userId, "ann");
  assert.equal(layerShift(twelve, at(2026, 10, 31, 20), NY)?.userId, "bob");
  assert.equal(layerShift(twelve, at(2026, 11, 1, 6, 59), NY)?.userId, "bob");
  assert.equal(layerShift(twelve, at(2026, 11, 1, 7), NY)?.userId, "ann");
});

Deno.test("schedules - a higher layer wins where it applies; overrides win over layers; latest override wins", () => {
  const base = {
    name: "24x7",
    participants: ["ann", "bob"],
    rotation: "weekly" as const,
    handoff: "09:00",
    startDate: "2026-11-02",
  };
  const daytime = {
    name: "business hours",
    participants: ["day"],
    rotation: "daily" as const,
    handoff: "09:00",
    startDate: "2026-11-02",
    restrict: { days: [1, 2, 3, 4, 5], from: "09:00", to: "18:00" },
  };
  const s = schedule([base, daytime]);
  assert.deepEqual(onCallAt(s, at(2026, 11, 3, 10)), { userId: "day", source: "business hours" });
  assert.deepEqual(onCallAt(s, at(2026, 11, 3, 20)), { userId: "ann", source: "24x7" });
  assert.deepEqual(onCallAt(s, at(2026, 11, 7, 10)), { userId: "ann", source: "24x7" }, "Saturday");
  s.overrides = [
    {
      id: "o1",
      userId: "cid",
      start: at(2026, 11, 3, 18),
      end: at(2026, 11, 4, 9),
      createdBy: "cid",
      createdAt: 1,
    },
    {
      id: "o2",
      userId: "dan",
      start: at(2026, 11, 3, 22),
      end: at(2026, 11, 3, 23),
      createdBy: "x",
      createdAt: 2,
    },
  ];
  assert.equal(onCallAt(s, at(2026, 11, 3, 20))?.userId, "cid");
  assert.equal(onCallAt(s, at(2026, 11, 3, 22, 30))?.userId, "dan");
  assert.equal(onCallAt(s, at(2026, 11, 4, 9))?.userId, "day");
});

Deno.test("schedules - segments and the iCal feed follow the final schedule to the minute", () => {
  const s = schedule([{
    name: "L",
    participants: ["ann", "bob"],
    rotation: "daily",
    handoff: "09:30",
    startDate: "2026-11-02",
  }], [{
    id: "o",
    userId: "cid",
    start: at(2026, 11, 3, 12, 7),
    end: at(2026, 11, 3, 12, 17),
    createdBy: "c",
    createdAt: 1,
  }]);
  const segs = segments(s, at(2026, 11, 3, 0), at(2026, 11, 4, 0));
  assert.deepEqual(
    segs.map((x) => [x.userId, localParts(x.start, NY).h, localParts(x.start, NY).mi]),
    [
      ["ann", 0, 0],
      ["bob", 9, 30],
      ["cid", 12, 7],
      ["bob", 12, 17],
    ],
  );
  const ics = toIcal(s, { ann: "Ann", bob: "Bob", cid: "Cid" }, at(2026, 11, 3, 0), 1);
  assert.match(ics, /^BEGIN:VCALENDAR\r\n/);
  assert.match(ics, /SUMMARY:On call: Cid\r\n/);
  assert.match(ics, /DTSTART:20261103T170700Z\r\n/);
  assert.equal((ics.match(/BEGIN:VEVENT/g) ?? []).length, 4);
});
