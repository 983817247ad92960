/**
 * The WebSocket endpoint. Frames are JSON; the server sends arrays of frames
 * (one WebSocket message may carry several). docs/protocol.md is the contract.
 */
import { Hono } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type { WSContext, WSEvents } from "hono/ws";
import type { Core } from "../lib/runtime.ts";
import { ApiError } from "../lib/core/errors.ts";
import { type ClientFrame, CLOSE, type ServerFrame } from "../lib/protocol.ts";
import { encodeFrames, type Subscriber } from "../lib/realtime/subscriber.ts";
import { resolveMentions } from "../lib/chat/mention_targets.ts";
import { sendMessage } from "../lib/chat/messages.ts";
import { announceTyping } from "../lib/realtime/typing.ts";
import { TokenBucket } from "../lib/core/ratelimit.ts";
import { markRead } from "../lib/chat/receipts.ts";
import { ClientFrameSchema } from "../lib/protocol.ts";
import { describeIssues } from "../lib/core/schemas.ts";
import { type AppEnv, clientIp, me, requireAuth } from "./middleware.ts";
import { log } from "../lib/core/log.ts";
import { trackConnection } from "../lib/ops/metrics.ts";

/** One socket's state, from upgrade to close. */
interface Socket {
  deps: Core;
  /** The user, by id only: the socket outlives the request, and the user record may change. */
  userId: string;
  sub: Subscriber | null;
  hello: boolean;
  helloTimer?: ReturnType<typeof setTimeout>;
  /** Frames refused for the rate since `refusedSince` (a one-second window). */
  refused: number;
  refusedSince: number;
  bucket: TokenBucket;
}

export function wsRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  app.get("/", requireAuth, (c, next) => {
    if (c.req.header("upgrade") !== "websocket") return next();
    const auth = me(c);
    // Refused here, before the upgrade, with 429: a socket never opened can buffer nothing.
    const release = trackConnection(
      "websocket",
      deps.hub.connections.admit(auth.user.id, clientIp(deps, c)),
    );
    try {
      return upgradeWebSocket(c, socketEvents(deps, auth.user.id, auth.sessionHash, release));
    } catch (err) {
      release();
      throw err;
    }
  });
  return app;
}

/** The socket's event handlers: subscribe on open, frames in, clean up on close. */
function socketEvents(
  deps: Core,
  userId: string,
  sessionHash: string | null,
  release: () => void,
): WSEvents {
  const { config, hub, clock } = deps;
  const rate = config.wsMaxFramesPerSec;
  const s: Socket = {
    deps,
    userId,
    sub: null,
    hello: false,
    refused: 0,
    refusedSince: 0,
    bucket: new TokenBucket(rate, rate * 2, clock),
  };
  return {
    onOpen(_evt, ws) {
      const raw = ws.raw as WebSocket;
      s.sub = hub.subscriber(userId, sessionHash, {
        write: (frames) => raw.send(encodeFrames(frames)),
        close: (code, reason) => {
          if (raw.readyState <= 1) raw.close(code, reason);
        },
        buffered: () => raw.bufferedAmount,
      });
      s.helloTimer = setTimeout(() => {
        if (!s.hello) ws.close(CLOSE.policy, "no hello");
      }, config.wsHelloTimeoutMs);
      hub.keepalives.add(s.sub);
    },
    onMessage(evt, ws) {
      const parsed = admitFrame(s, ws, evt.data);
      if (parsed === REFUSED) return;
      handleFrame(s, ws, parsed).catch((err) => log.error("ws: unexpected", err));
    },
    onClose() {
      release();
      clearTimeout(s.helloTimer);
      if (s.sub) hub.keepalives.delete(s.sub);
      s.sub?.close(CLOSE.shutdown, "closed");
    },
    onError() {
      release();
      if (s.sub) hub.keepalives.delete(s.sub);
      s.sub?.close(CLOSE.shutdown, "socket error");
    },
  };
}

/** Errors before hello (or after close) go straight to the socket. */
function reply(s: Socket, ws: WSContext, frame: ServerFrame) {
  if (s.sub && !s.sub.closed) s.sub.push(frame);
  else if (ws.readyState === 1) ws.send(JSON.stringify([frame]));
}

