/**
 * `deno task bench`: measures Tocsin on this machine and prints figures (it
 * does not pass or fail). The server runs as its own process on a temp KV
 * file; the load clients run here, with Deno's native WebSocket, on loopback.
 *
 *   deno task bench            all scenarios, 3 runs each
 *   deno task bench --quick    1 run each, shorter
 *
 * Results: bench/results/<date>.json and the table in docs/benchmarks.md.
 */
import { freePort, ServerProcess } from "../tests/_process.ts";
import { seed, type Seeded } from "../tests/_seed.ts";
import { topSelf } from "./profile.ts";

const QUICK = Deno.args.includes("--quick");
/** `--profile`: one fanout run with the server under `--cpu-prof`, and its top functions. */
const PROFILE = Deno.args.includes("--profile");
const RUNS = QUICK ? 1 : 3;
const SECONDS = QUICK ? 3 : 5;

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

interface Socket {
  ws: WebSocket;
  ready: Promise<void>;
}

function open(
  url: string,
  cookie: string,
  cursors: Record<string, number>,
  onMessage: (text: string) => void,
): Socket {
  const origin = url.replace(/^ws/, "http").replace(/\/api.*/, "");
  // Deno's WebSocket takes headers; the DOM type does not know them.
  const ws = new WebSocket(url, { headers: { cookie, origin } } as unknown as string);
  let resolve!: () => void;
  const ready = new Promise<void>((r) => resolve = r);
  ws.onopen = () => ws.send(JSON.stringify({ type: "hello", cursors }));
  ws.onmessage = (e) => {
    const frames = JSON.parse(e.data) as { type: string; message?: { text: string } }[];
    for (const f of frames) {
      if (f.type === "ready") resolve();
      else if (f.type === "message" && f.message) onMessage(f.message.text);
    }
  };
  return { ws, ready };
}

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
  /** Server CPU % by thread name over the run (main = JavaScript; tokio/kv threads = I/O and SQLite). */
  threads: Record<string, number>;
}

/** One fanout measurement: `rate` messages/s (or "max": as fast as answers come back). */
async function fanoutRun(
  server: ServerProcess,
  pid: number,
  s: Seeded,
  rate: number | "max",
): Promise<FanoutResult> {
  const url = server.url.replace(/^http/, "ws") + "/api/v1/ws";
  const latencies: number[] = [];
  let deliveries = 0;
  let measuring = false;
  const onMessage = (text: string) => {
    if (!measuring || !text.startsWith("t=")) return;
    deliveries++;
    latencies.push(performance.timeOrigin + performance.now() - Number(text.slice(2)));
  };
  // No cursors: every socket starts at the head (runs share one KV file; nothing old is replayed).
  const sockets = s.cookies.map((cookie) => open(url, cookie, {}, onMessage));
  await Promise.all(sockets.map((x) => x.ready));
  await sleep(500); // let replays finish
  const before = await procStats(pid);
  const threadsBefore = await threadCpu(pid);
  measuring = true;
  const t0 = performance.now();
  let sent = 0;
  let answered = 0;
  const senders = s.groups.map((g) => sockets[g.members[0]].ws);
  const inflightMax = 200;
  senders.forEach((ws) => {
    const prev = ws.onmessage!;
    ws.onmessage = (e) => {
      if (e.data.includes('"type":"sent"')) {
        answered += (e.data.match(/"type":"sent"/g) ?? []).length;
      }
      prev.call(ws, e);
    };
  });
  while (performance.now() - t0 < SECONDS * 1000) {
    const due = rate === "max"
      ? answered + inflightMax
      : Math.floor(((performance.now() - t0) / 1000) * rate);
    while (sent < due) {
      const ws = senders[sent % senders.length];
      ws.send(JSON.stringify({
        type: "send",
        conversationId: s.groups[sent % senders.length].id,
        clientId: `b${Date.now()}-${sent}`,
        text: `t=${performance.timeOrigin + performance.now()}`,
      }));
      sent++;
    }
    await sleep(rate === "max" ? 1 : 2);
  }
  const elapsed = (performance.now() - t0) / 1000;
  await sleep(1000); // drain
  measuring = false;
  const after = await procStats(pid);
  const threadsAfter = await threadCpu(pid);
  const threads: Record<string, number> = {};
  for (const [k, v] of Object.entries(threadsAfter)) {
    const pctCpu = Math.round(((v - (threadsBefore[k] ?? 0)) / (elapsed + 1)) * 100);
    if (pctCpu > 0) threads[k] = pctCpu;
  }
  for (const x of sockets) x.ws.close();
  await sleep(300);
  latencies.sort((a, b) => a - b);
  return {
    offered: rate,
    sent,
    deliveredPerSec: Math.round(deliveries / (elapsed + 1)),
    deliveredFraction: Math.round((deliveries / (sent * s.groups[0].members.length)) * 1000) / 1000,
    p50: Math.round(pct(latencies, 50) * 10) / 10,
    p99: Math.round(pct(latencies, 99) * 10) / 10,
    serverCpuPct: Math.round(((after.cpu - before.cpu) / (elapsed + 1)) * 100),
    serverRssMiB: Math.round(after.rssMiB),
    threads,
  };
}

interface IngestResult {
  alertsPerSec: number;
  requests: number;
  p50ms: number;
  p99ms: number;
  non2xx: number;
}

