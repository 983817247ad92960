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

/** A module longer than this needs a reason at its top. */
export const MODULE_LINES = 400;
/** A function longer than this needs a reason in the comment right above it. */
export const FUNCTION_LINES = 80;
/** The marker that starts the written reason for a long module or function. */
export const LONG_MARKER = "Long because:";
/** How far from the top of a module its reason may stand. */
const MODULE_REASON_LINES = 15;

/** One function found by {@link functionsIn}: its name and its 1-based first and last lines. */
export interface FoundFunction {
  name: string;
  start: number;
  end: number;
}

const isComment = (line: string) => /^\s*(\/\/|\/\*|\*)/.test(line);
const hasMarker = (line: string) => isComment(line) && line.includes(LONG_MARKER);

/**
 * The functions of a `deno fmt`-formatted module, found conservatively on its layout: top-level
 * `function` declarations (exported, async, default or not) ending at the first later line that is
 * exactly `}`; class methods (a 2-space indented start inside a top-level class) ending at the first
 * later `  }`; and top-level `const x = (...) => {` arrows ending at the first `}` or `};` at column 0.
 */
export function functionsIn(text: string): FoundFunction[] {
  const lines = text.split("\n");
  const out: FoundFunction[] = [];
  const endAt = (from: number, ends: string[]) => {
    for (let j = from + 1; j < lines.length; j++) if (ends.includes(lines[j])) return j;
    return -1;
  };
  let classEnd = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fn = /^(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*([\w$]*)/.exec(line);
    const cls = /^(?:export\s+)?(?:default\s+)?(?:abstract\s+)?class\b/.test(line);
    const arrow = /^(?:export\s+)?const\s+([\w$]+)\b[^=]*=\s*(?:async\s+)?(?:\(|[\w$]+\s*=>)/
      .exec(line);
    if (cls) {
      classEnd = line.endsWith("{") ? endAt(i, ["}"]) : -1;
      continue;
    }
    if (i < classEnd) {
      const method =
        /^ {2}(?:(?:public|private|protected|static|async|override|readonly|get|set)\s+)*(?:\*\s*)?(#?[\w$]+)\s*[<(]/
          .exec(line);
      if (method && !/^\s*(?:if|for|while|switch|return)\b/.test(line)) {
        const end = endAt(i, ["  }"]);
        if (end > 0 && end < classEnd) out.push({ name: method[1], start: i + 1, end: end + 1 });
      }
      continue;
    }
    if (fn && !/[;}]$/.test(line)) {
      const end = endAt(i, ["}"]);
      if (end > 0) out.push({ name: fn[1] || "default", start: i + 1, end: end + 1 });
    } else if (arrow) {
      // The body must open with `=> {` by the next column-0 line (`) => {` closing wrapped
      // parameters): `const f = (a) => a;` is an expression arrow, not a block.
      let open = -1;
      for (let j = i; j < lines.length; j++) {
        if (/=>\s*\{$/.test(lines[j])) {
          open = j;
          break;
        }
        if (j > i && /^\S/.test(lines[j])) break;
      }
      if (open < 0) continue;
      const end = endAt(open, ["}", "};"]);
      if (end > 0) out.push({ name: arrow[1], start: i + 1, end: end + 1 });
    }
  }
  return out;
}

/** Whether the comment block right above 0-based `line` carries the long-function marker. */
function reasonAbove(lines: string[], line: number): boolean {
  for (let j = line - 1; j >= 0 && isComment(lines[j]); j--) if (hasMarker(lines[j])) return true;
  return false;
}

/**
 * Every module over {@link MODULE_LINES} lines without a `Long because:` comment in its first
 * lines, and every function over {@link FUNCTION_LINES} lines without one right above it. Each
 * finding starts with its key (`path` or `path#function`) and a colon.
 */
export function sizeViolations(path: string, text: string): string[] {
  const lines = text.replace(/\n$/, "").split("\n");
  const out: string[] = [];
  if (lines.length > MODULE_LINES && !lines.slice(0, MODULE_REASON_LINES).some(hasMarker)) {
    out.push(
      `${path}: ${lines.length} lines (over ${MODULE_LINES}): split it, or write the reason as a "${LONG_MARKER}" comment in its first ${MODULE_REASON_LINES} lines`,
    );
  }
  for (const f of functionsIn(text)) {
    const length = f.end - f.start + 1;
    if (length > FUNCTION_LINES && !reasonAbove(lines, f.start - 1)) {
      out.push(
        `${path}#${f.name}: ${length} lines at line ${f.start} (over ${FUNCTION_LINES}): split it into named steps, or write the reason as a "${LONG_MARKER}" comment right above it`,
      );
    }
  }
  return out;
}
