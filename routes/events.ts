/**
 * The event stream for networks where WebSocket is blocked: Server-Sent
 * Events (`/events`) and long-polling (`/poll`). Same frames, same ordering
 * and no-duplicate rule as the WebSocket, through the same hub.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { Core } from "../lib/runtime.ts";
import { CLOSE, type ServerFrame } from "../lib/protocol.ts";
import { type Subscriber } from "../lib/realtime/subscriber.ts";
import { describeIssues } from "../lib/core/schemas.ts";
import { ApiError } from "../lib/core/errors.ts";
import { formatCursors, parseCursors } from "./cursors.ts";
import type { Auth } from "../lib/accounts/sessions.ts";
import type { Cursors } from "../lib/protocol.ts";
import { type AppEnv, clientIp, me, requireAuth } from "./middleware.ts";
import { log } from "../lib/core/log.ts";
import { trackConnection } from "../lib/ops/metrics.ts";

const encoder = new TextEncoder();

const PollQuerySchema = z.strictObject({
  cursors: z.string().max(400_000).optional(),
  timeout: z.coerce.number().int().min(0).optional(),
});

/** Frames that mean a delivered message to mark as received by this user. */
function markDelivered(deps: Core, userId: string, frames: ServerFrame[]) {
  const last = new Map<string, number>();
  for (const f of frames) {
    if (f.type === "message") last.set(f.message.conversationId, f.message.seq);
  }
  for (const [c, seq] of last) deps.delivered.mark(c, userId, seq);
}

// Long because: one route table per resource, handlers inline after their paths as Hono recommends.
export function eventRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  const { hub, config } = deps;
  // Mounted at /api/v1: authentication per route, so that nothing else under /api/v1 is affected.

  app.get("/events", requireAuth, (c) => {
    const auth = me(c);
    // EventSource reconnects with the same URL plus Last-Event-ID: the id
    // carries every cursor that differs from the URL's, so both together resume exactly.
    const base = parseCursors(c.req.query("cursors"));
    const last = parseCursors(c.req.header("last-event-id"));
    const cursors = { ...base };
    for (const [id, seq] of Object.entries(last)) cursors[id] = Math.max(cursors[id] ?? 0, seq);

    const release = trackConnection("sse", hub.connections.admit(auth.user.id, clientIp(deps, c)));
    let keepalive: ReturnType<typeof setInterval> | undefined;
    let sub: Subscriber | undefined;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const s = sub = hub.subscriber(auth.user.id, auth.sessionHash, {
          write(frames) {
            const changed = [...s.cursors].filter(([id, seq]) => base[id] !== seq);
            controller.enqueue(
              encoder.encode(`id: ${formatCursors(changed)}\ndata: ${JSON.stringify(frames)}\n\n`),
            );
            markDelivered(deps, auth.user.id, frames);
          },
          close() {
            release();
            clearInterval(keepalive);
            try {
              controller.close();
            } catch {
              // already closed by the client
            }
          },
          buffered: () => Math.max(0, config.wsMaxBufferedBytes - (controller.desiredSize ?? 0)),
        });
        controller.enqueue(encoder.encode("retry: 2000\n\n"));
        keepalive = setInterval(() => {
          try {
            controller.enqueue(encoder.encode(": keepalive\n\n"));
          } catch {
            s.close(CLOSE.shutdown, "closed");
          }
        }, config.wsKeepaliveMs);
        hub.attach(s, cursors).catch((err) => {
          log.error("sse: attach failed", err);
          s.close(CLOSE.shutdown, "attach failed");
        });
      },
      cancel() {
        release();
        clearInterval(keepalive);
        sub?.close(CLOSE.shutdown, "client went away");
      },
    }, new ByteLengthQueuingStrategy({ highWaterMark: config.wsMaxBufferedBytes }));
    return new Response(stream, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-store",
        "x-accel-buffering": "no",
      },
    });
  });

  app.get("/poll", requireAuth, async (c) => {
    const auth = me(c);
    const q = PollQuerySchema.safeParse(c.req.query());
    if (!q.success) throw new ApiError("invalid_input", describeIssues(q.error));
    const cursors = parseCursors(q.data.cursors);
    const release = trackConnection("poll", hub.connections.admit(auth.user.id, clientIp(deps, c)));
    try {
      return c.json(await poll(auth, cursors, q.data.timeout, c.req.raw.signal));
    } finally {
      release();
    }
  });

  async function poll(
    auth: Auth,
    cursors: Cursors,
    wanted: number | undefined,
    signal: AbortSignal,
  ): Promise<{ frames: ServerFrame[]; cursors: Record<string, number> }> {
    const timeout = Math.min(wanted ?? config.pollTimeoutMs, config.pollTimeoutMs);
    const frames: ServerFrame[] = [];
    let wake!: () => void;
    const woke = new Promise<void>((r) => (wake = r));
    const sub = hub.subscriber(auth.user.id, auth.sessionHash, {
      write(batch) {
        // A ready frame with nothing new in it is not news worth answering for.
        frames.push(...batch.filter((f) => !(f.type === "ready" && f.conversations.length === 0)));
        if (frames.length) setTimeout(wake, config.pollLingerMs);
      },
      close: () => wake(),
      buffered: () => 0,
    });
    const timer = setTimeout(wake, timeout);
    const abort = () => wake();
    signal.addEventListener("abort", abort);
    try {
      await hub.attach(sub, cursors);
      await woke;
    } catch (err) {
      sub.close(CLOSE.shutdown, "poll failed");
      throw err;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", abort);
      sub.flush();
    }
    // Capture before closing: detaching forgets the cursors.
    const out = Object.fromEntries(sub.cursors);
    sub.close(CLOSE.shutdown, "poll answered");
    markDelivered(deps, auth.user.id, frames);
    return { frames, cursors: out };
  }

  return app;
}
