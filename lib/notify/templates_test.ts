import assert from "node:assert/strict";
import { render, SAMPLE } from "./templates.ts";

Deno.test("templates - labels and values named like Object members are plain text", () => {
  const ctx = { ...SAMPLE, alert: { ...SAMPLE.alert, labels: { tier: "constructor" } } };
  assert.equal(render("[{{labels.constructor}}]", ctx), "[]", "a missing label is empty");
  assert.equal(render("[{{labels.toString|upper}}]", ctx), "[]");
  assert.equal(render("[{{labels.tier|zh}}]", ctx), "[constructor]", "no Chinese for it: as is");
  assert.equal(render("[{{labels.tier|upper}}]", ctx), "[CONSTRUCTOR]");
  assert.equal(render("{{alert.priority|zh}}", ctx), "紧急");
});
