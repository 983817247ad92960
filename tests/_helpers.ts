/**
 * Test helpers: a real Tocsin server on port 0 over a fresh KV, an HTTP
 * client with a cookie jar, and a WebSocket client that collects frames.
 */
import type { Assets } from "../lib/assets.ts";
import type { Clock } from "../lib/core/clock.ts";
import { type Config, SHUTDOWN_GRACE_MS, testConfig } from "../lib/core/config.ts";
import { type Core, createCore } from "../lib/runtime.ts";
import type { Message, ServerFrame } from "../lib/protocol.ts";
import type { User } from "../lib/accounts/model.ts";
import { createUser, setup } from "../lib/accounts/users.ts";
import { addContact, verifyContact } from "../lib/notify/contacts.ts";
import { createApp } from "../routes/mod.ts";
import { queueModeConfig } from "./_queues.ts";

export interface TestServer extends AsyncDisposable {
  url: string;
  core: Core;
  kv: Deno.Kv;
  config: Config;
  app: ReturnType<typeof createApp>;
}

/** Starts a real server on port 0. `kvPath` defaults to a fresh in-memory KV. */
export async function startServer(
  opts: {
    config?: Partial<Config>;
    kvPath?: string;
    assets?: Assets | null;
    /** Paths a stand-in proxy in front of the app refuses (e.g. a proxy that blocks WebSocket). */
    blockPaths?: string[];
    /** An injected clock (tests of timers drive it by hand). */
    clock?: Clock;
  } = {},
): Promise<TestServer> {
  const config = testConfig({ ...queueModeConfig(), ...opts.config });
  const kv = await Deno.openKv(opts.kvPath ?? ":memory:");
  const core = createCore(kv, config, opts.clock);
  await core.start();
  const app = createApp(core, { assets: opts.assets ?? null });
  const blocked = opts.blockPaths ?? [];
  const handler: Deno.ServeHandler = (req, info) => {
    if (blocked.includes(new URL(req.url).pathname)) {
      return new Response("blocked by proxy", { status: 502 });
    }
    return app.fetch(req, info);
  };
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, handler);
  const url = `http://127.0.0.1:${server.addr.port}`;
  return {
    url,
    core,
    kv,
    config,
    app,
    async [Symbol.asyncDispose]() {
      const closing = { step: "core.close", core };
      serversClosing.add(closing);
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await core.close();
        closing.step = "server.shutdown";
        // As main.ts does: requests still open after the grace period do not hold the exit.
        const grace = new Promise<"timeout">((r) =>
          timer = setTimeout(r, SHUTDOWN_GRACE_MS, "timeout")
        );
        if (await Promise.race([server.shutdown(), grace]) === "timeout") {
          console.error(
            `test server: requests still open after ${SHUTDOWN_GRACE_MS} ms; closing anyway`,
          );
        }
      } finally {
        clearTimeout(timer);
        kv.close();
        serversClosing.delete(closing);
      }
    },
  };
}

/** Test servers being disposed of, and the step each is in (names a shutdown that hangs). */
const serversClosing = new Set<{ step: string; core: Core }>();
/** "", or what the test servers still closing wait for. */
export function closingServers(): string {
  return [...serversClosing].map((c) =>
    `a test server is still closing: ${c.step}${
      c.step === "core.close" ? ` (${c.core.closing ?? "?"})` : ""
    }`
  ).join("\n");
}

/** An HTTP client for one user: keeps its session cookie, sends the right Origin. */
export class Client {
  cookie = "";
  constructor(public base: string, public token?: string, public origin: string | null = base) {}

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const h: Record<string, string> = { ...headers };
    if (body !== undefined) h["content-type"] ??= "application/json";
    if (this.token) h.authorization = `Bearer ${this.token}`;
    else if (this.cookie) h.cookie = this.cookie;
    if (this.origin && !this.token) h.origin ??= this.origin;
    const res = await fetch(this.base + path, {
      method,
      headers: h,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const set = res.headers.get("set-cookie");
    if (set) {
      const m = /tocsin_session=([^;]*)/.exec(set);
      if (m) this.cookie = m[1] ? `tocsin_session=${m[1]}` : "";
    }
    const text = await res.text();
    // deno-lint-ignore no-explicit-any
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = { raw: text };
    }
    return { status: res.status, json, headers: res.headers };
  }
  get(path: string) {
    return this.request("GET", path);
  }
  post(path: string, body?: unknown) {
    return this.request("POST", path, body ?? {});
  }
  patch(path: string, body: unknown) {
    return this.request("PATCH", path, body);
  }
  delete(path: string) {
    return this.request("DELETE", path);
  }
}

let counter = 0;

/** Creates the admin (through setup) and logs a client in as them. */
export async function adminClient(srv: TestServer): Promise<{ client: Client; user: User }> {
  const client = new Client(srv.url);
  const r = await client.post("/api/v1/setup", {
    email: "admin@example.com",
    name: "Admin",
    password: "admin-password",
  });
  if (r.status !== 201) throw new Error("setup failed: " + JSON.stringify(r.json));
  return { client, user: r.json.user };
}

