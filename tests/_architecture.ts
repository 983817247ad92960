/**
 * The architecture rules of docs/architecture.md, checked on the real import
 * graph as `deno info --json` reads it (type imports included).
 */

/** Module path (relative to the root) -> what it imports: module paths, or `npm:<package>`. */
export type ImportGraph = Map<string, Set<string>>;

/** Application modules: everything that ships, not tests, benches or generated files. */
export function isAppModule(path: string): boolean {
  if (/_test\.tsx?$/.test(path)) return false;
  if (path === "main.ts" || path === "build.ts") return true;
  return /^(lib|routes|client|islands|components)\/.*\.tsx?$/.test(path);
}

/** Lists the application modules under `root`. */
export async function appModules(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string) {
    for await (const e of Deno.readDir(`${root}/${dir}`)) {
      const p = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory) {
        if (["lib", "routes", "client", "islands", "components"].some((d) => p.startsWith(d))) {
          await walk(p);
        }
      } else if (isAppModule(p)) out.push(p);
    }
  }
  await walk("");
  return out.sort();
}

/** Reads the import graph of `files` (paths relative to `root`) with `deno info --json`. */
export async function readImportGraph(root: string, files: string[]): Promise<ImportGraph> {
  const base = new URL(`file://${root.replace(/\/?$/, "/")}`).href;
  const dir = await Deno.makeTempDir({ prefix: "tocsin-arch-" });
  try {
    const entry = `${dir}/entry.ts`;
    await Deno.writeTextFile(entry, files.map((f) => `import "${base}${f}";\n`).join(""));
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", `${root}/deno.json`, entry],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      modules: {
        specifier: string;
        dependencies?: { code?: { specifier: string }; type?: { specifier: string } }[];
      }[];
    };
    const rel = (s: string): string | null => {
      if (s.startsWith(base)) return s.slice(base.length);
      const npm = /^npm:\/?(@[^/@]+\/[^/@]+|[^/@]+)/.exec(s);
      return npm ? `npm:${npm[1]}` : null;
    };
    const graph: ImportGraph = new Map();
    for (const m of info.modules) {
      const from = rel(m.specifier);
      if (!from || from.startsWith("npm:")) continue;
      const to = new Set<string>();
      for (const d of m.dependencies ?? []) {
        for (const s of [d.code?.specifier, d.type?.specifier]) {
          const r = s ? rel(s) : null;
          if (r) to.add(r);
        }
      }
      graph.set(from, to);
    }
    return graph;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Import circles among application modules (strongly connected components of size > 1). */
export function circles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!isAppModule(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || graph.get(v)?.has(v)) out.push(comp.sort());
    }
  };
  for (const v of [...graph.keys()].filter(isAppModule).sort()) if (!index.has(v)) visit(v);
  return out;
}

const BROWSER = /^(client|islands|components)\//;
const NOT_IN_LIB = ["npm:hono", "npm:preact", "npm:@preact/signals", "npm:preact-render-to-string"];

/** Every broken rule, as one readable line each. */
export function violations(graph: ImportGraph): string[] {
  const out: string[] = [];
  for (const c of circles(graph)) out.push(`import circle: ${c.join(" -> ")}`);
  for (const [from, tos] of graph) {
    if (!isAppModule(from)) continue;
    for (const to of tos) {
      if (from.startsWith("routes/") && to === "lib/core/keys.ts") {
        out.push(`${from} imports the key builder ${to}: call a domain function instead`);
      }
      if (BROWSER.test(from) && to.startsWith("lib/") && to !== "lib/protocol.ts") {
        out.push(`${from} (browser code) imports the server module ${to}: only lib/protocol.ts`);
      }
      if (from.startsWith("lib/") && to.startsWith("routes/")) {
        out.push(`${from} imports ${to}: lib/ never imports routes/`);
      }
      if (from.startsWith("lib/") && NOT_IN_LIB.includes(to)) {
        out.push(`${from} imports ${to}: lib/ knows no HTTP framework or UI library`);
      }
    }
  }
  return out;
}
