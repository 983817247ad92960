import assert from "node:assert/strict";
import { Client } from "./_helpers.ts";
import { freePort } from "./_process.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

/**
 * Starts the real server (`deno run main.ts`), returns its first stdout line once it is
 * listening, and stops it after `then` ran.
 */
async function firstLine(
  kvPath: string,
  env: Record<string, string> = {},
  then: (url: string) => Promise<void> = () => Promise.resolve(),
): Promise<string> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN],
    env: {
      TOCSIN_KV: kvPath,
      PORT: String(port),
      TOCSIN_ARGON2_MEMORY_KIB: "1024",
      TOCSIN_ARGON2_ITERATIONS: "1",
      ...env,
    },
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    let text = "";
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no line on stdout: " + text)), 30_000);
    });
    while (!text.includes("\n")) {
      const r = await Promise.race([reader.read(), timeout]);
      if (r.done) break;
      text += r.value;
    }
    await then(`http://127.0.0.1:${port}`);
    return text.split("\n")[0];
  } finally {
    clearTimeout(timer);
    child.kill("SIGTERM");
    await reader.cancel().catch(() => {});
    await child.status;
  }
}

Deno.test("main - the first log line tells where to create the first administrator", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tocsin-firstrun-" });
  try {
    const kvPath = `${dir}/tocsin.kv`;
    const line = await firstLine(kvPath, {}, async (url) => {
      const r = await new Client(url).post("/api/v1/setup", {
        email: "admin@example.com",
        name: "Admin",
        password: "admin-password",
      });
      assert.equal(r.status, 201);
    });
    assert.match(
      line,
      /open http:\/\/localhost:\d+\/ to create the first administrator/,
      line,
    );
    // Once an administrator exists, the line says nothing of it.
    const again = await firstLine(kvPath);
    assert.match(again, /listening on http/);
    assert.doesNotMatch(again, /first administrator/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main - the first-run hint uses TOCSIN_PUBLIC_URL when it is set", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tocsin-firstrun-" });
  try {
    const line = await firstLine(`${dir}/tocsin.kv`, {
      TOCSIN_PUBLIC_URL: "https://tocsin.example.com",
    });
    assert.match(line, /open https:\/\/tocsin\.example\.com\/ to create the first administrator/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
