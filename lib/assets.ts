/**
 * The browser bundle: built by `deno bundle` into static/build with a
 * manifest naming its build id (a hash of every file), and served by the
 * server under /static/build/<id>/ with immutable caching.
 */
import { sha256Hex } from "./core/crypto.ts";

/** Where `deno task build` writes the bundle, relative to the project root. */
export const DEFAULT_ASSETS_DIR = new URL("../static/build/", import.meta.url).pathname;
const ROOT = new URL("../", import.meta.url).pathname;

export interface Assets {
  buildId: string;
  files: Map<string, Uint8Array>;
}

const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  json: "application/json",
};

export function contentType(file: string): string {
  return TYPES[file.split(".").pop() ?? ""] ?? "application/octet-stream";
}

/** Bundles client/boot.ts and its islands, copies the static files, writes the manifest. */
export async function buildClient(outDir: string = DEFAULT_ASSETS_DIR): Promise<string> {
  await Deno.remove(outDir, { recursive: true }).catch(() => {});
  await Deno.mkdir(outDir, { recursive: true });
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--platform",
      "browser",
      "--code-splitting",
      "--minify",
      "--outdir",
      outDir,
      ROOT + "client/boot.ts",
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error("deno bundle failed:\n" + new TextDecoder().decode(out.stderr));
  }
  // The service worker: one file of its own (served at /sw.js so that its scope is the site).
  const sw = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--platform", "browser", "--minify", "--output", outDir + "sw.js"].concat(
      ROOT + "client/sw.ts",
    ),
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!sw.success) {
    throw new Error("deno bundle (service worker) failed:\n" + new TextDecoder().decode(sw.stderr));
  }
  for await (const e of Deno.readDir(ROOT + "static")) {
    if (e.isFile) await Deno.copyFile(ROOT + "static/" + e.name, outDir + e.name);
  }
  const names: string[] = [];
  for await (const e of Deno.readDir(outDir)) if (e.isFile) names.push(e.name);
  names.sort();
  let all = "";
  for (const n of names) all += n + (await sha256Hex(await Deno.readTextFile(outDir + n)));
  const buildId = (await sha256Hex(all)).slice(0, 12);
  await Deno.writeTextFile(outDir + "manifest.json", JSON.stringify({ buildId, files: names }));
  return buildId;
}

/** Loads a built bundle into memory, or null when none was built. */
export async function loadAssets(dir: string = DEFAULT_ASSETS_DIR): Promise<Assets | null> {
  const d = dir.endsWith("/") ? dir : dir + "/";
  let manifest: { buildId: string; files: string[] };
  try {
    manifest = JSON.parse(await Deno.readTextFile(d + "manifest.json"));
  } catch {
    return null;
  }
  const files = new Map<string, Uint8Array>();
  for (const f of manifest.files) files.set(f, await Deno.readFile(d + f));
  return { buildId: manifest.buildId, files };
}
