/**
 * The client's state as signals, and the small helpers every part of the store uses to change it.
 * Messages are kept per conversation sorted by seq and unique; the realtime stream and HTTP history
 * merge into the same arrays, so nothing shows twice.
 */
import { computed, signal } from "@preact/signals";
import type {
  Alert,
  ConversationSummary,
  Member,
  Message,
  PublicUser,
} from "../../lib/protocol.ts";
import { t } from "../i18n.ts";
import type { Realtime, Status, Transport } from "../realtime.ts";

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
  /** The seq of the message this one replies to. */
  replyTo?: number;
  /** Picked "@" targets (ids, "all", "team", "oncall"). */
  mentions?: string[];
  burn?: boolean;
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
/**
 * Per conversation: my read cursor when I opened it while it had unread messages; the
 * "new messages" divider goes before the first message after it.
 */
export const dividerAfter = signal<Record<string, number>>({});
/** A message to bring into view (a reply's original): conversation and seq. */
export const focusSeq = signal<{ convId: string; seq: number } | null>(null);
export const soundOn = signal(true);
export const notifyPermission = signal<NotificationPermission | "unsupported">("default");
export const totalUnread = computed(() =>
  Object.values(convs.value).reduce((n, c) => n + c.unread, 0)
);

/** Last seq the stream gave us per conversation: what we resume from. */
export const cursors: Record<string, number> = {};
/** The live connection, once started. */
export const live: { rt: Realtime | null } = { rt: null };

export function setConv(c: ConversationSummary): void {
  convs.value = { ...convs.value, [c.id]: c };
  if (cursors[c.id] === undefined) cursors[c.id] = c.seq;
}

export function patchConv(id: string, patch: Partial<ConversationSummary>): void {
  const c = convs.value[id];
  if (c) convs.value = { ...convs.value, [id]: { ...c, ...patch } };
}

/** Merges messages into a conversation's sorted, unique list. */
export function mergeMessages(list: Message[], incoming: Message[]): Message[] {
  const bySeq = new Map(list.map((m) => [m.seq, m]));
  for (const m of incoming) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** Puts a message's new state (from an event) in place of the one held, if it is held. */
export function replaceMessage(m: Message): void {
  const list = messages.value[m.conversationId];
  const i = list?.findIndex((x) => x.seq === m.seq) ?? -1;
  if (!list || i < 0) return;
  const next = [...list];
  next[i] = m;
  messages.value = { ...messages.value, [m.conversationId]: next };
}

export function setReceipt(convId: string, userId: string, r: Partial<Receipt>): void {
  const conv = receipts.value[convId] ?? {};
  const cur = conv[userId] ?? { delivered: 0, read: 0 };
  const next = {
    delivered: Math.max(cur.delivered, r.delivered ?? 0, r.read ?? 0),
    read: Math.max(cur.read, r.read ?? 0),
  };
  if (next.delivered === cur.delivered && next.read === cur.read && conv[userId]) return;
  receipts.value = { ...receipts.value, [convId]: { ...conv, [userId]: next } };
}

export function updateTitle(): void {
  const n = totalUnread.value;
  document.title = n > 0 ? `(${n}) ${t("app")}` : t("app");
}
