/** A conversation's messages: opening it, paging history, and marking it read and received. */
import { batch } from "@preact/signals";
import type { Message } from "../../lib/protocol.ts";
import { api } from "../api.ts";
import { fetchAlerts } from "./alerts.ts";
import { loadMembers, loadReceipts, refreshConv } from "./conversations.ts";
import {
  convs,
  dividerAfter,
  hasOlder,
  live,
  mergeMessages,
  messages,
  openId,
  openMissing,
  patchConv,
  transport,
  updateTitle,
} from "./state.ts";

export function addMessages(id: string, incoming: Message[]): void {
  messages.value = { ...messages.value, [id]: mergeMessages(messages.value[id] ?? [], incoming) };
  const cards = incoming.flatMap((m) => m.alertId ? [m.alertId] : []);
  if (cards.length) fetchAlerts(cards, false);
}

/** Opens a conversation: its latest messages, members and receipts. */
export async function open(id: string | null): Promise<void> {
  openId.value = id;
  openMissing.value = false;
  if (!id) return;
  if (!convs.value[id]) await refreshConv(id);
  if (!convs.value[id]) {
    openMissing.value = true;
    return;
  }
  const conv = convs.value[id];
  const { [id]: _old, ...rest } = dividerAfter.value;
  dividerAfter.value = conv.unread > 0 ? { ...rest, [id]: conv.read } : rest;
  await Promise.all([loadLatest(id), loadMembers(id), loadReceipts(id)]);
  markOpenRead();
}

/** Opens a conversation and records it in the URL, so reload, back and links return to it. */
export function navigate(id: string | null): void {
  const path = id ? `/c/${id}` : "/";
  if (location.pathname !== path) history.pushState({ id }, "", path);
  open(id);
}

export async function loadLatest(id: string): Promise<void> {
  const page = await api<{ items: Message[]; cursor: number | null }>(
    "GET",
    `/api/v1/conversations/${id}/messages?limit=50`,
  );
  batch(() => {
    addMessages(id, page.items);
    const first = (messages.value[id] ?? [])[0]?.seq ?? 1;
    hasOlder.value = { ...hasOlder.value, [id]: first > 1 };
  });
}

/** Loads the page before the first message shown; resolves false when there is none. */
export async function loadOlder(id: string): Promise<boolean> {
  const list = messages.value[id] ?? [];
  const first = list[0]?.seq;
  if (!first || first <= 1) {
    hasOlder.value = { ...hasOlder.value, [id]: false };
    return false;
  }
  const page = await api<{ items: Message[]; cursor: number | null }>(
    "GET",
    `/api/v1/conversations/${id}/messages?before=${first}&limit=50`,
  );
  batch(() => {
    addMessages(id, page.items);
    hasOlder.value = { ...hasOlder.value, [id]: page.cursor !== null };
  });
  return page.items.length > 0;
}

let readInFlight = false;
/** Marks the open conversation read when the user can actually see it. */
export function markOpenRead(): void {
  const id = openId.value;
  const conv = id ? convs.value[id] : null;
  if (!id || !conv || document.visibilityState !== "visible" || !document.hasFocus()) return;
  if (conv.seq <= conv.read || readInFlight) return;
  const seq = conv.seq;
  patchConv(id, { read: seq, unread: 0 });
  updateTitle();
  if (live.rt?.send({ type: "read", conversationId: id, seq })) return;
  readInFlight = true;
  api("POST", `/api/v1/conversations/${id}/read`, { seq }).catch(() => {}).finally(() => {
    readInFlight = false;
  });
}

const pendingReceived = new Map<string, number>();
let receivedTimer: ReturnType<typeof setTimeout> | undefined;
/** Tells the server (over the WebSocket) that this device holds a conversation up to `seq`. */
export function noteReceived(convId: string, seq: number): void {
  if (transport.value !== "ws") return; // SSE and poll count as delivered on the server
  pendingReceived.set(convId, Math.max(pendingReceived.get(convId) ?? 0, seq));
  receivedTimer ??= setTimeout(() => {
    receivedTimer = undefined;
    for (const [c, s] of pendingReceived) {
      live.rt?.send({ type: "received", conversationId: c, seq: s });
    }
    pendingReceived.clear();
  }, 250);
}
