/**
 * Runs the real server as a child process (`deno run main.ts`) on a given KV
 * file and port, so that tests can SIGKILL it and start it again.
 */
import { Client } from "./_helpers.ts";
import { type QueueMode, queueMode } from "./_queues.ts";

/** A free loopback port (bound, then released). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** How a ServerProcess runs, besides its KV, port and environment. */
export interface ProcessOptions {
  /** A program to run instead of `deno run main.ts` (a compiled binary). */
  exec?: string;
  /** The address its URL uses (default 127.0.0.1). */
  host?: string;
  /** Keep stdout and stderr for `output()` instead of dropping and passing them through. */
  captureOutput?: boolean;
  /**
   * With KV queues, or without them and with enqueue refused as KV Connect refuses it
   * (tests/_no_queues_preload.ts); by default the running test's mode (tests/_queues.ts).
   */
  queues?: QueueMode;
}

export class ServerProcess {
  #child: Deno.ChildProcess | null = null;
  #output: Promise<string>[] = [];
  readonly url: string;

  constructor(
    readonly kvPath: string,
    readonly port: number,
    readonly env: Record<string, string> = {},
    /** Extra flags for `deno run` (the bench's `--profile` passes `--cpu-prof`). */
    readonly denoFlags: string[] = [],
    readonly opts: ProcessOptions = {},
  ) {
    this.url = `http://${opts.host ?? "127.0.0.1"}:${port}`;
  }

  /** Everything the process wrote to stdout and to stderr (with captureOutput, once it ended). */
  async output(): Promise<{ stdout: string; stderr: string }> {
    const [stdout = "", stderr = ""] = await Promise.all(this.#output);
    return { stdout, stderr };
  }

  /** Starts the server and waits until it answers /healthz. */
  async start(timeoutMs = 30_000): Promise<void> {
    const mainTs = new URL("../main.ts", import.meta.url).pathname;
    const capture = this.opts.captureOutput ?? false;
    const preload = new URL("./_no_queues_preload.ts", import.meta.url).pathname;
    const off = (this.opts.queues ?? queueMode()) === "no queues";
    this.#child = new Deno.Command(this.opts.exec ?? Deno.execPath(), {
      args: this.opts.exec
        ? []
        : ["run", "-A", ...(off ? ["--preload", preload] : []), ...this.denoFlags, mainTs],
      env: {
        TOCSIN_KV: this.kvPath,
        TOCSIN_KV_QUEUES: off ? "off" : "on",
        PORT: String(this.port),
        TOCSIN_ARGON2_MEMORY_KIB: "1024",
        TOCSIN_ARGON2_ITERATIONS: "1",
        ...this.env,
      },
      stdout: capture ? "piped" : "null",
      stderr: capture ? "piped" : "inherit",
    }).spawn();
    if (capture) {
      const text = (s: ReadableStream<Uint8Array>) => new Response(s).text();
      this.#output = [text(this.#child.stdout), text(this.#child.stderr)];
    }
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const r = await fetch(this.url + "/healthz");
        await r.body?.cancel();
        if (r.ok) return;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("server did not start");
  }

  /** The server's process id (for /proc readings); 0 when it is not running. */
  get pid(): number {
    return this.#child?.pid ?? 0;
  }

  /** SIGTERM: a graceful shutdown (and, with `--cpu-prof`, a written profile). */
  async stop(): Promise<void> {
    if (!this.#child) return;
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await this.#child.status;
    this.#child = null;
  }

  /** SIGKILL: no shutdown hooks run, buffered work is lost. */
  async kill(): Promise<void> {
    if (!this.#child) return;
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await this.#child.status;
    this.#child = null;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill();
  }
}

/** A small seeded PRNG (mulberry32), so that a failing run can be repeated. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * First-run set-up of a server process over HTTP, as a new user would: the admin (logged in),
 * a team "SRE" they administer, and an integration of `type` for it (with its token).
 */
export async function setupTeam(base: string, type: "text" | "alertmanager") {
  const admin = new Client(base);
  const r = await admin.post("/api/v1/setup", {
    email: "a@example.com",
    name: "A",
    password: "a-pass-word",
  });
  if (r.status !== 201) throw new Error(`setup failed: ${JSON.stringify(r.json)}`);
  const me = (await admin.get("/api/v1/me")).json.user;
  const team = (await admin.post("/api/v1/teams", { name: "SRE", adminIds: [me.id] })).json.team;
  const hook = (await admin.post("/api/v1/integrations", { name: type, type, teamId: team.id }))
    .json as { integration: { id: string }; token: string };
  return { admin, team: team as { id: string }, hook };
}
