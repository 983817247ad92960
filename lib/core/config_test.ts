import assert from "node:assert/strict";
import { DEFAULT_KV_PATH, DEFAULT_PORT, ENV_NAMES, loadConfig, queuesOn } from "./config.ts";

Deno.test("config - defaults with an empty environment", () => {
  const c = loadConfig({});
  assert.equal(c.port, DEFAULT_PORT);
  assert.equal(c.kvPath, DEFAULT_KV_PATH);
  assert.equal(c.publicOrigin, null);
  assert.deepEqual(c.allowedOrigins, []);
});

Deno.test("config - reads variables and normalises origins", () => {
  const c = loadConfig({
    PORT: "9000",
    TOCSIN_KV: "https://kv.example.com/db",
    TOCSIN_PUBLIC_URL: "https://chat.example.com/some/path",
    TOCSIN_ALLOWED_ORIGINS: "https://a.example.com, http://b.example.com:8080/",
    TOCSIN_TRUST_PROXY: "true",
    TOCSIN_WS_COALESCE_MS: "0",
  });
  assert.equal(c.port, 9000);
  assert.equal(c.kvPath, "https://kv.example.com/db");
  assert.equal(c.publicOrigin, "https://chat.example.com");
  assert.deepEqual(c.allowedOrigins, ["https://a.example.com", "http://b.example.com:8080"]);
  assert.equal(c.trustProxy, true);
  assert.equal(c.wsCoalesceMs, 0);
});

Deno.test("config - a malformed value stops start-up with its name", () => {
  assert.throws(() => loadConfig({ PORT: "eighty" }), /PORT/);
  assert.throws(() => loadConfig({ TOCSIN_MAX_BODY_BYTES: "-1" }), /TOCSIN_MAX_BODY_BYTES/);
  assert.throws(() => loadConfig({ TOCSIN_PUBLIC_URL: "ftp://x" }), /TOCSIN_PUBLIC_URL/);
  assert.throws(() => loadConfig({ TOCSIN_FANOUT_SHARDS: "0" }), /SHARDS/);
});

Deno.test("config - every variable is documented in docs/config.md", async () => {
  const doc = await Deno.readTextFile(new URL("../../docs/config.md", import.meta.url));
  for (const name of ENV_NAMES) {
    assert.ok(doc.includes(`\`${name}\``), `${name} missing from docs/config.md`);
  }
});

Deno.test("config - TOCSIN_HOST and TOCSIN_LOG_FORMAT: defaults, values, and refusals", () => {
  const d = loadConfig({});
  assert.equal(d.host, "0.0.0.0");
  assert.equal(d.logFormat, "text");
  const c = loadConfig({ TOCSIN_HOST: "127.0.0.1", TOCSIN_LOG_FORMAT: "json" });
  assert.equal(c.host, "127.0.0.1");
  assert.equal(c.logFormat, "json");
  assert.equal(loadConfig({ TOCSIN_HOST: "::1" }).host, "::1");
  assert.throws(() => loadConfig({ TOCSIN_LOG_FORMAT: "xml" }), /TOCSIN_LOG_FORMAT/);
  assert.throws(() => loadConfig({ TOCSIN_HOST: "http://x/" }), /TOCSIN_HOST/);
  assert.throws(() => loadConfig({ TOCSIN_HOST: "a b" }), /TOCSIN_HOST/);
});

Deno.test("config - TOCSIN_KV_QUEUES: auto is off for a KV URL and on for a file or :memory:", () => {
  const q = (env: Record<string, string>) => queuesOn(loadConfig(env));
  assert.equal(q({}), true, "the default file");
  assert.equal(q({ TOCSIN_KV: ":memory:" }), true);
  assert.equal(q({ TOCSIN_KV: "https://api.deno.com/databases/x/connect" }), false);
  assert.equal(q({ TOCSIN_KV: "http://127.0.0.1:4512" }), false);
  assert.equal(q({ TOCSIN_KV: "http://127.0.0.1:4512", TOCSIN_KV_QUEUES: "on" }), true);
  assert.equal(q({ TOCSIN_KV_QUEUES: "off" }), false);
  assert.throws(() => loadConfig({ TOCSIN_KV_QUEUES: "yes" }), /TOCSIN_KV_QUEUES/);
});

Deno.test("config - the reports' time zone: a known zone in its canonical name, else start-up stops", () => {
  assert.equal(loadConfig({}).reportTimeZone, "UTC");
  assert.equal(
    loadConfig({ TOCSIN_REPORT_TIME_ZONE: "asia/shanghai" }).reportTimeZone,
    "Asia/Shanghai",
  );
  assert.throws(
    () => loadConfig({ TOCSIN_REPORT_TIME_ZONE: "Mars/Olympus" }),
    /TOCSIN_REPORT_TIME_ZONE/,
  );
});
