import assert from "node:assert/strict";
import { instantToZoned, zonedToInstant } from "./zoned.ts";

Deno.test("zoned - a wall time in a named zone round-trips, DST included", () => {
  assert.equal(
    new Date(zonedToInstant("2026-03-08T09:00", "America/New_York")).toISOString(),
    "2026-03-08T13:00:00.000Z",
  );
  assert.equal(
    new Date(zonedToInstant("2026-03-07T09:00", "America/New_York")).toISOString(),
    "2026-03-07T14:00:00.000Z",
  );
  assert.equal(
    new Date(zonedToInstant("2026-12-01T20:30", "Asia/Shanghai")).toISOString(),
    "2026-12-01T12:30:00.000Z",
  );
  assert.equal(instantToZoned(Date.UTC(2026, 11, 1, 12, 30), "Asia/Shanghai"), "2026-12-01T20:30");
  assert.ok(Number.isNaN(zonedToInstant("garbage", "UTC")));
});
