import assert from "node:assert/strict";
import { isUlid, ulid } from "./ids.ts";

Deno.test("ulid - strictly increasing within one millisecond and sortable by time", () => {
  const t = Date.UTC(2026, 10, 25);
  const ids = Array.from({ length: 1000 }, () => ulid(t));
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i] > ids[i - 1]);
  assert.ok(ulid(t + 1) > ids[ids.length - 1]);
  assert.ok(ids.every(isUlid));
});

Deno.test("ulid - isUlid rejects junk", () => {
  for (
    const s of ["", "abc", "01ARZ3NDEKTSV4RRFFQ69G5FAVX", "01ARZ3NDEKTSV4RRFFQ69G5FAU", "../../etc"]
  ) {
    assert.equal(isUlid(s), false, s);
  }
});
