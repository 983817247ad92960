/**
 * `deno task bench`: measures Tocsin on this machine and prints figures (it
 * does not pass or fail). The server runs as its own process on a temp KV
 * file; the load clients run here, with Deno's native WebSocket, on loopback.
 *
 *   deno task bench                       every scenario, 3 runs each
 *   deno task bench --quick               1 short run each
 *   deno task bench --only=fanout1k,ingest   some scenarios (names below)
 *   deno task bench --runs=1 --only=storm30   one full-length run of a scenario
 *   deno task bench --only=fanout1k --saturation-only   only the saturation rows
 *   deno task bench --profile             one fanout run with the server under --cpu-prof
 *                                         (--only=w2s or --only=ingest: that scenario instead)
 *
 * Scenarios: fanout1k, fanout5k (each against Tocsin and the raw baseline in
 * bench/raw_server.ts), ingest, w2s (webhook to screen, 10 alerts/s to 1,000),
 * storm30 (30 alerts/s to 1,000), storm (90 alerts/s to 5,000), memory (5,000 idle sockets on a
 * server under --inspect: RSS before and after a full GC, and JS heap), reconnect, timers, search
 * (bench/search.ts: 1,000,000 messages seeded into KV, or `--search-messages=N`; 100,000 with
 * --quick; `--search-kv=PATH` keeps the seeded file and reuses it on the next run).
 *
 * Results: bench/results/<date>.json, and the generated section of
 * docs/benchmarks.md (between the bench:start and bench:end markers).
 */
import { freePort, ServerProcess } from "../tests/_process.ts";
import { QUEUE_MODES, type QueueMode } from "../tests/_queues.ts";
import { seed, type Seeded } from "../tests/_seed.ts";
import { Inspector } from "./memory.ts";
import { topSelf } from "./profile.ts";
import { type SearchBenchResult, searchScenario } from "./search.ts";

