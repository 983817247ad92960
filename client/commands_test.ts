import assert from "node:assert/strict";
import { commandTarget, parseCommand } from "./commands.ts";
import type { Alert } from "../lib/protocol.ts";

const alert = (id: string, status: Alert["status"], updatedAt = 1) =>
  ({ id, status, updatedAt, title: id }) as Alert;

Deno.test("parseCommand - the alert thread's words, any case, with a note after them", () => {
  assert.deepEqual(parseCommand("/ack"), { kind: "ack", word: "/ack" });
  assert.deepEqual(parseCommand("  /Acknowledge on it"), { kind: "ack", word: "/acknowledge" });
  assert.deepEqual(parseCommand("/RESOLVE fixed"), { kind: "resolve", word: "/resolve" });
  assert.deepEqual(parseCommand("/reopen\nagain"), { kind: "reopen", word: "/reopen" });
  for (const text of ["/acked it", "/var/log is full", "ack", "please /ack", "/resolved"]) {
    assert.equal(parseCommand(text), null, text);
  }
});

Deno.test("commandTarget - only one fitting alert is a target; none or several are not", () => {
  assert.deepEqual(commandTarget("ack", [alert("a", "triggered"), alert("b", "resolved")]), {
    alert: alert("a", "triggered"),
  });
  assert.deepEqual(commandTarget("resolve", [alert("a", "acknowledged")]), {
    alert: alert("a", "acknowledged"),
  });
  assert.deepEqual(commandTarget("ack", [alert("a", "triggered"), alert("b", "acknowledged")]), {
    many: 2,
  });
  assert.deepEqual(commandTarget("resolve", [alert("b", "resolved")]), { none: true });
  assert.deepEqual(commandTarget("reopen", [alert("a", "triggered"), alert("b", "resolved")]), {
    alert: alert("b", "resolved"),
  });
  assert.deepEqual(commandTarget("ack", []), { none: true });
});
