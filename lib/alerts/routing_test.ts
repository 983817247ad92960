import assert from "node:assert/strict";
import { matches, pickRoute, type Routable } from "./routing.ts";

const alert: Routable = {
  labels: { service: "checkout", env: "prod", severity: "critical" },
  source: "alertmanager",
  priority: "urgent",
  title: "HighErrorRate prod-sh",
  integrationId: "I1",
};

Deno.test("routing - matchers behave like Alertmanager's: = != =~ !~, regexes anchored", () => {
  const m = (
    field: "label" | "source" | "priority" | "title",
    op: "=" | "!=" | "=~" | "!~",
    value: string,
    label?: string,
  ) => matches(alert, { field, op, value, label });
  assert.equal(m("label", "=", "checkout", "service"), true);
  assert.equal(m("label", "!=", "checkout", "service"), false);
  assert.equal(m("label", "=~", "check.*", "service"), true);
  assert.equal(m("label", "=~", "heck", "service"), false, "anchored: a substring is not a match");
  assert.equal(m("label", "!~", "staging|dev", "env"), true);
  assert.equal(m("label", "=", "", "missing"), true, "a missing label is the empty string");
  assert.equal(m("priority", "=~", "urgent|high"), true);
  assert.equal(m("title", "=~", "High.*"), true);
  assert.equal(m("source", "!=", "grafana"), true);
});

Deno.test("routing - routes are evaluated in order; the first match wins; empty matchers match all", () => {
  const routes = [
    {
      name: "staging",
      matchers: [{ field: "label" as const, label: "env", op: "=" as const, value: "staging" }],
    },
    {
      name: "checkout",
      matchers: [{
        field: "label" as const,
        label: "service",
        op: "=" as const,
        value: "checkout",
      }],
    },
    { name: "catch-all", matchers: [] },
  ];
  assert.equal(pickRoute(routes, alert)?.route.name, "checkout");
  assert.equal(pickRoute(routes, { ...alert, labels: { env: "staging" } })?.route.name, "staging");
  assert.equal(pickRoute(routes, { ...alert, labels: {} })?.route.name, "catch-all");
  assert.equal(pickRoute(routes.slice(0, 2), { ...alert, labels: {} }), null);
});

Deno.test("routing - a label named like an Object member is missing unless the alert has it", () => {
  const label = (name: string, op: "=" | "=~", value: string, labels = alert.labels) =>
    matches({ ...alert, labels }, { field: "label", label: name, op, value });
  for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty", "prototype"]) {
    assert.equal(label(name, "=", ""), true, `${name}: missing, so the empty string`);
    assert.equal(label(name, "=~", ".+"), false, name);
    assert.equal(label(name, "=", "x", Object.fromEntries([[name, "x"]])), true, name);
  }
});
