import assert from "node:assert/strict";
import type { Alert } from "../alerts/model.ts";
import { alertDeltas, bucketOf, BUCKETS_MS, dayOf, isNight, pageDeltas } from "./rollups.ts";
import { p90FromBuckets } from "./report.ts";

const NIGHT = { reportNightFromHour: 22, reportNightToHour: 7 };

Deno.test("rollups - night is measured in the paged person's time zone", () => {
  // 15:30 UTC is 23:30 in Shanghai and 10:30 in New York.
  const at = Date.UTC(2026, 10, 30, 15, 30);
  assert.equal(isNight(at, "Asia/Shanghai", NIGHT), true);
  assert.equal(isNight(at, "America/New_York", NIGHT), false);
  assert.equal(isNight(at, "UTC", NIGHT), false);
  // 06:59 is still night, 07:00 is not (the end hour is exclusive).
  assert.equal(isNight(Date.UTC(2026, 10, 30, 6, 59), "UTC", NIGHT), true);
  assert.equal(isNight(Date.UTC(2026, 10, 30, 7, 0), "UTC", NIGHT), false);
  // A window that does not cross midnight.
  assert.equal(
    isNight(Date.UTC(2026, 10, 30, 2), "UTC", { ...NIGHT, reportNightFromHour: 1 }),
    true,
  );
  const a = { teamId: "T", createdAt: at } as Alert;
  const zones = new Map([["sh", "Asia/Shanghai"], ["ny", "America/New_York"]]);
  const deltas = pageDeltas(a, ["sh", "ny"], at, zones, NIGHT).map(([k]) => k.slice(3).join("/"));
  assert.deepEqual(deltas, ["user/sh/pages", "user/sh/night", "user/ny/pages"]);
});

Deno.test("rollups - p90 is the bound of the bucket the 90th percentile falls in", () => {
  assert.equal(p90FromBuckets([]), null);
  assert.equal(bucketOf(30_000), 0);
  assert.equal(bucketOf(30_001), 1);
  assert.equal(bucketOf(10 * 86_400_000), BUCKETS_MS.length);
  // 100 durations: 85 within a minute, 10 within five minutes, 5 beyond an hour.
  const counts: number[] = [];
  counts[bucketOf(50_000)] = 85;
  counts[bucketOf(240_000)] = 10;
  counts[bucketOf(4_000_000)] = 5;
  assert.equal(p90FromBuckets(counts), 300_000);
  // 80 within a minute, 4 within five minutes, 16 beyond an hour: the 90th is a slow one.
  counts[bucketOf(50_000)] = 80;
  counts[bucketOf(240_000)] = 4;
  counts[bucketOf(4_000_000)] = 16;
  assert.equal(p90FromBuckets(counts), 5_400_000);
  // Longer than the last bound: reported at the last bound.
  assert.equal(p90FromBuckets([0, 1, ...Array(BUCKETS_MS.length - 1).fill(0), 9]), 604_800_000);
});

Deno.test("rollups - an alert's first life counts its times; a reopened one counts the person only", () => {
  const base = {
    id: "A",
    teamId: "T",
    createdAt: 1_000,
    source: "s",
    key: "k",
    title: "t",
    priority: "high",
    status: "triggered",
    acknowledgedBy: null,
    resolvedBy: null,
  } as unknown as Alert;
  const names = (d: ReturnType<typeof alertDeltas>) =>
    d.map(([k, n]) => `${k.slice(3).join("/")}=${n}`);
  assert.deepEqual(names(alertDeltas(null, base, 1_000)), [
    "created/high=1",
    "source/s=1",
    "key/s/k/n=1",
    "title/t/n=1",
  ]);
  const acked = { ...base, status: "acknowledged", acknowledgedBy: "u" } as Alert;
  assert.deepEqual(names(alertDeltas(base, acked, 61_000)), [
    "ack/n=1",
    "ack/sum=60000",
    `ackh/${bucketOf(60_000)}=1`,
    "key/s/k/acked=1",
    "title/t/acked=1",
    "user/u/acks=1",
  ]);
  // The same change after a reopen (epoch 1): only the person's acknowledgement.
  assert.deepEqual(
    names(alertDeltas({ ...base, epoch: 1 }, { ...acked, epoch: 1 }, 99_000)),
    ["user/u/acks=1"],
  );
  // Nothing moved: no counter.
  assert.deepEqual(alertDeltas(acked, { ...acked, priority: "low" }, 99_000), []);
});

Deno.test("rollups - a day is the calendar date in the reports' zone, DST included", () => {
  const date = (n: number) => new Date(n * 86_400_000).toISOString().slice(0, 10);
  // 20:00 UTC on 30 November is 04:00 on 1 December in Shanghai, 15:00 on the 30th in New York.
  const at = Date.UTC(2026, 10, 30, 20);
  assert.equal(date(dayOf(at)), "2026-11-30");
  assert.equal(date(dayOf(at, "UTC")), "2026-11-30");
  assert.equal(date(dayOf(at, "Asia/Shanghai")), "2026-12-01");
  assert.equal(date(dayOf(at, "America/New_York")), "2026-11-30");
  // New York's day turns at 05:00 UTC in winter (EST) and at 04:00 UTC in summer (EDT).
  assert.equal(date(dayOf(Date.UTC(2026, 0, 15, 4, 30), "America/New_York")), "2026-01-14");
  assert.equal(date(dayOf(Date.UTC(2026, 0, 15, 5, 30), "America/New_York")), "2026-01-15");
  assert.equal(date(dayOf(Date.UTC(2026, 6, 15, 3, 30), "America/New_York")), "2026-07-14");
  assert.equal(date(dayOf(Date.UTC(2026, 6, 15, 4, 30), "America/New_York")), "2026-07-15");
  const [k] = alertDeltas(
    null,
    {
      id: "a",
      teamId: "t",
      createdAt: at,
      priority: "high",
      source: "s",
      key: "k",
      title: "x",
      status: "triggered",
    } as unknown as Alert,
    at,
    "Asia/Shanghai",
  )[0];
  assert.equal(date(Number(k[2])), "2026-12-01", "the counter's key holds the zone's day");
});
