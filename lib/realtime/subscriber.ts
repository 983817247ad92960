/**
 * A subscriber: one socket, SSE stream or long poll of a user, with its cursor per
 * conversation. Frames are coalesced over a short window and a sink too far behind is closed
 * (it resumes from its cursors) rather than allowed to hold memory or slow the others.
 */
import { CLOSE, type ServerFrame } from "../protocol.ts";
import { ulid } from "../core/ids.ts";

/** Where a subscriber's frames go: a WebSocket, an SSE stream or a long poll. */
export interface Sink {
  /** Sends frames now (one batch). */
  write(frames: ServerFrame[]): void;
  close(code: number, reason: string): void;
  /** Bytes queued and not yet sent (0 where unknown). */
  buffered(): number;
}

/** Each frame's JSON, kept while the frame lives: a frame shared by many sockets is serialised once. */
const encoded = new WeakMap<ServerFrame, string>();

/** A batch of frames as the JSON array the wire carries, reusing each frame's serialisation. */
export function encodeFrames(frames: ServerFrame[]): string {
  let out = "[";
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    let json = encoded.get(f);
    if (json === undefined) encoded.set(f, json = JSON.stringify(f));
    out += (i ? "," : "") + json;
  }
  return out + "]";
}

export class Subscriber {
  readonly id = ulid();
  readonly cursors = new Map<string, number>();
  /** Conversations this subscriber is catching up on from KV; null while none (most of the time). */
  catching: Set<string> | null = null;
  closed = false;
  #outbox: ServerFrame[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly userId: string,
    readonly sessionHash: string | null,
    readonly sink: Sink,
    private coalesceMs: number,
    private maxBuffered: number,
    private onClose: (s: Subscriber) => void,
  ) {}

  push(frame: ServerFrame): void {
    if (this.closed) return;
    this.#outbox.push(frame);
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flush(), this.coalesceMs);
    }
  }

  /** Sends what is queued, unless the sink is already too far behind. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.closed || this.#outbox.length === 0) return;
    if (this.sink.buffered() > this.maxBuffered) {
      // Never let one slow reader hold memory or delay others: drop it; it resumes from its cursors.
      this.close(CLOSE.slowConsumer, "slow consumer");
      return;
    }
    const frames = this.#outbox;
    this.#outbox = [];
    try {
      this.sink.write(frames);
    } catch {
      this.close(CLOSE.shutdown, "write failed");
    }
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.#timer);
    this.#outbox = [];
    try {
      this.sink.close(code, reason);
    } catch {
      // already closed
    }
    this.onClose(this);
  }
}
