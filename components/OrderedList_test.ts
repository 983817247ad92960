import assert from "node:assert/strict";
import { moved, patched, without } from "./OrderedList.tsx";

Deno.test("ordered list - moved takes an item to a new place and leaves the input alone", () => {
  const list = ["a", "b", "c", "d"];
  assert.deepEqual(moved(list, 3, 1), ["a", "d", "b", "c"]);
  assert.deepEqual(moved(list, 0, 1), ["b", "a", "c", "d"]);
  assert.deepEqual(moved(list, 2, 1), ["a", "c", "b", "d"]);
  assert.deepEqual(list, ["a", "b", "c", "d"]);
  // Past either end (the first row's "up", the last row's "down") it does nothing.
  assert.equal(moved(list, 0, -1), list);
  assert.equal(moved(list, 3, 4), list);
});

Deno.test("ordered list - patched changes one row and without drops one, both as copies", () => {
  const rows = [{ n: 1, k: "x" }, { n: 2, k: "y" }];
  assert.deepEqual(patched(rows, 1, { k: "z" }), [{ n: 1, k: "x" }, { n: 2, k: "z" }]);
  assert.deepEqual(without(rows, 0), [{ n: 2, k: "y" }]);
  assert.deepEqual(rows, [{ n: 1, k: "x" }, { n: 2, k: "y" }]);
});
