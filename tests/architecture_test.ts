import * as assert from "node:assert/strict";
import {
  appModules,
  circles,
  FUNCTION_LINES,
  functionsIn,
  LONG_MARKER,
  MODULE_LINES,
  readImportGraph,
  sizeViolations,
  violations,
} from "./_architecture.ts";

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

/**
 * Known debt: the long modules and functions (`path` or `path#function`) the size check skips until
 * someone splits them or writes their reason. Each entry is a debt to pay, not a permission: the
 * check fails when an entry no longer matches anything, so a fixed entry must leave this list.
 * Only browser code (client/, islands/, components/) is left here: every long server module or
 * function was split or carries its reason.
 */
const SIZE_DEBT: string[] = [];

Deno.test("architecture - no module over 400 lines and no function over 80 without a written reason", async () => {
  const found: string[] = [];
  for (const f of await appModules(ROOT)) {
    found.push(...sizeViolations(f, await Deno.readTextFile(`${ROOT}/${f}`)));
  }
  const key = (v: string) => v.slice(0, v.indexOf(": "));
  assert.deepEqual(found.filter((v) => !SIZE_DEBT.includes(key(v))), []);
  const stale = SIZE_DEBT.filter((d) => !found.some((v) => key(v) === d));
  assert.deepEqual(stale, [], "paid debts: remove them from SIZE_DEBT");
});

Deno.test("architecture - the size check catches a planted long module and long functions", () => {
  const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`);
  const fn = (head: string, n: number, end = "}") => [head, ...body(n - 2), end];
  const reason = `// ${LONG_MARKER} a planted reason.`;

  // A module one line over the limit, with no function in it.
  const long = Array.from({ length: MODULE_LINES + 1 }, (_, i) => `export const c${i} = ${i};`);
  assert.deepEqual(sizeViolations("lib/x.ts", long.join("\n") + "\n").map((v) => v.split(":")[0]), [
    "lib/x.ts",
  ]);
  assert.deepEqual(sizeViolations("lib/x.ts", long.slice(1).join("\n")), [], "at the limit");
  const reasoned = ["/**", " * The module.", ` * ${LONG_MARKER} a planted reason.`, " */", ...long];
  assert.deepEqual(sizeViolations("lib/x.ts", reasoned.join("\n")), []);
  const late = [...long.slice(0, 15), reason, ...long.slice(15)];
  assert.equal(sizeViolations("lib/x.ts", late.join("\n")).length, 1, "a reason too far down");

  // Each kind of function, one line over the limit, then exactly at it.
  const kinds = [
    {
      name: "a",
      lines: fn("export async function a(x: number): Promise<void> {", FUNCTION_LINES + 1),
    },
    { name: "b", lines: fn("function b() {", FUNCTION_LINES + 1) },
    { name: "default", lines: fn("export default function () {", FUNCTION_LINES + 1) },
    { name: "d", lines: fn("const d = async (x: number) => {", FUNCTION_LINES + 1, "};") },
    {
      name: "e",
      lines: ["export const e = (", "  x: number,", ...fn(") => {", FUNCTION_LINES - 1)],
    },
    {
      name: "#m",
      inClass: true,
      lines: fn("  async #m(x: number) {", FUNCTION_LINES + 1, "  }").map((l) =>
        l.startsWith("    ") ? "  " + l : l
      ),
    },
  ];
  for (const k of kinds) {
    const place = (above: string[]) =>
      k.inClass
        ? ['import x from "y";', "class C {", ...above.map((l) => "  " + l), ...k.lines, "}"]
        : ['import x from "y";', ...above, ...k.lines];
    const found = sizeViolations("lib/f.ts", place([""]).join("\n"));
    assert.equal(found.length, 1, `${k.name}: ${found.join("\n")}`);
    const at = k.inClass ? 4 : 3;
    assert.ok(
      found[0].startsWith(`lib/f.ts#${k.name}: ${FUNCTION_LINES + 1} lines at line ${at}`),
      found[0],
    );
    const withReason = ["/**", " * Does it.", ` * ${LONG_MARKER} planted.`, " */"];
    assert.deepEqual(sizeViolations("lib/f.ts", place(withReason).join("\n")), [], k.name);
    assert.equal(
      sizeViolations("lib/f.ts", place([reason, ""]).join("\n")).length,
      1,
      `${k.name}: the reason must sit right above`,
    );
  }
  const atLimit = fn("function ok() {", FUNCTION_LINES).join("\n");
  assert.deepEqual(sizeViolations("lib/f.ts", atLimit), []);

  // Expression arrows, one-line functions and statements in a method are not mistaken for bodies.
  const quiet = [
    "const f = (x: number) => x + 1;",
    "export function g() {}",
    "class K {",
    "  run() {",
    "    if (x) {",
    "      clearTimeout(t);",
    "    }",
    "  }",
    "}",
  ].join("\n");
  assert.deepEqual(functionsIn(quiet).map((f) => [f.name, f.start, f.end]), [["run", 4, 8]]);
});
