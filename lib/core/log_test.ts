import assert from "node:assert/strict";
import { logError, logSafe } from "./log.ts";

Deno.test("logSafe - escapes every control character and leaves the rest", () => {
  assert.equal(logSafe("GET /a\nb\r\tc\u001b[31m"), "GET /a\\nb\\r\\tc\\x1b[31m");
  assert.equal(logSafe("x\u0000\u007f\u0085\u2028y"), "x\\x00\\x7f\\x85\\u2028y");
  assert.equal(logSafe("plain ünïcode 名前"), "plain ünïcode 名前");
  for (let c = 0; c < 0x2030; c++) {
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(logSafe(String.fromCharCode(c)), /[\u0000-\u001f\u007f-\u009f]/);
  }
});

Deno.test("logError - an error's stack on one line", () => {
  const line = logError(new Error("bad\nname\u001b"));
  assert.match(line, /^Error: bad\\nname\\x1b\\n {4}at /);
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(line, /[\n\r\u001b]/);
  assert.equal(logError("text\n"), "text\\n");
});
