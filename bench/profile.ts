/**
 * Summarises a V8 `.cpuprofile` (as written by `deno run --cpu-prof`): the
 * functions with the most self time, so that a bench run says where the
 * server's CPU went. `deno run -A bench/profile.ts FILE [N]` prints it too.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
}

export interface SelfTime {
  fn: string;
  pct: number;
}

/** The `top` functions by self time, as percentages of all samples. */
export function topSelf(profile: Profile, top = 25): SelfTime[] {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map<number, number>();
  if (profile.samples?.length) {
    for (const s of profile.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
  } else {
    for (const n of profile.nodes) hits.set(n.id, n.hitCount ?? 0);
  }
  let total = 0;
  const byFn = new Map<string, number>();
  for (const [id, h] of hits) {
    const n = byNode.get(id);
    if (!n) continue;
    total += h;
    const f = n.callFrame;
    const where = f.url
      ? `${f.url.replace(/^.*\/(node_modules|main|npm)\//, "")}:${f.lineNumber + 1}`
      : "";
    const name = `${f.functionName || "(anonymous)"} ${where}`.trim();
    byFn.set(name, (byFn.get(name) ?? 0) + h);
  }
  return [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top).map(([fn, h]) => ({
    fn,
    pct: Math.round((h / Math.max(1, total)) * 1000) / 10,
  }));
}

if (import.meta.main) {
  const [file, n] = Deno.args;
  const profile = JSON.parse(await Deno.readTextFile(file)) as Profile;
  for (const r of topSelf(profile, Number(n ?? 30))) {
    console.log(`${String(r.pct).padStart(5)} %  ${r.fn}`);
  }
}
