/**
 * The WebSocket endpoint. Frames are JSON; the server sends arrays of frames
 * (one WebSocket message may carry several). docs/protocol.md is the contract.
 */
import { Hono } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type { WSContext } from "hono/ws";
import type { Core } from "../lib/runtime.ts";
import { ApiError } from "../lib/core/errors.ts";
import { CLOSE, type ServerFrame } from "../lib/protocol.ts";
import { type Subscriber } from "../lib/realtime/subscriber.ts";
import { sendMessage } from "../lib/chat/messages.ts";
import { TokenBucket } from "../lib/core/ratelimit.ts";
import { markRead } from "../lib/chat/receipts.ts";
import { ClientFrameSchema } from "../lib/protocol.ts";
import { describeIssues } from "../lib/core/schemas.ts";
import { type AppEnv, me, requireAuth } from "./middleware.ts";

export function wsRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  const { config, hub, clock } = deps;

  app.get(
    "/",
    requireAuth,
    upgradeWebSocket((c) => {
      const auth = me(c as never);
      let sub: Subscriber | null = null;
      let hello = false;
      let keepalive: ReturnType<typeof setInterval> | undefined;
      let helloTimer: ReturnType<typeof setTimeout> | undefined;
      let refused = 0;
      let refusedSince = 0;
      const bucket = new TokenBucket(config.wsMaxFramesPerSec, config.wsMaxFramesPerSec * 2, clock);

      // Errors before hello (or after close) go straight to the socket.
      const reply = (ws: WSContext, frame: ServerFrame) => {
        if (sub && !sub.closed) sub.push(frame);
        else if (ws.readyState === 1) ws.send(JSON.stringify([frame]));
      };

      const handle = async (ws: WSContext, raw: unknown) => {
        const frame = ClientFrameSchema.safeParse(raw);
        if (!frame.success) {
          return reply(ws, {
            type: "error",
            code: "invalid_input",
            message: describeIssues(frame.error),
          });
        }
        const f = frame.data;
        if (f.type === "keepalive") return reply(ws, { type: "keepalive", t: clock.now() });
        if (f.type === "hello") {
          if (hello) {
            return reply(ws, {
              type: "error",
              code: "invalid_input",
              message: "hello was already said",
            });
          }
          hello = true;
          clearTimeout(helloTimer);
          await hub.attach(sub!, f.cursors);
          return;
        }
        if (!hello) {
          return reply(ws, { type: "error", code: "invalid_input", message: "say hello first" });
        }
        try {
          if (f.type === "send") {
            const { message } = await sendMessage(deps, auth.user.id, f.conversationId, f);
            reply(ws, { type: "sent", clientId: f.clientId, message });
          } else if (f.type === "read") {
            await markRead(deps, auth.user.id, f.conversationId, f.seq);
          } else if (f.type === "received") {
            // Only what this socket was actually given counts as delivered.
            const cur = sub!.cursors.get(f.conversationId);
            if (cur !== undefined) {
              deps.delivered.mark(f.conversationId, auth.user.id, Math.min(cur, f.seq));
            }
          }
        } catch (err) {
          const e = err instanceof ApiError ? err : null;
          if (!e) console.error("ws: frame handler failed", err);
          reply(ws, {
            type: "error",
            code: e?.code ?? "internal",
            message: e?.message ?? "internal error",
            ...(f.type === "send" ? { clientId: f.clientId } : {}),
          });
        }
      };

      return {
        onOpen(_evt, ws) {
          const raw = ws.raw as WebSocket;
          sub = hub.subscriber(auth.user.id, auth.sessionHash, {
            write: (frames) => raw.send(JSON.stringify(frames)),
            close: (code, reason) => {
              if (raw.readyState <= 1) raw.close(code, reason);
            },
            buffered: () => raw.bufferedAmount,
          });
          helloTimer = setTimeout(() => {
            if (!hello) ws.close(CLOSE.policy, "no hello");
          }, config.wsHelloTimeoutMs);
          keepalive = setInterval(
            () => sub?.push({ type: "keepalive", t: clock.now() }),
            config.wsKeepaliveMs,
          );
        },
        onMessage(evt, ws) {
          const data = evt.data;
          if (typeof data !== "string") {
            return reply(ws, {
              type: "error",
              code: "invalid_input",
              message: "frames are JSON text",
            });
          }
          // Deno does not cap frame size; refuse big ones before parsing.
          if (data.length > config.wsMaxFrameBytes) {
            ws.close(CLOSE.tooBig, "frame too large");
            return;
          }
          if (!bucket.take()) {
            // Over the frame rate: the frame is dropped. Only the first refusal of each second
            // is answered (answering every one would let a flooder make the server talk), and a
            // socket refused more than a second's allowance within one second is cut off.
            const now = clock.now();
            if (now - refusedSince >= 1000) {
              refusedSince = now;
              refused = 0;
            }
            if (++refused > config.wsMaxFramesPerSec) {
              ws.close(CLOSE.policy, "too many frames");
              return;
            }
            if (refused > 1) return;
            return reply(ws, {
              type: "error",
              code: "rate_limited",
              message: "too many frames; slow down",
            });
          }
          let parsed: unknown;
          try {
            parsed = JSON.parse(data);
          } catch {
            return reply(ws, {
              type: "error",
              code: "invalid_json",
              message: "frame is not valid JSON",
            });
          }
          handle(ws, parsed).catch((err) => console.error("ws: unexpected", err));
        },
        onClose() {
          clearInterval(keepalive);
          clearTimeout(helloTimer);
          sub?.close(CLOSE.shutdown, "closed");
        },
        onError() {
          sub?.close(CLOSE.shutdown, "socket error");
        },
      };
    }),
  );

  return app;
}
