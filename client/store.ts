/**
 * The client's state as signals, and the actions that change it. Messages
 * are kept per conversation sorted by seq and unique; the realtime stream
 * and HTTP history merge into the same arrays, so nothing shows twice.
 */
import { batch, computed, signal } from "@preact/signals";
import type {
  Alert,
  ConversationSummary,
  Member,
  Message,
  PublicUser,
  ServerFrame,
  TimelineEntry,
} from "../lib/protocol.ts";
import { api, HttpError, newClientId } from "./api.ts";
import { t } from "./i18n.ts";
import { Realtime, type Status, type Transport } from "./realtime.ts";

export type { Alert, ConversationSummary, Member, Message, PublicUser };
export interface MemberInfo extends Member {
  user: PublicUser | null;
}
export interface Receipt {
  delivered: number;
  read: number;
}
export interface Pending {
  clientId: string;
  conversationId: string;
  text: string;
  createdAt: number;
  state: "queued" | "sending" | "failed";
  error?: string;
}

export const me = signal<PublicUser | null>(null);
export const convs = signal<Record<string, ConversationSummary>>({});
export const convList = computed(() =>
  Object.values(convs.value).sort((a, b) => b.lastAt - a.lastAt)
);
export const messages = signal<Record<string, Message[]>>({});
/** Whether older history may exist before the first loaded message. */
export const hasOlder = signal<Record<string, boolean>>({});
export const receipts = signal<Record<string, Record<string, Receipt>>>({});
export const members = signal<Record<string, MemberInfo[]>>({});
export const outbox = signal<Pending[]>([]);
export const status = signal<Status>("connecting");
export const transport = signal<Transport>("ws");
export const openId = signal<string | null>(null);
/** Alerts shown on cards, by id; kept current by `alert` frames. */
export const alerts = signal<Record<string, Alert>>({});
/**
 * Cards whose alert the server does not show this user (another team's alert routed to a
 * conversation they are in): the list answers without them and no `alert` frame comes.
 */
export const hiddenAlerts = signal<Record<string, true>>({});
export const openMissing = signal(false);
export const soundOn = signal(true);
export const notifyPermission = signal<NotificationPermission | "unsupported">("default");
export const totalUnread = computed(() =>
  Object.values(convs.value).reduce((n, c) => n + c.unread, 0)
);

/** Last seq the stream gave us per conversation: what we resume from. */
const cursors: Record<string, number> = {};
let rt: Realtime | null = null;
const pendingReceived = new Map<string, number>();
let receivedTimer: ReturnType<typeof setTimeout> | undefined;

function setConv(c: ConversationSummary): void {
  convs.value = { ...convs.value, [c.id]: c };
  if (cursors[c.id] === undefined) cursors[c.id] = c.seq;
}

function patchConv(id: string, patch: Partial<ConversationSummary>): void {
  const c = convs.value[id];
  if (c) convs.value = { ...convs.value, [id]: { ...c, ...patch } };
}