/** Alertmanager v4 groups of 1-50 alerts (30 % repeats) from concurrent senders. */
async function ingestRun(
  server: ServerProcess,
  s: Seeded,
  concurrency: number,
): Promise<IngestResult> {
  const { id, token } = s.integration!;
  const times: number[] = [];
  let alerts = 0;
  let requests = 0;
  let non2xx = 0;
  let n = 0;
  const t0 = performance.now();
  const sender = async () => {
    while (performance.now() - t0 < SECONDS * 1000) {
      const size = 1 + Math.floor(Math.random() * 50);
      const repeat = Math.random() < 0.3 && n > 10;
      const g = repeat ? Math.floor(Math.random() * n) : n++;
      const startsAt = new Date(Date.now() - (repeat ? 0 : 1000)).toISOString();
      const body = JSON.stringify({
        receiver: "tocsin",
        status: "firing",
        alerts: Array.from({ length: size }, (_, i) => ({
          status: "firing",
          labels: { alertname: `Bench${g}`, instance: `host-${i}`, severity: "warning" },
          annotations: { summary: `bench alert ${g}/${i}` },
          startsAt: repeat ? startsAt : startsAt,
          endsAt: "0001-01-01T00:00:00Z",
          generatorURL: "",
          fingerprint: `${g}-${i}`,
        })),
        groupLabels: { alertname: `Bench${g}` },
        commonLabels: { alertname: `Bench${g}` },
        commonAnnotations: {},
        externalURL: "http://am",
        version: "4",
        groupKey: `{}:{alertname="Bench${g}"}`,
      });
      const t = performance.now();
      const r = await fetch(`${server.url}/hooks/${id}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body,
      });
      await r.body?.cancel();
      times.push(performance.now() - t);
      requests++;
      if (r.status >= 300) non2xx++;
      else alerts += size;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
  const elapsed = (performance.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  return {
    alertsPerSec: Math.round(alerts / elapsed),
    requests,
    p50ms: Math.round(pct(times, 50) * 10) / 10,
    p99ms: Math.round(pct(times, 99) * 10) / 10,
    non2xx,
  };
}

async function startServer(
  kvPath: string,
  denoFlags: string[] = [],
): Promise<{ server: ServerProcess; pid: number }> {
  const server = new ServerProcess(kvPath, freePort(), {
    TOCSIN_SEND_RATE_PER_SEC: "0",
    TOCSIN_WS_MAX_FRAMES_PER_SEC: "0",
  }, denoFlags);
  await server.start();
  return { server, pid: await findPid(server.port) };
}

/** The pid listening on a port (ss from iproute2). */
async function findPid(port: number): Promise<number> {
  const out = new TextDecoder().decode(
    (await new Deno.Command("ss", { args: ["-ltnpH", `sport = :${port}`] }).output()).stdout,
  );
  return Number(/pid=(\d+)/.exec(out)?.[1] ?? 0);
}

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

  // 1. Fanout: 1,000 sockets in 100 groups of 10.
  const s = await seed(1000, 10, { integration: true });
  if (PROFILE) {
    // One fanout run at 2,000 msg/s with the server under --cpu-prof, then where its CPU went.
    const dir = await Deno.makeTempDir({ prefix: "tocsin-prof-" });
    const { server, pid } = await startServer(s.kvPath, ["--cpu-prof", `--cpu-prof-dir=${dir}`]);
    const r = await fanoutRun(server, pid, s, 2000);
    await server.stop();
    console.log(`profiled run: ${JSON.stringify(r)}`);
    for (const e of Deno.readDirSync(dir)) {
      const top = topSelf(JSON.parse(await Deno.readTextFile(`${dir}/${e.name}`)), 30);
      console.log(`${dir}/${e.name}, self time:`);
      for (const t of top) console.log(`${String(t.pct).padStart(5)} %  ${t.fn}`);
    }
    Deno.exit(0);
  }
  const fanout: Record<string, FanoutResult[]> = {};
  for (const rate of [200, 1000, 2000, "max"] as const) {
    fanout[String(rate)] = [];
    for (let r = 0; r < RUNS; r++) {
      const { server, pid } = await startServer(s.kvPath);
      fanout[String(rate)].push(await fanoutRun(server, pid, s, rate));
      await server.kill();
    }
    const runs = fanout[String(rate)];
    console.log(
      `fanout 1000 sockets, 100x10, offered ${rate} msg/s: delivered ${
        median(runs.map((x) => x.deliveredPerSec))
      }/s ` +
        `p50 ${median(runs.map((x) => x.p50))} ms p99 ${median(runs.map((x) => x.p99))} ms ` +
        `cpu ${median(runs.map((x) => x.serverCpuPct))}% rss ${
          median(runs.map((x) => x.serverRssMiB))
        } MiB ` +
        `delivered ${median(runs.map((x) => x.deliveredFraction))} of sent ` +
        `(runs: ${runs.map((x) => x.deliveredPerSec).join(", ")})`,
    );
  }
  results.fanout = fanout;

  // 2. Alert ingest.
  const ingest: IngestResult[] = [];
  for (let r = 0; r < RUNS; r++) {
    const { server } = await startServer(s.kvPath);
    ingest.push(await ingestRun(server, s, 16));
    await server.kill();
  }
  console.log(
    `ingest alertmanager groups 1-50, 30% repeats, 16 senders: ${
      median(ingest.map((x) => x.alertsPerSec))
    } alerts/s ` +
      `p50 ${median(ingest.map((x) => x.p50ms))} ms p99 ${median(ingest.map((x) => x.p99ms))} ms ` +
      `non-2xx ${ingest.map((x) => x.non2xx).join(",")} (runs: ${
        ingest.map((x) => x.alertsPerSec).join(", ")
      })`,
  );
  results.ingest = ingest;

  await Deno.mkdir(new URL("./results/", import.meta.url), { recursive: true });
  const file = new URL(
    `./results/${machine.date.slice(0, 19).replaceAll(":", "-")}.json`,
    import.meta.url,
  );
  await Deno.writeTextFile(file, JSON.stringify(results, null, 2));
  console.log(`written ${file.pathname}`);
}
