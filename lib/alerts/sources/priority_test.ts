import assert from "node:assert/strict";
import type { AlertEvent } from "../model.ts";
import { normalizePriority, priorityOf } from "./priority.ts";

function event(severity: string | null): AlertEvent {
  return {
    key: "k",
    action: "trigger",
    title: "t",
    summary: "",
    source: "s",
    severity,
    labels: {},
    annotations: {},
    links: [],
    images: [],
  };
}

Deno.test("priorityOf - maps known severities and falls back to medium", () => {
  assert.equal(priorityOf("alertmanager", event("critical")), "urgent");
  assert.equal(priorityOf("alertmanager", event("Warning")), "medium");
  assert.equal(priorityOf("zabbix", event("5")), "urgent");
  assert.equal(priorityOf("alertmanager", event("page"), { page: "high" }), "high");
  assert.equal(priorityOf("alertmanager", event(null)), "medium");
});

Deno.test("priorityOf - a severity named like an Object property is just unknown", () => {
  for (const sev of ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"]) {
    assert.equal(priorityOf("alertmanager", event(sev)), "medium", sev);
    assert.equal(priorityOf("zabbix", event(sev)), "medium", sev);
    assert.equal(priorityOf("grafana", event(sev), { page: "high" }), "medium", sev);
  }
});

Deno.test("normalizePriority - words, numbers, and nothing for Object property names", () => {
  assert.equal(normalizePriority(" HIGH "), "high");
  assert.equal(normalizePriority("1"), "urgent");
  assert.equal(normalizePriority("bogus"), undefined);
  assert.equal(normalizePriority("constructor"), undefined);
  assert.equal(normalizePriority("__proto__"), undefined);
});
