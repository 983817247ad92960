import assert from "node:assert/strict";
import { redactRaw, redactText, redactValue } from "./redact.ts";

Deno.test("redactText - each credential form loses its secret, the rest stays", () => {
  const cases: [string, string][] = [
    ["postgres://user:s3cret@db:5432/x", "postgres://user:***@db:5432/x"],
    ["redis://:pw123456@cache:6379", "redis://:***@cache:6379"],
    ["Authorization: Bearer abc.def-123456", "Authorization: Bearer ***"],
    ["slack xoxb-123-456-abcdefABCDEF", "slack xoxb-***"],
    ["key AKIAIOSFODNN7EXAMPLE here", "key AKIAIOSF*** here"],
    ["ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_***"],
    ["https://x/send?access_token=abc123&y=1", "https://x/send?access_token=***&y=1"],
    ["https://qyapi/send?key=abc-123", "https://qyapi/send?key=***"],
    ["db_password=hunter22 next", "db_password=*** next"],
    [
      "https://hooks.slack.com/services/T01/B02/abcdef123",
      "https://hooks.slack.com/services/T01/B02/***",
    ],
    ["Basic Zm9vOmJhcmJhenF1eA", "Basic ***"],
  ];
  for (const [input, want] of cases) {
    assert.equal(redactText(input), want, input);
  }
  for (
    const keep of [
      "Disk full on db-2 (95%)",
      "https://grafana.example/d/abc?orgId=1&viewPanel=2",
      "Basic authentication failed for user bob",
      "http://prom:9090/graph?g0.expr=up",
      "token bucket empty",
    ]
  ) assert.equal(redactText(keep), keep);
});

Deno.test("redactValue - secret fields, name/value pairs, JSON in strings; own keys only", () => {
  const v = JSON.parse(
    '{"routing_key":"R0123","__proto__":{"password":"p1"},"tags":[{"tag":"Password","value":"p2"}],' +
      '"s":"[{\\"tag\\":\\"token\\",\\"value\\":\\"p3\\"}]","n":1,"plain":"{\\"a\\": 1}"}',
  );
  const out = redactValue(v) as Record<string, unknown>;
  const text = JSON.stringify(out);
  for (const s of ["R0123", "p1", "p2", "p3"]) assert.ok(!text.includes(s), text);
  assert.equal(Object.getPrototypeOf(out), Object.prototype, "__proto__ stays a plain key");
  assert.equal(out.plain, '{"a": 1}', "harmless JSON keeps its layout");
  assert.equal(out.n, 1);
});

Deno.test("redactRaw - JSON stays JSON; text is redacted as text; linear on hostile input", () => {
  assert.deepEqual(JSON.parse(redactRaw('{"routing_key":"abc","x":"y"}')), {
    routing_key: "***",
    x: "y",
  });
  assert.equal(redactRaw("pw: postgres://a:b12345@h"), "pw: postgres://a:***@h");
  const hostile = "a_".repeat(50_000) + "=" + "x://".repeat(10_000) + "Bearer ".repeat(5_000);
  const t0 = performance.now();
  redactRaw(hostile);
  assert.ok(performance.now() - t0 < 2_000, "no super-linear matching");
});