/** Merges messages into a conversation's sorted, unique list. */
export function mergeMessages(list: Message[], incoming: Message[]): Message[] {
  const bySeq = new Map(list.map((m) => [m.seq, m]));
  for (const m of incoming) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

function addMessages(id: string, incoming: Message[]): void {
  messages.value = { ...messages.value, [id]: mergeMessages(messages.value[id] ?? [], incoming) };
  const cards = incoming.flatMap((m) => m.alertId ? [m.alertId] : []);
  if (cards.length) fetchAlerts(cards, false);
}

const alertsInFlight = new Set<string>();
/** Loads the alerts behind cards (all of `ids` when `refresh`, else only unknown ones). */
async function fetchAlerts(ids: string[], refresh: boolean): Promise<void> {
  const want = ids.filter((id) => (refresh || !alerts.value[id]) && !alertsInFlight.has(id));
  for (let i = 0; i < want.length; i += 100) {
    const chunk = want.slice(i, i + 100);
    chunk.forEach((id) => alertsInFlight.add(id));
    try {
      const { items } = await api<{ items: Alert[] }>(
        "GET",
        `/api/v1/alerts?ids=${chunk.join(",")}`,
      );
      const next = { ...alerts.value };
      for (const a of items) {
        // A frame may have brought something newer while this request was out.
        if (!next[a.id] || next[a.id].updatedAt <= a.updatedAt) next[a.id] = a;
      }
      alerts.value = next;
      const hidden = chunk.filter((id) => !next[id]);
      if (hidden.length) {
        hiddenAlerts.value = {
          ...hiddenAlerts.value,
          ...Object.fromEntries(hidden.map((id) => [id, true as const])),
        };
      }
    } catch {
      // shown as loading; the next ready frame retries
    } finally {
      chunk.forEach((id) => alertsInFlight.delete(id));
    }
  }
}

/** Acts on an alert from its card; the card updates from the server's `alert` frame. */
export async function alertAction(
  alertId: string,
  action: "ack" | "resolve" | "reopen" | "assign" | "escalate",
): Promise<void> {
  const path = `/api/v1/alerts/${alertId}/${action}`;
  if (action === "escalate") {
    // The new state arrives as an `alert` frame.
    await api("POST", path, { via: "card" });
    return;
  }
  const body = action === "assign" ? { userId: me.value!.id, via: "card" } : { via: "card" };
  const r = await api<{ alert: Alert }>("POST", path, body);
  const cur = alerts.value[alertId];
  if (!cur || cur.updatedAt <= r.alert.updatedAt) {
    alerts.value = { ...alerts.value, [alertId]: r.alert };
  }
}

function keepAlert(a: Alert): void {
  alerts.value = { ...alerts.value, [a.id]: a };
}

/** An alert's timeline; the alert itself is refreshed on the way. */
export async function loadAlertThread(alertId: string): Promise<TimelineEntry[]> {
  const r = await api<{ alert: Alert; timeline: TimelineEntry[] }>(
    "GET",
    `/api/v1/alerts/${alertId}`,
  );
  keepAlert(r.alert);
  return r.timeline;
}

/** Assigns an alert to a user, or unassigns it with "". */
export async function assignAlert(alertId: string, userId: string): Promise<void> {
  const r = await api<{ alert: Alert }>("POST", `/api/v1/alerts/${alertId}/assign`, {
    userId: userId || null,
    via: "card",
  });
  keepAlert(r.alert);
}

/** Adds a note (or a /ack, /resolve, /reopen command) to an alert's thread. */
export async function addAlertNote(alertId: string, text: string): Promise<void> {
  const r = await api<{ alert: Alert }>("POST", `/api/v1/alerts/${alertId}/notes`, { text });
  keepAlert(r.alert);
}

/**
 * The alerts of a conversation that a command typed there may be for: the open ones the server
 * knows of, and every card loaded here (the newer copy of each wins).
 */
export async function conversationAlerts(convId: string): Promise<Alert[]> {
  const r = await api<{ items: Alert[] }>("GET", "/api/v1/alerts?status=open&limit=500");
  const out = new Map<string, Alert>();
  for (const a of [...r.items, ...Object.values(alerts.value)]) {
    if (a.conversationId !== convId) continue;
    const had = out.get(a.id);
    if (!had || had.updatedAt < a.updatedAt) out.set(a.id, a);
  }
  return [...out.values()];
}

/** Open alerts assigned to me, with whether each is overdue. */
export async function listMyTasks(): Promise<(Alert & { overdue: boolean })[]> {
  const r = await api<{ items: (Alert & { overdue: boolean })[] }>(
    "GET",
    "/api/v1/alerts?assignee=me&status=open",
  );
  return r.items;
}

/** Creates a direct or group conversation and lists it at once. */
export async function createConversation(
  input: { kind: "direct"; userId: string } | { kind: "group"; title: string; memberIds: string[] },
): Promise<ConversationSummary> {
  const r = await api<{ conversation: ConversationSummary }>(
    "POST",
    "/api/v1/conversations",
    input,
  );
  convs.value = { ...convs.value, [r.conversation.id]: r.conversation };
  return r.conversation;
}

/** Adds a member to a group, then reloads its members. */
export async function addMember(convId: string, userId: string): Promise<void> {
  await api("POST", `/api/v1/conversations/${convId}/members`, { userIds: [userId] });
  await loadMembers(convId);
}

/** Removes a member from a group, then reloads its members. */
export async function removeMember(convId: string, userId: string): Promise<void> {
  await api("DELETE", `/api/v1/conversations/${convId}/members/${userId}`);
  await loadMembers(convId);
}

/** Leaves a group (its members are reloaded after, as the dialog always did). */
export async function leaveConversation(convId: string): Promise<void> {
  await api("POST", `/api/v1/conversations/${convId}/leave`);
  await loadMembers(convId);
}

function setReceipt(convId: string, userId: string, r: Partial<Receipt>): void {
  const conv = receipts.value[convId] ?? {};
  const cur = conv[userId] ?? { delivered: 0, read: 0 };
  const next = {
    delivered: Math.max(cur.delivered, r.delivered ?? 0, r.read ?? 0),
    read: Math.max(cur.read, r.read ?? 0),
  };
  if (next.delivered === cur.delivered && next.read === cur.read && conv[userId]) return;
  receipts.value = { ...receipts.value, [convId]: { ...conv, [userId]: next } };
}

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
  rt = new Realtime({
    frames: onFrames,
    status: (s, tr) => {
      batch(() => {
        status.value = s;
        transport.value = tr;
      });
      if (s === "online") flushOutbox();
      if (s !== "online") {
        // Sends in flight on a dead socket go back to the queue; their clientId makes the resend safe.
        outbox.value = outbox.value.map((p) =>
          p.state === "sending" ? { ...p, state: "queued" } : p
        );
      }
    },
    cursors: () => ({ ...cursors }),
    ended: () => leave("/login"),
  });
  rt.start();
  document.addEventListener("visibilitychange", () => {
    updateTitle();
    markOpenRead();
  });
  addEventListener("focus", () => markOpenRead());
}