const REFUSED = Symbol("refused");

/**
 * The checks before a frame is looked at: text, size, rate, JSON. Returns
 * the parsed JSON, or REFUSED when the frame was answered or the socket closed.
 */
function admitFrame(s: Socket, ws: WSContext, data: unknown): unknown {
  const { config, clock } = s.deps;
  if (typeof data !== "string") {
    reply(s, ws, { type: "error", code: "invalid_input", message: "frames are JSON text" });
    return REFUSED;
  }
  // Deno does not cap frame size; refuse big ones before parsing.
  if (data.length > config.wsMaxFrameBytes) {
    ws.close(CLOSE.tooBig, "frame too large");
    return REFUSED;
  }
  if (!s.bucket.take()) {
    // Over the frame rate: the frame is dropped. Only the first refusal of each second
    // is answered (answering every one would let a flooder make the server talk), and a
    // socket refused more than a second's allowance within one second is cut off.
    const now = clock.now();
    if (now - s.refusedSince >= 1000) {
      s.refusedSince = now;
      s.refused = 0;
    }
    if (++s.refused > config.wsMaxFramesPerSec) {
      ws.close(CLOSE.policy, "too many frames");
      return REFUSED;
    }
    if (s.refused === 1) {
      reply(s, ws, { type: "error", code: "rate_limited", message: "too many frames; slow down" });
    }
    return REFUSED;
  }
  try {
    return JSON.parse(data);
  } catch {
    reply(s, ws, { type: "error", code: "invalid_json", message: "frame is not valid JSON" });
    return REFUSED;
  }
}

/** A parsed frame: validated, then hello and keepalive here, the rest after hello. */
async function handleFrame(s: Socket, ws: WSContext, raw: unknown) {
  const frame = ClientFrameSchema.safeParse(raw);
  if (!frame.success) {
    return reply(s, ws, {
      type: "error",
      code: "invalid_input",
      message: describeIssues(frame.error),
    });
  }
  const f = frame.data;
  if (f.type === "keepalive") return reply(s, ws, { type: "keepalive", t: s.deps.clock.now() });
  if (f.type === "hello") {
    if (s.hello) {
      return reply(s, ws, {
        type: "error",
        code: "invalid_input",
        message: "hello was already said",
      });
    }
    s.hello = true;
    clearTimeout(s.helloTimer);
    await s.deps.hub.attach(s.sub!, f.cursors);
    return;
  }
  if (!s.hello) {
    return reply(s, ws, { type: "error", code: "invalid_input", message: "say hello first" });
  }
  try {
    await applyFrame(s, ws, f);
  } catch (err) {
    const e = err instanceof ApiError ? err : null;
    if (!e) log.error("ws: frame handler failed", err);
    reply(s, ws, {
      type: "error",
      code: e?.code ?? "internal",
      message: e?.message ?? "internal error",
      ...(f.type === "send" ? { clientId: f.clientId } : {}),
    });
  }
}

/** send, read and received, for a socket that has said hello. */
async function applyFrame(s: Socket, ws: WSContext, f: ClientFrame) {
  const { deps, userId } = s;
  if (f.type === "send") {
    const mentioned = await resolveMentions(deps, userId, f.conversationId, f.mentions);
    const { message, warnings } = await sendMessage(
      deps,
      userId,
      f.conversationId,
      f,
      undefined,
      mentioned,
    );
    reply(s, ws, {
      type: "sent",
      clientId: f.clientId,
      message,
      ...(warnings ? { warnings } : {}),
    });
  } else if (f.type === "read") {
    await markRead(deps, userId, f.conversationId, f.seq);
  } else if (f.type === "typing") {
    // Only into a conversation this socket streams (so the user is a member).
    const streaming = s.sub!.cursors.has(f.conversationId);
    if (streaming) await announceTyping(deps, userId, f.conversationId, true);
  } else if (f.type === "received") {
    // Only what this socket was actually given counts as delivered.
    const cur = s.sub!.cursors.get(f.conversationId);
    if (cur !== undefined) {
      deps.delivered.mark(f.conversationId, userId, Math.min(cur, f.seq));
    }
  }
}
