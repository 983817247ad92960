/**
 * The chat client's store: signals (store/state.ts) and the actions that change them, split by
 * concern under client/store/. This module starts the app and is what islands import.
 */
import { batch } from "@preact/signals";
import type { ConversationSummary, PublicUser } from "../lib/protocol.ts";
import { api } from "./api.ts";
import { Realtime } from "./realtime.ts";
import { onFrames } from "./store/frames.ts";
import { markOpenRead } from "./store/messages.ts";
import { flushOutbox, requeueSending } from "./store/outbox.ts";
import {
  cursors,
  live,
  me,
  notifyPermission,
  setConv,
  soundOn,
  status,
  transport,
  updateTitle,
} from "./store/state.ts";

export * from "./store/state.ts";
export * from "./store/alerts.ts";
export * from "./store/conversations.ts";
export * from "./store/messages.ts";
export * from "./store/message_actions.ts";
export * from "./store/mentions.ts";
export { retry, send, sendTyping } from "./store/outbox.ts";
export { enableNotifications, setSound } from "./store/notify.ts";

/** Starts the app: the conversation list, then the live stream. */
export async function start(user: PublicUser): Promise<void> {
  me.value = user;
  try {
    soundOn.value = localStorage.getItem("tocsin.sound") !== "off";
  } catch {
    // storage blocked
  }
  notifyPermission.value = "Notification" in globalThis ? Notification.permission : "unsupported";
  const { items } = await api<{ items: ConversationSummary[] }>("GET", "/api/v1/conversations");
  batch(() => {
    for (const c of items) setConv(c);
  });
  const rt = new Realtime({
    frames: onFrames,
    status: (s, tr) => {
      batch(() => {
        status.value = s;
        transport.value = tr;
      });
      if (s === "online") flushOutbox();
      else requeueSending();
    },
    cursors: () => ({ ...cursors }),
    ended: () => leave("/login"),
  });
  live.rt = rt;
  rt.start();
  document.addEventListener("visibilitychange", () => {
    updateTitle();
    markOpenRead();
  });
  addEventListener("focus", () => markOpenRead());
}

let leaving = false;
/** Navigates away once (logout and a server-side session end can both ask). */
function leave(to: string): void {
  if (leaving) return;
  leaving = true;
  live.rt?.stop();
  location.href = to;
}

/** Logs out: stops the stream first, so that its "session ended" close does not race the navigation. */
export async function logout(): Promise<void> {
  live.rt?.stop();
  const res = await api<{ redirect?: string }>("DELETE", "/api/v1/session").catch(() => null);
  // A session from single sign-on ends at the identity provider too, which comes back to /login.
  leave(res?.redirect ?? "/login");
}