function onFrames(frames: ServerFrame[]): void {
  batch(() => {
    for (const f of frames) onFrame(f);
  });
  updateTitle();
}

function onFrame(f: ServerFrame): void {
  const myId = me.value?.id;
  switch (f.type) {
    case "message": {
      const m = f.message;
      const c = m.conversationId;
      // A new alert's card brings the alert: no fetch for it (a newer copy held stays).
      const a = f.alert;
      if (a && (!alerts.value[a.id] || alerts.value[a.id].updatedAt <= a.updatedAt)) {
        alerts.value = { ...alerts.value, [a.id]: a };
      }
      cursors[c] = Math.max(cursors[c] ?? 0, m.seq);
      addMessages(c, [m]);
      if (m.senderId === myId && m.clientId) {
        outbox.value = outbox.value.filter((p) => p.clientId !== m.clientId);
      }
      if (m.senderId) setReceipt(c, m.senderId, { read: m.seq });
      const conv = convs.value[c];
      if (!conv) {
        refreshConv(c);
        break;
      }
      const mine = m.senderId === myId;
      const read = mine ? Math.max(conv.read, m.seq) : conv.read;
      patchConv(c, {
        seq: Math.max(conv.seq, m.seq),
        lastAt: Math.max(conv.lastAt, m.createdAt),
        lastMessage: m.seq >= conv.seq ? m : conv.lastMessage,
        read,
        unread: Math.max(0, Math.max(conv.seq, m.seq) - read),
      });
      if (m.kind === "system") onSystem(c, m);
      // Reminders and escalations ring for the people they name, wherever they are looking. One
      // that paged more people than it names (a large team) rings for every member.
      if (
        m.system && (m.system.event === "reminder" || m.system.event === "escalated") && myId &&
        (m.system.userIds?.includes(myId) ||
          (m.system.userCount ?? 0) > (m.system.userIds?.length ?? 0))
      ) {
        alertNewMessage(m, true);
      }
      if (!mine && m.senderId) {
        noteReceived(c, m.seq);
        alertNewMessage(m);
      }
      if (c === openId.value) markOpenRead();
      break;
    }
    case "sent":
      outbox.value = outbox.value.filter((p) => p.clientId !== f.clientId);
      addMessages(f.message.conversationId, [f.message]);
      break;
    case "receipt":
      setReceipt(f.conversationId, f.userId, { delivered: f.delivered, read: f.read });
      if (f.userId === myId && f.read) {
        const conv = convs.value[f.conversationId];
        if (conv && f.read > conv.read) {
          patchConv(f.conversationId, { read: f.read, unread: Math.max(0, conv.seq - f.read) });
        }
      }
      break;
    case "membership":
      if (f.change === "added" && f.conversation) {
        setConv(f.conversation);
      } else if (f.change === "removed") {
        forget(f.conversationId);
      }
      break;
    case "ready":
      for (const c of f.conversations) cursors[c.id] ??= c.seq;
      // Cards may have changed while we were away.
      fetchAlerts(Object.keys(alerts.value), true);
      break;
    case "alert":
      alerts.value = { ...alerts.value, [f.alert.id]: f.alert };
      break;
    case "resync":
      cursors[f.conversationId] = f.seq;
      messages.value = { ...messages.value, [f.conversationId]: [] };
      if (openId.value === f.conversationId) loadLatest(f.conversationId);
      break;
    case "error":
      if (f.clientId) onSendError(f.clientId, f.code, f.message);
      break;
    case "keepalive":
      break;
  }
}

