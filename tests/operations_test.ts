import assert from "node:assert/strict";
import { freePort, ServerProcess } from "./_process.ts";

async function answers(url: string): Promise<boolean> {
  try {
    const r = await fetch(url + "/healthz", { signal: AbortSignal.timeout(2_000) });
    await r.body?.cancel();
    return r.ok;
  } catch {
    return false;
  }
}

Deno.test("TOCSIN_HOST - the server listens on the address given, and on no other", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const port = freePort();
    {
      await using server = new ServerProcess(`${dir}/a.kv`, port, { TOCSIN_HOST: "127.0.0.1" });
      await server.start();
      assert.ok(await answers(`http://127.0.0.1:${port}`));
    }
    // Another loopback address (all of 127/8 is local on Linux): only it answers.
    const port2 = freePort();
    await using server = new ServerProcess(
      `${dir}/b.kv`,
      port2,
      { TOCSIN_HOST: "127.0.0.2" },
      [],
      { host: "127.0.0.2" },
    );
    await server.start();
    assert.ok(await answers(`http://127.0.0.2:${port2}`), "answers on TOCSIN_HOST");
    assert.ok(!(await answers(`http://127.0.0.1:${port2}`)), "not bound to every interface");
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("TOCSIN_LOG_FORMAT=json - every line the server writes is one JSON object", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const server = new ServerProcess(
      `${dir}/t.kv`,
      freePort(),
      {
        TOCSIN_LOG_FORMAT: "json",
        NO_COLOR: "1",
      },
      [],
      { captureOutput: true },
    );
    await server.start();
    // Requests that log nothing and one that does not exist; then a graceful stop, which logs.
    for (const path of ["/healthz", "/readyz", "/api/v1/nothing\n\u001b[31m"]) {
      await (await fetch(server.url + path)).body?.cancel();
    }
    await server.stop();
    const { stdout, stderr } = await server.output();
    const lines = [...stdout.split("\n"), ...stderr.split("\n")].filter((l) => l !== "");
    const records = lines.map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        throw new Error(`not a JSON line: ${JSON.stringify(l)}`);
      }
    });
    for (const r of records) {
      assert.equal(typeof r, "object");
      assert.ok(!Number.isNaN(Date.parse(r.ts)), JSON.stringify(r));
      assert.ok(["info", "warn", "error"].includes(r.level), JSON.stringify(r));
      assert.equal(typeof r.msg, "string");
    }
    const msgs = records.map((r) => r.msg);
    assert.ok(msgs.some((m) => m.startsWith("tocsin listening on http://")), msgs.join(" | "));
    assert.ok(msgs.includes("tocsin: shutting down"), msgs.join(" | "));
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("TOCSIN_LOG_FORMAT=json - a configuration error is one JSON line too, and stops start-up", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../main.ts", import.meta.url).pathname],
    env: { TOCSIN_LOG_FORMAT: "json", PORT: "eighty", TOCSIN_KV: ":memory:", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 1);
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  const lines = text.split("\n").filter((l) => l !== "");
  assert.equal(lines.length, 1, text);
  const r = JSON.parse(lines[0]);
  assert.equal(r.level, "error");
  assert.equal(r.msg, "tocsin: invalid configuration");
  assert.match(r.detail, /^PORT must be a non-negative integer/);
});