const QUICK = Deno.args.includes("--quick");
/** `--profile`: one fanout run with the server under `--cpu-prof`, and its top functions. */
const PROFILE = Deno.args.includes("--profile");
const ONLY = Deno.args.find((a) => a.startsWith("--only="))?.slice(7).split(",");
/** `--runs=N`: N runs of 5 s per scenario instead of 3 (on a loaded machine, fewer and alone). */
/** `--saturation-only`: the fanout scenarios run only their saturation row (Tocsin and raw). */
const SATURATION_ONLY = Deno.args.includes("--saturation-only");
const RUNS_ARG = Deno.args.find((a) => a.startsWith("--runs="))?.slice(7);
const RUNS = QUICK ? 1 : RUNS_ARG ? Math.max(1, Number(RUNS_ARG) || 1) : 3;
const SECONDS = QUICK ? 3 : 5;
const want = (name: string) => !ONLY || ONLY.includes(name);
const SEARCH_MESSAGES = Number(
  Deno.args.find((a) => a.startsWith("--search-messages="))?.slice(18) ??
    (QUICK ? 100_000 : 1_000_000),
);
/** `--search-kv=PATH`: keep the search seed in PATH, and reuse it when it is already there. */
const SEARCH_KV = Deno.args.find((a) => a.startsWith("--search-kv="))?.slice(12);

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
function median(xs: number[]): number {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
const r1 = (x: number) => Math.round(x * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();

/** CPU seconds and RSS of a process, from /proc. */
async function procStats(pid: number): Promise<{ cpu: number; rssMiB: number }> {
  const stat = (await Deno.readTextFile(`/proc/${pid}/stat`)).split(") ")[1].split(" ");
  const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpu: ticks / 100, rssMiB: rss / 1024 };
}

/** CPU seconds per thread name (summed over threads of one name), from /proc/<pid>/task. */
async function threadCpu(pid: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for await (const t of Deno.readDir(`/proc/${pid}/task`)) {
    try {
      const raw = await Deno.readTextFile(`/proc/${pid}/task/${t.name}/stat`);
      const name = raw.slice(raw.indexOf("(") + 1, raw.lastIndexOf(")")).replace(/[-\d]+$/, "");
      const f = raw.slice(raw.lastIndexOf(") ") + 2).split(" ");
      out[name] = (out[name] ?? 0) + (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      // the thread ended
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Servers under test

/** A server the load client can drive: Tocsin or the raw baseline. */
interface Target {
  kind: "tocsin" | "raw";
  base: string;
  pid: number;
  /** WebSocket URL and headers for seeded socket `i`. */
  socket(i: number): { url: string; headers: Record<string, string> };
  /** The conversation id of seeded group `g`. */
  conv(g: number): string;
  stop(): Promise<void>;
}

async function startTocsin(s: Seeded, denoFlags: string[] = []): Promise<Target> {
  const server = new ServerProcess(s.kvPath, freePort(), {
    TOCSIN_SEND_RATE_PER_SEC: "0",
    TOCSIN_WS_MAX_FRAMES_PER_SEC: "0",
    // Thousands of sockets from one load client (one address): no per-address cap.
    TOCSIN_WS_MAX_PER_ADDRESS: "0",
  }, denoFlags);
  await server.start();
  const ws = server.url.replace(/^http/, "ws") + "/api/v1/ws";
  return {
    kind: "tocsin",
    base: server.url,
    pid: server.pid,
    socket: (i) => ({ url: ws, headers: { cookie: s.cookies[i], origin: server.url } }),
    conv: (g) => s.groups[g].id,
    stop: () => denoFlags.length ? server.stop() : server.kill(),
  };
}

async function startRaw(s: Seeded, denoFlags: string[] = []): Promise<Target> {
  const groupOf = new Map<number, number>();
  s.groups.forEach((g, gi) => g.members.forEach((m) => groupOf.set(m, gi)));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...denoFlags, new URL("./raw_server.ts", import.meta.url).pathname, "0"],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  let line = "";
  while (!line.includes("\n")) line += new TextDecoder().decode((await reader.read()).value);
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  const port = Number(/listening (\d+)/.exec(line)![1]);
  return {
    kind: "raw",
    base: `http://127.0.0.1:${port}`,
    pid: child.pid,
    socket: (i) => ({ url: `ws://127.0.0.1:${port}/?g=${groupOf.get(i)}`, headers: {} }),
    conv: (g) => String(g),
    stop: async () => {
      child.kill("SIGKILL");
      await child.status;
    },
  };
}

/** Memory per idle authenticated socket, in KiB, read three ways (bench/memory.ts). */
interface MemoryResult {
  sockets: number;
  /** Server RSS growth per socket, 1 s after the last one opened (the fanout scenario's figure). */
  rssKiB: number;
  /** Server RSS growth per socket after a full garbage collection. */
  rssAfterGcKiB: number;
  /** JavaScript heap growth per socket, both ends after a full garbage collection. */
  heapKiB: number;
}

/** Opens every seeded socket on a server under `--inspect`, idle, and reads its memory. */
async function memoryRun(kind: "tocsin" | "raw", s: Seeded): Promise<MemoryResult> {
  const port = freePort();
  const flags = [`--inspect=127.0.0.1:${port}`];
  const target = kind === "tocsin" ? await startTocsin(s, flags) : await startRaw(s, flags);
  const inspector = await Inspector.connect(port);
  try {
    const heap0 = await inspector.gcHeapBytes();
    const rss0 = (await procStats(target.pid)).rssMiB;
    const ids = s.groups.flatMap((g) => g.members);
    const sockets = await openAll(target, ids, () => ({}), () => {});
    await sleep(1000);
    const rss1 = (await procStats(target.pid)).rssMiB;
    const heap1 = await inspector.gcHeapBytes();
    const rss2 = (await procStats(target.pid)).rssMiB;
    await closeAll(sockets);
    const perSocket = (mib: number) => r1((mib * 1024) / ids.length);
    return {
      sockets: ids.length,
      rssKiB: perSocket(rss1 - rss0),
      rssAfterGcKiB: perSocket(rss2 - rss0),
      heapKiB: r1((heap1 - heap0) / 1024 / ids.length),
    };
  } finally {
    inspector.close();
    await target.stop();
  }
}

// ---------------------------------------------------------------------------
// Load client

interface Frame {
  type: string;
  clientId?: string;
  conversations?: { id: string; seq: number }[];
  message?: { text: string; seq: number; conversationId: string; kind?: string };
}

/** Opens one socket, says hello with `cursors`, and hands every frame to `onFrame`. */
function open(
  target: Target,
  i: number,
  cursors: Record<string, number>,
  onFrame: (f: Frame, ws: WebSocket) => void,
): { ws: WebSocket; ready: Promise<void> } {
  const { url, headers } = target.socket(i);
  // Deno's WebSocket takes headers; the DOM type does not know them.
  const ws = new WebSocket(url, { headers } as unknown as string);
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => [resolve, reject] = [res, rej]);
  ws.onopen = () => ws.send(JSON.stringify({ type: "hello", cursors }));
  ws.onerror = () => reject(new Error(`socket ${i} failed`));
  ws.onmessage = (e) => {
    // A frame batch is an array; a single frame (an error before the hello) is not.
    const parsed = JSON.parse(e.data) as Frame | Frame[];
    for (const f of Array.isArray(parsed) ? parsed : [parsed]) {
      if (f.type === "ready") resolve();
      onFrame(f, ws);
    }
  };
  return { ws, ready };
}

/** Opens sockets `ids` in waves of 250 (a burst of thousands of SYNs overflows the backlog). */
async function openAll(
  target: Target,
  ids: number[],
  cursorsOf: (i: number) => Record<string, number>,
  onFrame: (i: number, f: Frame, ws: WebSocket) => void,
): Promise<WebSocket[]> {
  const out: WebSocket[] = [];
  for (let k = 0; k < ids.length; k += 250) {
    const wave = ids.slice(k, k + 250).map((i) =>
      open(target, i, cursorsOf(i), (f, ws) => onFrame(i, f, ws))
    );
    await Promise.all(wave.map((w) => w.ready));
    out.push(...wave.map((w) => w.ws));
  }
  return out;
}

async function closeAll(sockets: WebSocket[]): Promise<void> {
  for (const ws of sockets) if (ws.readyState <= 1) ws.close();
  await sleep(300);
}

// ---------------------------------------------------------------------------
// 1. Fanout

interface FanoutResult {
  offered: number | "max";
  sent: number;
  /** Deliveries counted over the sending window plus 1 s of drain, per second. */
  deliveredPerSec: number;
  /** Deliveries / (messages sent x group size): 1 means every member got every message. */
  deliveredFraction: number;
  p50: number;
  p99: number;
  serverCpuPct: number;
  serverRssMiB: number;
  /** Server RSS growth per idle authenticated socket, in KiB (sockets open, before traffic). */
  idleKiBPerSocket: number;
  /** Server CPU % by thread name over the run (main = JavaScript; others = I/O and SQLite). */
  threads: Record<string, number>;
}

/** One fanout measurement: `rate` messages/s (or "max": as fast as answers come back). */
async function fanoutRun(target: Target, s: Seeded, rate: number | "max"): Promise<FanoutResult> {
  const latencies: number[] = [];
  let deliveries = 0;
  let measuring = false;
  let answered = 0;
  const senders = new Set(s.groups.map((g) => g.members[0]));
  const onFrame = (i: number, f: Frame) => {
    if (f.type === "sent" && senders.has(i)) answered++;
    if (!measuring || f.type !== "message" || !f.message!.text.startsWith("t=")) return;
    deliveries++;
    latencies.push(now() - Number(f.message!.text.slice(2)));
  };
  const rssBefore = (await procStats(target.pid)).rssMiB;
  const ids = s.groups.flatMap((g) => g.members);
  // No cursors: every socket starts at the head (runs share one KV file; nothing old is replayed).
  const sockets = await openAll(target, ids, () => ({}), onFrame);
  const byId = new Map(ids.map((id, k) => [id, sockets[k]]));
  await sleep(1000); // let replays finish and memory settle
  const before = await procStats(target.pid);
  const idleKiBPerSocket = r1(((before.rssMiB - rssBefore) * 1024) / ids.length);
  const threadsBefore = await threadCpu(target.pid);
  measuring = true;
  const t0 = performance.now();
  let sent = 0;
  const inflightMax = 200;
  while (performance.now() - t0 < SECONDS * 1000) {
    const due = rate === "max"
      ? answered + inflightMax
      : Math.floor(((performance.now() - t0) / 1000) * rate);
    while (sent < due) {
      const g = sent % s.groups.length;
      byId.get(s.groups[g].members[0])!.send(JSON.stringify({
        type: "send",
        conversationId: target.conv(g),
        clientId: `b${Date.now()}-${sent}`,
        text: `t=${now()}`,
      }));
      sent++;
    }
    await sleep(rate === "max" ? 1 : 2);
  }
  const elapsed = (performance.now() - t0) / 1000;
  await sleep(1000); // drain
  measuring = false;
  const after = await procStats(target.pid);
  const threadsAfter = await threadCpu(target.pid);
  const threads: Record<string, number> = {};
  for (const [k, v] of Object.entries(threadsAfter)) {
    const p = Math.round(((v - (threadsBefore[k] ?? 0)) / (elapsed + 1)) * 100);
    if (p > 0) threads[k] = p;
  }
  await closeAll(sockets);
  latencies.sort((a, b) => a - b);
  return {
    offered: rate,
    sent,
    deliveredPerSec: Math.round(deliveries / (elapsed + 1)),
    deliveredFraction: Math.round((deliveries / (sent * s.groups[0].members.length)) * 1000) /
      1000,
    p50: r1(pct(latencies, 50)),
    p99: r1(pct(latencies, 99)),
    serverCpuPct: Math.round(((after.cpu - before.cpu) / (elapsed + 1)) * 100),
    serverRssMiB: Math.round(after.rssMiB),
    idleKiBPerSocket,
    threads,
  };
}

type FanoutTable = Record<string, { tocsin: FanoutResult[]; raw: FanoutResult[] }>;

async function fanoutScenario(
  label: string,
  s: Seeded,
  rates: (number | "max")[],
): Promise<FanoutTable> {
  const out: FanoutTable = {};
  for (const rate of SATURATION_ONLY ? ["max" as const] : rates) {
    const row = out[String(rate)] = { tocsin: [] as FanoutResult[], raw: [] as FanoutResult[] };
    for (const kind of ["tocsin", "raw"] as const) {
      for (let r = 0; r < RUNS; r++) {
        const target = kind === "tocsin" ? await startTocsin(s) : await startRaw(s);
        try {
          row[kind].push(await fanoutRun(target, s, rate));
        } finally {
          await target.stop();
        }
      }
      const runs = row[kind];
      console.log(
        `${label} ${kind.padEnd(6)} offered ${rate} msg/s: ${
          median(runs.map((x) => x.deliveredPerSec))
        } deliveries/s, p50 ${median(runs.map((x) => x.p50))} ms, p99 ${
          median(runs.map((x) => x.p99))
        } ms, fraction ${median(runs.map((x) => x.deliveredFraction))}, cpu ${
          median(runs.map((x) => x.serverCpuPct))
        }%, rss ${median(runs.map((x) => x.serverRssMiB))} MiB, idle ${
          median(runs.map((x) => x.idleKiBPerSocket))
        } KiB/socket (runs: ${runs.map((x) => x.deliveredPerSec).join(", ")})`,
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// 2. Alert ingest

interface IngestResult {
  alertsPerSec: number;
  requests: number;
  p50ms: number;
  p99ms: number;
  non2xx: number;
}

function amGroup(name: string, size: number, extra: Record<string, string> = {}): string {
  const startsAt = new Date(Date.now() - 1000).toISOString();
  return JSON.stringify({
    receiver: "tocsin",
    status: "firing",
    alerts: Array.from({ length: size }, (_, i) => ({
      status: "firing",
      labels: { alertname: name, instance: `host-${i}`, severity: "warning", ...extra },
      annotations: { summary: `bench alert ${name}/${i}` },
      startsAt,
      endsAt: "0001-01-01T00:00:00Z",
      generatorURL: "",
      fingerprint: `${name}-${i}`,
    })),
    groupLabels: { alertname: name, ...extra },
    commonLabels: { alertname: name, ...extra },
    commonAnnotations: {},
    externalURL: "http://am",
    version: "4",
    groupKey: `{}:{alertname="${name}"${Object.values(extra).map((v) => `,t="${v}"`).join("")}}`,
  });
}

async function postHook(base: string, s: Seeded, body: string): Promise<number> {
  const { id, token } = s.integration!;
  const r = await fetch(`${base}/hooks/${id}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body,
  });
  await r.body?.cancel();
  return r.status;
}

/** Alertmanager v4 groups of 1-50 alerts (30 % repeats) from concurrent senders. */
async function ingestRun(base: string, s: Seeded, concurrency: number): Promise<IngestResult> {
  const times: number[] = [];
  let alerts = 0;
  let requests = 0;
  let non2xx = 0;
  let n = 0;
  const run = `${Date.now()}`;
  const t0 = performance.now();
  const sender = async () => {
    while (performance.now() - t0 < SECONDS * 1000) {
      const size = 1 + Math.floor(Math.random() * 50);
      const repeat = Math.random() < 0.3 && n > 10;
      const g = repeat ? Math.floor(Math.random() * n) : n++;
      const t = performance.now();
      const status = await postHook(base, s, amGroup(`Bench${run}-${g}`, size));
      times.push(performance.now() - t);
      requests++;
      if (status >= 300) non2xx++;
      else alerts += size;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
  const elapsed = (performance.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  return {
    alertsPerSec: Math.round(alerts / elapsed),
    requests,
    p50ms: r1(pct(times, 50)),
    p99ms: r1(pct(times, 99)),
    non2xx,
  };
}

// ---------------------------------------------------------------------------
// 3. Webhook to screen

interface W2sResult {
  sockets: number;
  alertsPerSec: number;
  posted: number;
  /** Card frames received / (alerts posted x sockets). */
  deliveredFraction: number;
  p50: number;
  p99: number;
  serverCpuPct: number;
}

/**
 * Alerts posted at `rate`/s, each a new Alertmanager group whose title carries its send time;
 * latency = card frame on a team member's socket - POST start, over every member's socket.
 */
async function w2sRun(
  target: Target,
  s: Seeded,
  members: number,
  rate: number,
): Promise<W2sResult> {
  const latencies: number[] = [];
  let measuring = false;
  const onFrame = (_: number, f: Frame) => {
    if (!measuring || f.type !== "message" || f.message!.kind !== "alert") return;
    const m = /W2S (\d+(?:\.\d+)?)/.exec(f.message!.text);
    if (m) latencies.push(now() - Number(m[1]));
  };
  // Warm-up: the team's alert conversation exists (with every member) before sockets attach.
  await postHook(target.base, s, amGroup("Warmup", 1));
  const ids = Array.from({ length: members }, (_, i) => i);
  const sockets = await openAll(target, ids, () => ({}), onFrame);
  await sleep(1000);
  const before = await procStats(target.pid);
  measuring = true;
  const t0 = performance.now();
  let posted = 0;
  const inflight: Promise<number>[] = [];
  while (performance.now() - t0 < SECONDS * 1000) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    while (posted < due) {
      posted++;
      inflight.push(postHook(target.base, s, amGroup("W2S", 1, { t: String(now()) })));
    }
    await sleep(2);
  }
  await Promise.all(inflight);
  await sleep(1500);
  measuring = false;
  const after = await procStats(target.pid);
  const wall = (performance.now() - t0) / 1000;
  await closeAll(sockets);
  latencies.sort((a, b) => a - b);
  return {
    sockets: members,
    alertsPerSec: rate,
    posted,
    deliveredFraction: Math.round((latencies.length / (posted * members)) * 1000) / 1000,
    p50: r1(pct(latencies, 50)),
    p99: r1(pct(latencies, 99)),
    serverCpuPct: Math.round(((after.cpu - before.cpu) / wall) * 100),
  };
}

// ---------------------------------------------------------------------------
// 4. Reconnect storm

interface ReconnectResult {
  sockets: number;
  /** From the moment every socket was dropped until every one held the head of that moment. */
  allCaughtUpMs: number;
  p50CaughtUpMs: number;
  p99CaughtUpMs: number;
  duplicates: number;
  gaps: number;
  /** Sockets that ended at the final head of their conversation. */
  complete: number;
}

/** Every socket drops at once and resumes with its cursor while 100 messages/s keep flowing. */
async function reconnectRun(target: Target, s: Seeded, rate: number): Promise<ReconnectResult> {
  const ids = s.groups.flatMap((g) => g.members);
  const groupOf = new Map<number, number>();
  s.groups.forEach((g, gi) => g.members.forEach((m) => groupOf.set(m, gi)));
  const last = new Map<number, number>();
  const caughtAt = new Map<number, number>();
  let target0: number[] = [];
  let stormAt = 0;
  let duplicates = 0;
  let gaps = 0;
  // Frames a dropped socket still delivers while it closes are not what the resumed one shows.
  const dropped = new Set<WebSocket>();
  const onFrame = (i: number, f: Frame, ws: WebSocket) => {
    if (dropped.has(ws)) return;
    if (f.type === "ready") {
      for (const c of f.conversations ?? []) if (!last.has(i)) last.set(i, c.seq);
    }
    if (f.type !== "message") return;
    const seq = f.message!.seq;
    const prev = last.get(i) ?? seq - 1;
    if (seq <= prev) duplicates++;
    else if (seq > prev + 1) gaps++;
    last.set(i, Math.max(prev, seq));
    if (stormAt && !caughtAt.has(i) && seq >= target0[groupOf.get(i)!]) {
      caughtAt.set(i, performance.now() - stormAt);
    }
  };
  let sockets = await openAll(target, ids, () => ({}), onFrame);
  // The traffic: HTTP sends from each group's first member, round robin, `rate`/s.
  const heads = s.groups.map(() => 0);
  let stop = false;
  const sender = (async () => {
    const t0 = performance.now();
    let sent = 0;
    while (!stop) {
      const due = Math.floor(((performance.now() - t0) / 1000) * rate);
      const batch: Promise<void>[] = [];
      while (sent < due) {
        const g = sent++ % s.groups.length;
        batch.push((async () => {
          const r = await fetch(`${target.base}/api/v1/conversations/${target.conv(g)}/messages`, {
            method: "POST",
            headers: {
              cookie: s.cookies[s.groups[g].members[0]],
              origin: target.base,
              "content-type": "application/json",
            },
            body: JSON.stringify({ clientId: `r${sent}-${Date.now()}`, text: "storm" }),
          });
          const j = await r.json();
          if (r.ok) heads[g] = Math.max(heads[g], j.message.seq);
        })());
      }
      await Promise.all(batch);
      await sleep(5);
    }
  })();
  await sleep(2000);
  // The storm: every socket drops; all reconnect at once with their cursors.
  for (const ws of sockets) dropped.add(ws);
  await closeAll(sockets);
  target0 = [...heads];
  stormAt = performance.now();
  const cursorsOf = (i: number) => ({ [target.conv(groupOf.get(i)!)]: last.get(i) ?? 0 });
  const reopened = ids.map((i) => open(target, i, cursorsOf(i), (f, ws) => onFrame(i, f, ws)));
  sockets = reopened.map((x) => x.ws);
  const deadline = performance.now() + 120_000;
  while (caughtAt.size < ids.length && performance.now() < deadline) await sleep(50);
  const allCaughtUpMs = caughtAt.size === ids.length ? Math.max(...caughtAt.values()) : NaN;
  await sleep(2000);
  stop = true;
  await sender;
  await sleep(1500);
  const complete = ids.filter((i) => last.get(i) === heads[groupOf.get(i)!]).length;
  await closeAll(sockets);
  const times = [...caughtAt.values()].sort((a, b) => a - b);
  return {
    sockets: ids.length,
    allCaughtUpMs: Math.round(allCaughtUpMs),
    p50CaughtUpMs: Math.round(pct(times, 50)),
    p99CaughtUpMs: Math.round(pct(times, 99)),
    duplicates,
    gaps,
    complete,
  };
}

// ---------------------------------------------------------------------------
// 6. Timers

interface TimersResult {
  /** With KV queues as an extra wake-up, or without them (enqueue refused as KV Connect does). */
  mode: QueueMode;
  reminders: number;
  fired: number;
  p50LateMs: number;
  p99LateMs: number;
  maxLateMs: number;
  createSeconds: number;
}

/** `count` urgent alerts whose first reminder is due `everyMinutes` later; lateness of each. */
async function timersRun(
  count: number,
  everyMinutes: number,
  mode: QueueMode,
): Promise<TimersResult> {
  const s = await seed(1, 1, { integration: true });
  const server = new ServerProcess(s.kvPath, freePort(), {}, [], { queues: mode });
  await server.start();
  const base = server.url;
  const login = await fetch(`${base}/api/v1/session`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: base },
    body: JSON.stringify({ email: "admin@bench.example", password: "admin-password" }),
  });
  const loginBody = await login.text();
  const cookie = /tocsin_session=[^;]*/.exec(login.headers.get("set-cookie") ?? "")?.[0];
  if (!cookie) throw new Error(`bench login failed: ${login.status} ${loginBody}`);
  const call = async (method: string, path: string, body: unknown) => {
    const r = await fetch(base + path, {
      method,
      headers: { cookie, origin: base, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const j = await r.json();
    if (!r.ok) throw new Error(`${path}: ${r.status} ${JSON.stringify(j)}`);
    return j;
  };
  const off = { everyMinutes: 0, maxRepeats: 0 };
  await call("PUT", "/api/v1/settings/reminders", {
    urgent: { everyMinutes, maxRepeats: 1 },
    high: off,
    medium: off,
    low: off,
  });
  await call("PUT", "/api/v1/me/notification-rules", { urgent: [], high: [], medium: [], low: [] });
  const hook = await call("POST", "/api/v1/integrations", {
    name: "text",
    type: "text",
    teamId: s.integration!.teamId,
  });
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < count) {
      const i = next++;
      const r = await fetch(`${base}/hooks/${hook.integration.id}`, {
        method: "POST",
        headers: { authorization: `Bearer ${hook.token}`, priority: "urgent" },
        body: `timer bench ${i}`,
      });
      await r.body?.cancel();
      if (r.status !== 202) throw new Error(`ingest ${r.status}`);
    }
  }));
  const createSeconds = r1((performance.now() - t0) / 1000);
  await sleep(everyMinutes * 60_000 + 8000);
  await server.kill();
  const kv = await Deno.openKv(s.kvPath);
  const late: number[] = [];
  try {
    const created = new Map<string, number>();
    for await (const e of kv.list<{ id: string; createdAt: number }>({ prefix: ["alerts"] })) {
      created.set(e.value.id, e.value.createdAt);
    }
    for await (
      const e of kv.list<{ kind: string; at: number; detail?: { reminder?: number } }>({
        prefix: ["alert_timeline"],
      })
    ) {
      if (e.value.kind !== "notified" || e.value.detail?.reminder !== 1) continue;
      const c = created.get(String(e.key[1]));
      if (c !== undefined) late.push(e.value.at - (c + everyMinutes * 60_000));
    }
  } finally {
    kv.close();
  }
  late.sort((a, b) => a - b);
  return {
    mode,
    reminders: count,
    fired: late.length,
    p50LateMs: Math.round(pct(late, 50)),
    p99LateMs: Math.round(pct(late, 99)),
    maxLateMs: Math.round(late.at(-1) ?? NaN),
    createSeconds,
  };
}

// ---------------------------------------------------------------------------
// The generated section of docs/benchmarks.md

function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

function fanoutRows(t: FanoutTable, groupSize: number): (string | number)[][] {
  return Object.entries(t).map(([rate, { tocsin, raw }]) => {
    const m = (xs: FanoutResult[], f: (x: FanoutResult) => number) => median(xs.map(f));
    const offered = rate === "max" ? "saturation" : `${rate} msg/s (${Number(rate) * groupSize}/s)`;
    const ratio = m(tocsin, (x) => x.deliveredPerSec) / m(raw, (x) => x.deliveredPerSec);
    return [
      offered,
      `${m(tocsin, (x) => x.deliveredPerSec)} (${m(tocsin, (x) => x.deliveredFraction)})`,
      `${m(tocsin, (x) => x.p50)} / ${m(tocsin, (x) => x.p99)} ms`,
      `${m(raw, (x) => x.deliveredPerSec)} (${m(raw, (x) => x.deliveredFraction)})`,
      `${m(raw, (x) => x.p50)} / ${m(raw, (x) => x.p99)} ms`,
      r1(ratio * 100) / 100,
      `${m(tocsin, (x) => x.serverCpuPct)} % / ${m(tocsin, (x) => x.serverRssMiB)} MiB`,
    ];
  });
}

const FANOUT_HEADER = [
  "offered",
  "Tocsin deliveries/s (fraction)",
  "Tocsin p50 / p99",
  "raw deliveries/s (fraction)",
  "raw p50 / p99",
  "Tocsin / raw",
  "Tocsin CPU / RSS",
];

function render(results: Record<string, unknown>): string {
  const m = results.machine as Record<string, unknown>;
  const out: string[] = [
    `Generated by \`deno task bench${
      QUICK ? " --quick" : ""
    }\` on ${m.date}: ${m.cpus} cores (${m.cpuModel}), ${m.memGiB} GiB, Deno ${m.deno}. Medians of ${RUNS} run(s) of ${SECONDS} s; per-run values in \`bench/results/\`.`,
  ];
  if (results.fanout1k) {
    out.push(
      "#### Fanout, 1,000 sockets in 100 groups of 10",
      table(FANOUT_HEADER, fanoutRows(results.fanout1k as FanoutTable, 10)),
    );
  }
  if (results.fanout5k) {
    out.push(
      "#### Fanout, 5,000 sockets in 5 groups of 1,000",
      table(FANOUT_HEADER, fanoutRows(results.fanout5k as FanoutTable, 1000)),
    );
    const idle = (results.fanout5k as FanoutTable)["max"] ??
      Object.values(results.fanout5k as FanoutTable)[0];
    out.push(
      `Memory per idle authenticated socket (server RSS growth / 5,000 sockets): Tocsin ${
        median(idle.tocsin.map((x) => x.idleKiBPerSocket))
      } KiB, raw ${median(idle.raw.map((x) => x.idleKiBPerSocket))} KiB.`,
    );
  }
  if (results.memory) {
    const mem = results.memory as Record<"tocsin" | "raw", MemoryResult[]>;
    const row = (name: string, xs: MemoryResult[]) => [
      name,
      `${median(xs.map((x) => x.rssKiB))} KiB`,
      `${median(xs.map((x) => x.rssAfterGcKiB))} KiB`,
      `${median(xs.map((x) => x.heapKiB))} KiB`,
    ];
    out.push(
      "#### Memory per idle authenticated socket, 5,000 sockets",
      table(
        ["server", "RSS growth", "RSS growth after a full GC", "JS heap growth after a full GC"],
        [row("Tocsin", mem.tocsin), row("raw", mem.raw)],
      ),
    );
  }
  if (results.ingest) {
    const xs = results.ingest as IngestResult[];
    out.push(
      "#### Alert ingest (Alertmanager v4 groups of 1-50 alerts, 30 % repeats, 16 senders)",
      table(["alerts/s committed", "p50 response", "p99 response", "non-2xx"], [[
        median(xs.map((x) => x.alertsPerSec)),
        `${median(xs.map((x) => x.p50ms))} ms`,
        `${median(xs.map((x) => x.p99ms))} ms`,
        xs.map((x) => x.non2xx).join(", "),
      ]]),
    );
  }
  if (results.w2s) {
    const rows = Object.values(results.w2s as Record<string, W2sResult[]>).map((xs) => [
      `${xs[0].alertsPerSec} alerts/s to ${xs[0].sockets} sockets`,
      `${median(xs.map((x) => x.p50))} ms`,
      `${median(xs.map((x) => x.p99))} ms`,
      median(xs.map((x) => x.deliveredFraction)),
      `${median(xs.map((x) => x.serverCpuPct))} %`,
    ]);
    out.push(
      "#### Webhook to screen (POST of a new Alertmanager group -> card frame on every member's socket)",
      table(["load", "p50", "p99", "fraction delivered", "server CPU"], rows),
    );
  }
  if (results.reconnect) {
    const xs = results.reconnect as ReconnectResult[];
    out.push(
      "#### Reconnect storm (5,000 sockets in 50 groups of 100 drop and resume at once; 100 msg/s flowing)",
      table(
        [
          "all caught up",
          "p50 / p99 per socket",
          "duplicates",
          "gaps",
          "sockets at the final head",
        ],
        [[
          `${median(xs.map((x) => x.allCaughtUpMs))} ms`,
          `${median(xs.map((x) => x.p50CaughtUpMs))} / ${
            median(xs.map((x) => x.p99CaughtUpMs))
          } ms`,
          xs.map((x) => x.duplicates).join(", "),
          xs.map((x) => x.gaps).join(", "),
          xs.map((x) => `${x.complete} of ${x.sockets}`).join(", "),
        ]],
      ),
    );
  }
  if (results.timers) {
    const ts = results.timers as TimersResult[];
    out.push(
      `#### Timers (${ts[0].reminders} pending reminders)`,
      table(
        ["wake-up", "created in", "fired", "lateness p50", "p99", "max"],
        ts.map((t) => [
          t.mode === "queues" ? "KV queue + in-memory" : "in-memory only (no queues)",
          `${t.createSeconds} s`,
          `${t.fired} of ${t.reminders}`,
          `${t.p50LateMs} ms`,
          `${t.p99LateMs} ms`,
          `${t.maxLateMs} ms`,
        ]),
      ),
    );
  }
  if (results.search) {
    const s = results.search as SearchBenchResult;
    out.push(
      `#### Search (${s.messages} messages in ${s.conversations} conversations, all readable by the searching user; seeded in ${s.seedSeconds} s, ${s.kvMiB} MiB of KV)`,
      table(
        [
          "index read",
          "two-word query p50 / p99",
          "Chinese word p50 / p99",
          "message commit with / without index",
        ],
        [[
          "each conversation's postings",
          `${s.twoWordP50ms} / ${s.twoWordP99ms} ms`,
          `${s.chineseP50ms} / ${s.chineseP99ms} ms`,
          `${s.commitWithIndexMs} / ${s.commitWithoutIndexMs} ms (x${s.commitRatio}, ${s.tokensPerMessage} postings)`,
        ], [
          "site-wide postings (the default here)",
          `${s.siteWideTwoWordP50ms} / ${s.siteWideTwoWordP99ms} ms`,
          `${s.siteWideChineseP50ms} / ${s.siteWideChineseP99ms} ms`,
          "(the same commit)",
        ], [
          "a user in 16 of them: each one's postings (the default for 16)",
          `${s.fewScopesTwoWordP50ms} / ${s.fewScopesTwoWordP99ms} ms`,
          `${s.fewScopesChineseP50ms} / ${s.fewScopesChineseP99ms} ms`,
          `${s.blocks} blocks, ${s.singles} single postings`,
        ]],
      ),
    );
  }
  return out.join("\n\n");
}

async function writeDocs(results: Record<string, unknown>): Promise<void> {
  const file = new URL("../docs/benchmarks.md", import.meta.url);
  const doc = await Deno.readTextFile(file);
  const start = "<!-- bench:start -->";
  const end = "<!-- bench:end -->";
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) return;
  await Deno.writeTextFile(
    file,
    doc.slice(0, i + start.length) + "\n\n" + render(results) + "\n\n" + doc.slice(j),
  );
  await new Deno.Command(Deno.execPath(), { args: ["fmt", file.pathname] }).output();
}

// ---------------------------------------------------------------------------

if (import.meta.main) {
  const machine = {
    date: new Date().toISOString(),
    deno: Deno.version.deno,
    cpus: navigator.hardwareConcurrency,
    cpuModel: (await Deno.readTextFile("/proc/cpuinfo")).match(/model name\s*:\s*(.*)/)?.[1] ?? "?",
    memGiB: Math.round(Deno.systemMemoryInfo().total / 2 ** 30),
  };
  console.log(`Tocsin bench — ${machine.cpus} cores (${machine.cpuModel}), Deno ${machine.deno}`);
  const results: Record<string, unknown> = { machine };

  if (PROFILE) {
    // One run with the server under --cpu-prof (fanout at 2,000 msg/s, with --only=w2s webhook
    // to screen at 10 alerts/s, with --only=ingest alert ingest), then where its CPU went.
    const w2s = ONLY?.includes("w2s");
    const ingest = ONLY?.includes("ingest");
    const s = w2s
      ? await seed(1000, 1000, { integration: true, teamMembers: 1000 })
      : await seed(1000, 10, { integration: ingest });
    const dir = await Deno.makeTempDir({ prefix: "tocsin-prof-" });
    const target = await startTocsin(s, ["--cpu-prof", `--cpu-prof-dir=${dir}`]);
    const r = w2s
      ? await w2sRun(target, s, 1000, 10)
      : ingest
      ? await ingestRun(target.base, s, 16)
      : await fanoutRun(target, s, 2000);
    await target.stop();
    console.log(`profiled run: ${JSON.stringify(r)}`);
    for (const e of Deno.readDirSync(dir)) {
      const top = topSelf(JSON.parse(await Deno.readTextFile(`${dir}/${e.name}`)), 30);
      console.log(`${dir}/${e.name}, self time:`);
      for (const t of top) console.log(`${String(t.pct).padStart(5)} %  ${t.fn}`);
    }
    Deno.exit(0);
  }

  if (want("fanout1k") || want("ingest")) {
    const s = await seed(1000, 10, { integration: true });
    if (want("fanout1k")) {
      results.fanout1k = await fanoutScenario("fanout 1000 (100x10)", s, [200, 1000, 2000, "max"]);
    }
    if (want("ingest")) {
      const ingest: IngestResult[] = [];
      for (let r = 0; r < RUNS; r++) {
        const t = await startTocsin(s);
        ingest.push(await ingestRun(t.base, s, 16));
        await t.stop();
      }
      console.log(`ingest: ${JSON.stringify(ingest)}`);
      results.ingest = ingest;
    }
  }
  if (want("fanout5k")) {
    const s = await seed(5000, 1000);
    results.fanout5k = await fanoutScenario("fanout 5000 (5x1000)", s, [5, 20, "max"]);
  }
  if (want("memory")) {
    const s = await seed(5000, 1000);
    const memory: Record<string, MemoryResult[]> = { tocsin: [], raw: [] };
    for (let r = 0; r < RUNS; r++) {
      for (const kind of ["tocsin", "raw"] as const) {
        memory[kind].push(await memoryRun(kind, s));
        console.log(`memory ${kind}: ${JSON.stringify(memory[kind].at(-1))}`);
      }
    }
    results.memory = memory;
  }
  if (want("w2s") || want("storm30") || want("storm")) {
    const w2s: Record<string, W2sResult[]> = {};
    const loads = [
      [1000, 10, want("w2s")],
      [1000, 30, want("storm30")],
      [5000, 90, want("storm")],
    ] as const;
    for (const [members, rate] of loads.filter((l) => l[2])) {
      const s = await seed(members, 1000, { integration: true, teamMembers: members });
      const key = `${rate}/s to ${members}`;
      w2s[key] = [];
      for (let r = 0; r < RUNS; r++) {
        const t = await startTocsin(s);
        try {
          w2s[key].push(await w2sRun(t, s, members, rate));
        } finally {
          await t.stop();
        }
      }
      console.log(`webhook to screen ${key}: ${JSON.stringify(w2s[key])}`);
    }
    results.w2s = w2s;
  }
  if (want("reconnect")) {
    const s = await seed(5000, 100);
    const rec: ReconnectResult[] = [];
    for (let r = 0; r < RUNS; r++) {
      const t = await startTocsin(s);
      try {
        rec.push(await reconnectRun(t, s, 100));
      } finally {
        await t.stop();
      }
      console.log(`reconnect storm: ${JSON.stringify(rec.at(-1))}`);
    }
    results.reconnect = rec;
  }
  if (want("timers")) {
    const timers: TimersResult[] = [];
    for (const mode of QUEUE_MODES) {
      // Reminders due a minute after each alert: all of them are pending (creating 10,000 takes
      // 30-45 s here) before the first comes due, so lateness is firing's, not creation's.
      timers.push(await timersRun(QUICK ? 2000 : 10_000, QUICK ? 0.25 : 1, mode));
      console.log(`timers: ${JSON.stringify(timers.at(-1))}`);
    }
    results.timers = timers;
  }

  if (want("search")) {
    results.search = await searchScenario(SEARCH_MESSAGES, SEARCH_KV);
    console.log(`search: ${JSON.stringify(results.search)}`);
  }

  await Deno.mkdir(new URL("./results/", import.meta.url), { recursive: true });
  const file = new URL(
    `./results/${machine.date.slice(0, 19).replaceAll(":", "-")}.json`,
    import.meta.url,
  );
  await Deno.writeTextFile(file, JSON.stringify(results, null, 2));
  console.log(`written ${file.pathname}`);
  if (!ONLY) await writeDocs(results);
}