function onSystem(convId: string, m: Message): void {
  const s = m.system!;
  if (s.event === "renamed" && s.title) patchConv(convId, { title: s.title });
  if (members.value[convId]) loadMembers(convId);
  if (s.event === "member_added" || s.event === "member_removed" || s.event === "member_left") {
    refreshConv(convId);
  }
}

function forget(id: string): void {
  const { [id]: _c, ...rest } = convs.value;
  convs.value = rest;
  delete cursors[id];
  if (openId.value === id) openMissing.value = true;
}

async function refreshConv(id: string): Promise<void> {
  try {
    const { conversation } = await api<{ conversation: ConversationSummary }>(
      "GET",
      `/api/v1/conversations/${id}`,
    );
    setConv(conversation);
  } catch (e) {
    if (e instanceof HttpError && e.status === 404) forget(id);
  }
}

function noteReceived(convId: string, seq: number): void {
  if (transport.value !== "ws") return; // SSE and poll count as delivered on the server
  pendingReceived.set(convId, Math.max(pendingReceived.get(convId) ?? 0, seq));
  receivedTimer ??= setTimeout(() => {
    receivedTimer = undefined;
    for (const [c, s] of pendingReceived) rt?.send({ type: "received", conversationId: c, seq: s });
    pendingReceived.clear();
  }, 250);
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
  await Promise.all([loadLatest(id), loadMembers(id), loadReceipts(id)]);
  markOpenRead();
}