/** Creates a member directly and logs a client in as them. */
export async function userClient(
  srv: TestServer,
  name = `User ${++counter}`,
): Promise<{ client: Client; user: User }> {
  const email = `${name.toLowerCase().replaceAll(/[^a-z0-9]/g, "")}${++counter}@example.com`;
  const user = await createUser(srv.core, {
    email,
    name,
    password: "user-password",
    role: "member",
  });
  const client = new Client(srv.url);
  const r = await client.post("/api/v1/session", { email, password: "user-password" });
  if (r.status !== 200) throw new Error("login failed: " + JSON.stringify(r.json));
  return { client, user };
}

/** Creates the admin directly (no HTTP), for tests that only need a user record. */
export function seedAdmin(srv: TestServer): Promise<User> {
  return setup(srv.core, { email: "root@example.com", name: "Root", password: "root-password" });
}

/** A WebSocket client that collects every frame it receives. */
export class WsClient {
  frames: ServerFrame[] = [];
  closed: { code: number; reason: string } | null = null;
  #waiters: (() => void)[] = [];
  ws: WebSocket;
  opened: Promise<void>;

  constructor(url: string, headers: Record<string, string>) {
    // deno-lint-ignore no-explicit-any
    this.ws = new WebSocket(url, { headers } as any);
    this.opened = new Promise((resolve, reject) => {
      this.ws.onopen = () => resolve();
      this.ws.onerror = () => reject(new Error("websocket failed"));
    });
    this.ws.onmessage = (e) => {
      const batch = JSON.parse(e.data);
      this.frames.push(...(Array.isArray(batch) ? batch : [batch]));
      this.#wake();
    };
    this.ws.onclose = (e) => {
      this.closed = { code: e.code, reason: e.reason };
      this.#wake();
    };
  }

  #wake() {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  send(frame: unknown) {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Waits until `pred` holds over the frames so far (bounded by `ms`). */
  async until(
    pred: (frames: ServerFrame[]) => boolean,
    ms = 5000,
    what = "condition",
  ): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this.frames)) {
      if (this.closed && !pred(this.frames)) {
        throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) before ${what}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      let t: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise<void>((r) => this.#waiters.push(r)),
        new Promise<void>((r) => t = setTimeout(r, Math.min(left, 250))),
      ]);
      clearTimeout(t);
    }
  }

  async untilClosed(ms = 5000): Promise<{ code: number; reason: string }> {
    await this.until(() => this.closed !== null, ms, "close").catch((e) => {
      if (!this.closed) throw e;
    });
    return this.closed!;
  }

  /** Messages received for a conversation, in arrival order. */
  messages(conversationId: string) {
    return this.frames.flatMap((f) =>
      f.type === "message" && f.message.conversationId === conversationId ? [f.message] : []
    );
  }

  close() {
    if (this.ws.readyState <= 1) this.ws.close();
  }
}

/** Opens a WebSocket as `client` (cookie or bearer), optionally saying hello. */
export async function connect(
  client: Client,
  opts: { hello?: Record<string, number> | false; origin?: string } = {},
): Promise<WsClient> {
  const headers: Record<string, string> = {};
  if (client.token) headers.authorization = `Bearer ${client.token}`;
  else headers.cookie = client.cookie;
  headers.origin = opts.origin ?? client.base;
  const ws = new WsClient(client.base.replace(/^http/, "ws") + "/api/v1/ws", headers);
  await ws.opened;
  if (opts.hello !== false) {
    ws.send({ type: "hello", cursors: opts.hello ?? {} });
    await ws.until((f) => f.some((x) => x.type === "ready"), 5000, "ready");
  }
  return ws;
}

/** Asserts seqs are 1..n exactly once each. */
export function assertGapFree(seqs: number[]): void {
  const sorted = [...seqs].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i] !== i + 1) {
      throw new Error(`seqs not gap-free at index ${i}: got ${sorted[i]}, want ${i + 1}`);
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Gives `user` a verified contact directly through the library (the code is caught, not sent). */
export async function addVerifiedContact(
  srv: TestServer,
  user: User,
  kind: "email" | "sms" | "voice" | "webhook",
  address: string,
): Promise<void> {
  let code = "";
  const c = await addContact(srv.core, user, { kind, address }, (_c, k) => {
    code = k;
    return Promise.resolve();
  });
  await verifyContact(srv.core, user, c.id, code);
}

/** Creates `n` members directly (no HTTP, no login): `<prefix><i>@example.com`. */
export async function createMembers(srv: TestServer, n: number, prefix: string): Promise<User[]> {
  const out: User[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      await createUser(srv.core, {
        email: `${prefix}${i}@example.com`,
        name: `${prefix.toUpperCase()} ${i}`,
        password: "user-password",
        role: "member",
      }),
    );
  }
  return out;
}

/** Sends a text message over REST as `c`; fails the test unless it is stored (201). */
export async function say(c: Client, convId: string, text: string): Promise<Message> {
  const r = await c.post(`/api/v1/conversations/${convId}/messages`, {
    clientId: crypto.randomUUID(),
    text,
  });
  if (r.status !== 201) throw new Error(`send: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.message;
}
