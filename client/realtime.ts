/**
 * The browser's realtime connection: WebSocket first, with reconnect
 * (exponential backoff with full jitter) and resume from cursors. When the
 * WebSocket cannot connect at all (a proxy blocks it), it falls back to
 * Server-Sent Events, then to long-polling, by itself.
 */
import type { ServerFrame } from "../lib/protocol.ts";

export type Transport = "ws" | "sse" | "poll";
export type Status = "connecting" | "online" | "offline";

export interface RealtimeHandlers {
  frames(frames: ServerFrame[]): void;
  status(status: Status, transport: Transport): void;
  /** The client's cursors, read at every (re)connect. */
  cursors(): Record<string, number>;
  /** The session ended (logout elsewhere, account disabled). */
  ended(): void;
}

/** WebSocket attempts that never opened before trying SSE. */
const WS_FAILURES_BEFORE_FALLBACK = 3;
/** Reconnect backoff: base and cap, in ms. */
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 15_000;
/** Silence after which a socket is presumed dead (server keepalives come every 25 s). */
const SILENCE_MS = 60_000;

function formatCursors(c: Record<string, number>): string {
  return Object.entries(c).map(([id, s]) => `${id}:${s}`).join(",");
}

export class Realtime {
  transport: Transport = "ws";
  #ws: WebSocket | null = null;
  #es: EventSource | null = null;
  #pollAbort: AbortController | null = null;
  #attempt = 0;
  #wsFailures = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #silence: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(private h: RealtimeHandlers) {}

  start(): void {
    addEventListener("online", () => this.#reconnectNow());
    addEventListener("offline", () => this.#drop());
    this.#connect();
  }

  /** Sends a frame over the WebSocket; false when it is not open (use HTTP instead). */
  send(frame: unknown): boolean {
    if (this.transport !== "ws" || !this.#ws || this.#ws.readyState !== WebSocket.OPEN) {
      return false;
    }
    this.#ws.send(JSON.stringify(frame));
    return true;
  }

  get open(): boolean {
    return this.transport === "ws"
      ? this.#ws?.readyState === WebSocket.OPEN
      : this.#es !== null || this.#pollAbort !== null;
  }

  stop(): void {
    this.#stopped = true;
    this.#drop();
  }

  #connect(): void {
    if (this.#stopped) return;
    this.h.status("connecting", this.transport);
    if (this.transport === "ws") this.#connectWs();
    else if (this.transport === "sse") this.#connectSse();
    else this.#poll();
  }

  #retry(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    const cap = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** this.#attempt++);
    this.#timer = setTimeout(() => this.#connect(), Math.random() * cap);
  }

  #reconnectNow(): void {
    this.#drop();
    this.#attempt = 0;
    clearTimeout(this.#timer);
    this.#connect();
  }

  /** Closes whatever is open (e.g. the browser said it went offline). */
  #drop(): void {
    clearTimeout(this.#silence);
    const ws = this.#ws;
    this.#ws = null;
    if (ws) {
      ws.onclose = null;
      ws.close();
    }
    this.#es?.close();
    this.#es = null;
    this.#pollAbort?.abort();
    this.#pollAbort = null;
    if (!this.#stopped) this.h.status("offline", this.transport);
  }

  #deliver(frames: ServerFrame[]): void {
    for (const f of frames) {
      if (f.type === "ready") {
        this.#attempt = 0;
        this.h.status("online", this.transport);
      }
    }
    this.h.frames(frames);
  }

  #watchSilence(): void {
    clearTimeout(this.#silence);
    this.#silence = setTimeout(() => {
      // Half-open connection: nothing, not even a keepalive, for too long.
      this.#drop();
      this.#retry();
    }, SILENCE_MS);
  }

  #connectWs(): void {
    const url = location.origin.replace(/^http/, "ws") + "/api/v1/ws";
    let opened = false;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch {
      return this.#wsFailed();
    }
    this.#ws = ws;
    ws.onopen = () => {
      opened = true;
      this.#wsFailures = 0;
      ws.send(JSON.stringify({ type: "hello", cursors: this.h.cursors() }));
      this.#watchSilence();
    };
    ws.onmessage = (e) => {
      this.#watchSilence();
      const data = JSON.parse(e.data);
      this.#deliver(Array.isArray(data) ? data : [data]);
    };
    ws.onclose = (e) => {
      if (this.#ws !== ws) return;
      this.#ws = null;
      clearTimeout(this.#silence);
      if (e.code === 4001 || e.code === 4003) return this.h.ended();
      this.h.status("offline", this.transport);
      if (!opened) this.#wsFailed();
      else this.#retry();
    };
  }

  #wsFailed(): void {
    if (++this.#wsFailures >= WS_FAILURES_BEFORE_FALLBACK && navigator.onLine !== false) {
      this.transport = "sse";
      this.#attempt = 0;
    }
    this.#retry();
  }

  #connectSse(): void {
    let opened = false;
    const es = new EventSource("/api/v1/events?cursors=" + formatCursors(this.h.cursors()));
    this.#es = es;
    es.onopen = () => {
      opened = true;
    };
    es.onmessage = (e) => this.#deliver(JSON.parse(e.data));
    es.onerror = () => {
      if (this.#es !== es) return;
      this.h.status("offline", this.transport);
      if (!opened) {
        // SSE is blocked too: poll.
        es.close();
        this.#es = null;
        this.transport = "poll";
        this.#retry();
      } else if (es.readyState === EventSource.CLOSED) {
        this.#es = null;
        this.#retry();
      }
      // Otherwise EventSource reconnects by itself, resuming from Last-Event-ID.
    };
  }

  async #poll(): Promise<void> {
    const ctl = new AbortController();
    this.#pollAbort = ctl;
    let first = true;
    while (!ctl.signal.aborted) {
      try {
        const res = await fetch(
          // The first poll answers at once, so that the client knows this path works.
          `/api/v1/poll?timeout=${first ? 0 : 25000}&cursors=${formatCursors(this.h.cursors())}`,
          { signal: ctl.signal, credentials: "same-origin" },
        );
        if (res.status === 401) return this.h.ended();
        if (!res.ok) throw new Error(String(res.status));
        const body = await res.json() as { frames: ServerFrame[] };
        if (first) {
          first = false;
          this.#attempt = 0;
          this.h.status("online", this.transport);
        }
        this.#deliver(body.frames);
      } catch {
        if (ctl.signal.aborted) return;
        this.#pollAbort = null;
        this.h.status("offline", this.transport);
        return this.#retry();
      }
    }
  }
}