async function loadLatest(id: string): Promise<void> {
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

export async function loadMembers(id: string): Promise<void> {
  const { items } = await api<{ items: MemberInfo[] }>(
    "GET",
    `/api/v1/conversations/${id}/members`,
  );
  members.value = { ...members.value, [id]: items };
}

async function loadReceipts(id: string): Promise<void> {
  const { items } = await api<{ items: ({ userId: string } & Receipt)[] }>(
    "GET",
    `/api/v1/conversations/${id}/receipts`,
  );
  for (const r of items) setReceipt(id, r.userId, r);
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
  if (rt?.send({ type: "read", conversationId: id, seq })) return;
  readInFlight = true;
  api("POST", `/api/v1/conversations/${id}/read`, { seq }).catch(() => {}).finally(() => {
    readInFlight = false;
  });
}

/** Queues a message; it is sent now if connected, else as soon as the connection is back. */
export function send(conversationId: string, text: string): void {
  const p: Pending = {
    clientId: newClientId(),
    conversationId,
    text,
    createdAt: Date.now(),
    state: "queued",
  };
  outbox.value = [...outbox.value, p];
  flushOutbox();
}

export function retry(clientId: string): void {
  outbox.value = outbox.value.map((p) => p.clientId === clientId ? { ...p, state: "queued" } : p);
  flushOutbox();
}

function setPending(clientId: string, patch: Partial<Pending>): void {
  outbox.value = outbox.value.map((p) => p.clientId === clientId ? { ...p, ...patch } : p);
}

function onSendError(clientId: string, code: string, message: string): void {
  if (code === "unavailable" || code === "rate_limited") {
    setPending(clientId, { state: "queued" });
    setTimeout(flushOutbox, 1000 + Math.random() * 1000);
  } else setPending(clientId, { state: "failed", error: message });
}

let flushing = false;
async function flushOutbox(): Promise<void> {
  if (status.value !== "online" || flushing) return;
  flushing = true;
  try {
    for (const p of outbox.value.filter((x) => x.state === "queued")) {
      if (status.value !== "online") break;
      setPending(p.clientId, { state: "sending" });
      const frame = {
        type: "send",
        conversationId: p.conversationId,
        clientId: p.clientId,
        text: p.text,
      };
      if (rt?.send(frame)) continue;
      try {
        const r = await api<{ message: Message }>(
          "POST",
          `/api/v1/conversations/${p.conversationId}/messages`,
          { clientId: p.clientId, text: p.text },
        );
        onFrame({ type: "sent", clientId: p.clientId, message: r.message });
      } catch (e) {
        const err = e as HttpError;
        if (err.retryable) onSendError(p.clientId, "unavailable", err.message);
        else setPending(p.clientId, { state: "failed", error: err.message });
      }
    }
  } finally {
    flushing = false;
  }
}

function updateTitle(): void {
  const n = totalUnread.value;
  document.title = n > 0 ? `(${n}) ${t("app")}` : t("app");
}

export function setSound(on: boolean): void {
  soundOn.value = on;
  try {
    localStorage.setItem("tocsin.sound", on ? "on" : "off");
  } catch {
    // storage blocked
  }
}

export async function enableNotifications(): Promise<void> {
  if (!("Notification" in globalThis)) return;
  notifyPermission.value = await Notification.requestPermission();
}

let audio: AudioContext | null = null;
function beep(): void {
  try {
    audio ??= new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.25);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.25);
  } catch {
    // audio unavailable
  }
}

function alertNewMessage(m: Message, paging = false): void {
  if (!paging && document.visibilityState === "visible" && document.hasFocus()) return;
  if (soundOn.value) beep();
  if (notifyPermission.value !== "granted") return;
  const conv = convs.value[m.conversationId];
  const sender = userName(m.senderId, m.conversationId);
  try {
    const n = new Notification(paging ? m.text : t("newMessage", { name: sender }), {
      body: paging
        ? (conv?.title ?? "")
        : (conv && conv.kind === "group" ? conv.title + ": " : "") + m.text.slice(0, 140),
      requireInteraction: paging,
      tag: m.conversationId,
    });
    n.onclick = () => {
      focus();
      navigate(m.conversationId);
      n.close();
    };
  } catch {
    // notifications unavailable
  }
}

/** A member's display name, from the loaded member list or the conversation peer. */
export function userName(userId: string | null, convId: string): string {
  if (userId === "system") return t("app");
  if (!userId) return t("someone");
  if (userId === me.value?.id) return me.value.name;
  const m = members.value[convId]?.find((x) => x.userId === userId);
  if (m?.user) return m.user.name;
  const c = convs.value[convId];
  if (c?.peer?.id === userId) return c.peer.name;
  return t("someone");
}

let leaving = false;
/** Navigates away once (logout and a server-side session end can both ask). */
function leave(to: string): void {
  if (leaving) return;
  leaving = true;
  rt?.stop();
  location.href = to;
}

/** Logs out: stops the stream first, so that its "session ended" close does not race the navigation. */
export async function logout(): Promise<void> {
  rt?.stop();
  await api("DELETE", "/api/v1/session").catch(() => {});
  leave("/login");
}

/** Opens a conversation and records it in the URL, so reload, back and links return to it. */
export function navigate(id: string | null): void {
  const path = id ? `/c/${id}` : "/";
  if (location.pathname !== path) history.pushState({ id }, "", path);
  open(id);
}
