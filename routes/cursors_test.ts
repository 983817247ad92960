import assert from "node:assert/strict";
import { formatCursors, parseCursors } from "./cursors.ts";

const A = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
const B = "01BX5ZZKBKACTAV9WEVGEMMVRZ";

Deno.test("cursors - round trip, keeping the larger seq of a repeated id", () => {
  assert.deepEqual(parseCursors(`${A}:3,${B}:0,${A}:7`), { [A]: 7, [B]: 0 });
  assert.equal(formatCursors(Object.entries({ [A]: 7, [B]: 0 })), `${A}:7,${B}:0`);
  assert.deepEqual(parseCursors(""), {});
  assert.deepEqual(parseCursors(null), {});
});

Deno.test("cursors - junk is a 400, not a crash", () => {
  for (const s of [`${A}`, `${A}:-1`, `${A}:1.5`, `x:1`, `${A}:1:2`, `__proto__:1`, `${A}:1e400`]) {
    assert.throws(() => parseCursors(s), /cursors/, s);
  }
});
