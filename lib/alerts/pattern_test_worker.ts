/// <reference lib="deno.worker" />
// Runs the pathological matches of pattern_test.ts off the test's thread, so that a hang is a
// timeout there rather than a stuck run.
import { fullMatch } from "./pattern.ts";
import { matches } from "./routing.ts";

const long = "a".repeat(10_000);
const alert = {
  labels: { service: long },
  source: "alertmanager",
  priority: "high" as const,
  title: long,
  integrationId: "I1",
};
self.postMessage({
  nestedNoB: fullMatch("(a+)+b", long),
  nestedAllA: fullMatch("(a+)+", long),
  notNested: fullMatch("(?:a|aa)*", long),
  shortWithB: fullMatch("(a+)+b", "a".repeat(1_000) + "b"),
  matcherEq: matches(alert, { field: "label", label: "service", op: "=~", value: "(a+)+b" }),
  matcherNe: matches(alert, { field: "label", label: "service", op: "!~", value: "(a+)+b" }),
});
