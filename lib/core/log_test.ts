import assert from "node:assert/strict";
import {
  escapeControl,
  log,
  type LogLevel,
  RECENT_ERRORS_MAX,
  recentErrors,
  setLogFormat,
  setLogSink,
} from "./log.ts";

function capture(fn: () => void): [LogLevel, string][] {
  const lines: [LogLevel, string][] = [];
  setLogSink((level, line) => lines.push([level, line]));
  try {
    fn();
  } finally {
    setLogSink(null);
    setLogFormat("text");
  }
  return lines;
}

Deno.test("log - text lines keep the message and escape control characters", () => {
  const lines = capture(() => {
    setLogFormat("text");
    log.info("tocsin listening on http://0.0.0.0:8000");
    log.error("GET /x\nFAKE ERROR forged line\u001b[31m failed", new Error("boom\r\nsecond"));
    log.warn("w", { a: "b\u0007" });
  });
  assert.equal(lines[0][0], "info");
  assert.equal(lines[0][1], "tocsin listening on http://0.0.0.0:8000");
  assert.equal(lines[1][0], "error");
  for (const [, l] of lines) {
    assert.ok([...l].every((ch) => ch >= " " && ch !== "\u007f"), JSON.stringify(l));
  }
  assert.ok(
    lines[1][1].startsWith("GET /x\\nFAKE ERROR forged line\\x1b[31m failed Error: boom"),
  );
  assert.match(lines[2][1], /\\(u0007|x07)/);
  assert.equal(escapeControl("a\u2028b\u009bc\td"), "a\\u2028b\\x9bc\\td");
});

Deno.test("log - json lines are one object each with ts, level, msg and fields", () => {
  const lines = capture(() => {
    setLogFormat("json");
    log.info("hello");
    log.error("sweep failed", new Error("multi\nline"), { id: 7n });
  });
  const [a, b] = lines.map(([, l]) => JSON.parse(l));
  assert.equal(a.level, "info");
  assert.equal(a.msg, "hello");
  assert.ok(!Number.isNaN(Date.parse(a.ts)));
  assert.equal(b.level, "error");
  assert.match(b.error, /^Error: multi\nline/);
  assert.deepEqual(b.detail, { id: "7" });
  for (const [, l] of lines) assert.ok(!l.includes("\n"));
});

Deno.test("log - a throwing sink never reaches the caller", () => {
  setLogSink(() => {
    throw new Error("stdout closed");
  });
  try {
    log.error("x");
  } finally {
    setLogSink(null);
  }
});

Deno.test("escapeControl - escapes every control character and leaves the rest", () => {
  assert.equal(escapeControl("GET /a\nb\r\tc\u001b[31m"), "GET /a\\nb\\r\\tc\\x1b[31m");
  assert.equal(escapeControl("x\u0000\u007f\u0085\u2028y"), "x\\x00\\x7f\\x85\\u2028y");
  assert.equal(escapeControl("plain ünïcode 名前"), "plain ünïcode 名前");
  for (let c = 0; c < 0x2030; c++) {
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(escapeControl(String.fromCharCode(c)), /[\u0000-\u001f\u007f-\u009f]/);
  }
});

Deno.test("log - an error's stack is one line in text mode", () => {
  const lines = capture(() => log.error("failed", new Error("bad\nname\u001b")));
  assert.match(lines[0][1], /^failed Error: bad\\nname\\x1b\\n {4}at /);
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(lines[0][1], /[\n\r\u001b]/);
});

Deno.test("log - error lines are remembered for the System page with credentials blanked", () => {
  const lines: string[] = [];
  setLogSink((_l, line) => lines.push(line));
  try {
    log.info("not an error");
    log.error(
      "hooks: failed for https://u:hunter2@example.com/x?token=tok-123&a=1 with Authorization: Bearer abc.def",
      { password: "pw-456", apiKey: "k-789" },
    );
    const last = recentErrors().at(-1)!;
    assert.doesNotMatch(last.line, /hunter2|tok-123|abc\.def|pw-456|k-789/);
    assert.match(last.line, /^hooks: failed for https:\/\/u:\*\*\*@example\.com/);
    assert.ok(!recentErrors().some((e) => e.line.includes("not an error")));
    // What the log itself gets is unchanged: the ring is for the page.
    assert.match(lines.at(-1)!, /hunter2/);
    for (let i = 0; i < RECENT_ERRORS_MAX + 5; i++) log.error(`e${i}`);
    assert.equal(recentErrors().length, RECENT_ERRORS_MAX);
    assert.equal(recentErrors().at(-1)!.line, `e${RECENT_ERRORS_MAX + 4}`);
  } finally {
    setLogSink(null);
  }
});
