import * as assert from "node:assert/strict";
import { appModules, circles, readImportGraph, violations } from "./_architecture.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("architecture - the application's import graph keeps the rules of docs/architecture.md", async () => {
  const files = await appModules(ROOT);
  assert.ok(files.includes("lib/protocol.ts") && files.includes("main.ts"), "modules found");
  const graph = await readImportGraph(ROOT, files);
  assert.ok(graph.size >= files.length, "every module was read");
  assert.deepEqual(violations(graph), []);
});

Deno.test("architecture - the check catches a planted circle and each forbidden arrow", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tocsin-arch-plant-" });
  try {
    await Deno.copyFile(`${ROOT}/deno.json`, `${dir}/deno.json`);
    const files: Record<string, string> = {
      // A circle made of type imports only: still a circle.
      "lib/chat/a.ts": 'import type { B } from "./b.ts";\nexport interface A { b?: B }\n',
      "lib/chat/b.ts": 'import type { A } from "./a.ts";\nexport interface B { a?: A }\n',
      "lib/core/keys.ts": "export const keys = {};\n",
      "lib/protocol.ts": "export type Frame = { type: string };\n",
      "routes/x.ts": 'import { keys } from "../lib/core/keys.ts";\nexport const k = keys;\n',
      "client/y.ts":
        'import type { A } from "../lib/chat/a.ts";\nimport type { Frame } from "../lib/protocol.ts";\nexport type Y = [A, Frame];\n',
      "lib/z.ts":
        'import { Hono } from "hono";\nimport { h } from "../routes/x.ts";\nexport const z = [Hono, h];\n',
    };
    for (const [p, text] of Object.entries(files)) {
      await Deno.mkdir(`${dir}/${p.replace(/\/[^/]+$/, "")}`, { recursive: true });
      await Deno.writeTextFile(`${dir}/${p}`, text);
    }
    const graph = await readImportGraph(dir, await appModules(dir));
    assert.deepEqual(circles(graph), [["lib/chat/a.ts", "lib/chat/b.ts"]]);
    const found = violations(graph);
    assert.ok(
      found.some((v) => v.startsWith("import circle: lib/chat/a.ts -> lib/chat/b.ts")),
      found.join("\n"),
    );
    assert.ok(
      found.some((v) => v.startsWith("routes/x.ts imports the key builder")),
      found.join("\n"),
    );
    assert.ok(
      found.some((v) =>
        v.startsWith("client/y.ts (browser code) imports the server module lib/chat/a.ts")
      ),
    );
    assert.ok(
      !found.some((v) => v.includes("lib/protocol.ts:") || v.includes("module lib/protocol.ts")),
    );
    assert.ok(found.some((v) => v === "lib/z.ts imports routes/x.ts: lib/ never imports routes/"));
    assert.ok(
      found.some((v) =>
        v === "lib/z.ts imports npm:hono: lib/ knows no HTTP framework or UI library"
      ),
    );
    assert.equal(found.length, 5, found.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
