/**
 * What each server frame does to the store: one handler per frame type (docs/protocol.md). A
 * feature that adds a frame adds its handler here.
 */
import { batch } from "@preact/signals";
import type { Message, ServerFrame } from "../../lib/protocol.ts";
import { fetchAlerts } from "./alerts.ts";
import { forget, loadMembers, refreshConv } from "./conversations.ts";
import { addMessages, loadLatest, markOpenRead, noteReceived } from "./messages.ts";
import { alertNewMessage } from "./notify.ts";
import { mentionsMe } from "../mentions.ts";
import { noteWordWarnings } from "../word_warning.ts";
import { noteTyping, stopTyping } from "../typing.ts";
import { applySent, onSendError } from "./outbox.ts";
import {
  alerts,
  convs,
  cursors,
  me,
  members,
  messages,
  openId,
  outbox,
  patchConv,
  replaceMessage,
  setConv,
  setReceipt,
  updateTitle,
} from "./state.ts";

type Handlers = { [K in ServerFrame["type"]]: (f: Extract<ServerFrame, { type: K }>) => void };

/** Moves a conversation's cursor: the stream delivered it up to `seq`. */
export function advanceCursor(convId: string, seq: number): void {
  cursors[convId] = Math.max(cursors[convId] ?? 0, seq);
}

/** A change to an earlier message: the message takes its new state; nothing becomes unread. */
function onEvent(m: Message): void {
  const c = m.conversationId;
  advanceCursor(c, m.seq);
  const target = m.event?.message;
  const before = target ? findMessage(c, target.seq) : undefined;
  if (target) replaceMessage(target);
  const conv = convs.value[c];
  if (!conv) return;
  if (target) noteMentionChange(conv, before, target);
  const last = conv.lastMessage;
  patchConv(c, {
    seq: Math.max(conv.seq, m.seq),
    lastMessage: target && last && last.seq === target.seq ? target : last,
    // Read everything before it: then the event is read too, so it is never counted later.
    read: conv.unread === 0 ? Math.max(conv.read, m.seq) : conv.read,
  });
  if (m.senderId !== me.value?.id) noteReceived(c, m.seq);
  if (c === openId.value) markOpenRead();
}

/** The message `seq` as the store holds it, if it does. */
function findMessage(convId: string, seq: number): Message | undefined {
  return messages.value[convId]?.find((x) => x.seq === seq);
}

/**
 * An edit that newly mentions me marks the conversation and notifies; a recall or burn of the
 * message the marker points at asks the server where the marker is now.
 */
function noteMentionChange(
  conv: { id: string; mentionSeq: number },
  before: Message | undefined,
  after: Message,
): void {
  const myId = me.value?.id ?? null;
  if ((after.recalled || after.burned) && conv.mentionSeq === after.seq) {
    refreshConv(conv.id);
    return;
  }
  if (after.editedAt && mentionsMe(after, myId) && before && !mentionsMe(before, myId)) {
    patchConv(conv.id, { mentionSeq: Math.max(conv.mentionSeq ?? 0, after.seq) });
    alertNewMessage(after, false, true);
  }
}

function onMessage(m: Message): void {
  if (m.kind === "event") return onEvent(m);
  const myId = me.value?.id;
  const c = m.conversationId;
  advanceCursor(c, m.seq);
  addMessages(c, [m]);
  if (m.senderId === myId && m.clientId) {
    outbox.value = outbox.value.filter((p) => p.clientId !== m.clientId);
  }
  if (m.senderId) setReceipt(c, m.senderId, { read: m.seq });
  if (m.senderId) stopTyping(c, m.senderId);
  const conv = convs.value[c];
  if (!conv) {
    refreshConv(c);
    return;
  }
  const mine = m.senderId === myId;
  const read = mine ? Math.max(conv.read, m.seq) : conv.read;
  const fresh = m.seq > conv.seq;
  patchConv(c, {
    seq: Math.max(conv.seq, m.seq),
    lastAt: Math.max(conv.lastAt, m.createdAt),
    lastMessage: m.seq >= conv.seq ? m : conv.lastMessage,
    read,
    // Counted one by one: events between messages take seqs but are not unread messages.
    unread: mine ? 0 : conv.unread + (fresh ? 1 : 0),
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
  const mentioned = !mine && mentionsMe(m, myId ?? null);
  if (mentioned) patchConv(c, { mentionSeq: Math.max(conv.mentionSeq ?? 0, m.seq) });
  if (!mine && m.senderId) {
    noteReceived(c, m.seq);
    // A mention gets through a muted conversation.
    alertNewMessage(m, false, mentioned);
  }
  if (c === openId.value) markOpenRead();
}

function onSystem(convId: string, m: Message): void {
  const s = m.system!;
  if (s.event === "renamed" && s.title) patchConv(convId, { title: s.title });
  if (members.value[convId]) loadMembers(convId);
  if (s.event === "member_added" || s.event === "member_removed" || s.event === "member_left") {
    refreshConv(convId);
  }
}

const handlers: Handlers = {
  message: (f) => {
    // A new alert's card brings the alert: no fetch for it (a newer copy held stays).
    const a = f.alert;
    if (a && (!alerts.value[a.id] || alerts.value[a.id].updatedAt <= a.updatedAt)) {
      alerts.value = { ...alerts.value, [a.id]: a };
    }
    onMessage(f.message);
  },
  sent: (f) => {
    noteWordWarnings(f.message.conversationId, f.warnings);
    applySent(f.clientId, f.message);
  },
  typing: (f) => noteTyping(f.conversationId, f.userId),
  receipt: (f) => {
    setReceipt(f.conversationId, f.userId, { delivered: f.delivered, read: f.read });
    if (f.userId === me.value?.id && f.read) {
      const conv = convs.value[f.conversationId];
      if (conv && f.read > conv.read) {
        const seen = f.read >= (conv.lastMessage?.seq ?? 0);
        patchConv(f.conversationId, {
          read: f.read,
          unread: seen ? 0 : Math.min(conv.unread, Math.max(0, conv.seq - f.read)),
        });
      }
    }
  },
  membership: (f) => {
    if (f.change === "added" && f.conversation) setConv(f.conversation);
    else if (f.change === "removed") forget(f.conversationId);
  },
  ready: (f) => {
    for (const c of f.conversations) cursors[c.id] ??= c.seq;
    // Cards may have changed while we were away.
    fetchAlerts(Object.keys(alerts.value), true);
  },
  alert: (f) => {
    alerts.value = { ...alerts.value, [f.alert.id]: f.alert };
  },
  resync: (f) => {
    cursors[f.conversationId] = f.seq;
    messages.value = { ...messages.value, [f.conversationId]: [] };
    if (openId.value === f.conversationId) loadLatest(f.conversationId);
  },
  error: (f) => {
    if (f.clientId) onSendError(f.clientId, f.code, f.message);
  },
  keepalive: () => {},
};

/** Applies one frame. */
export function onFrame(f: ServerFrame): void {
  (handlers[f.type] as (f: ServerFrame) => void)(f);
}

/** Applies a batch of frames as one change of the signals. */
export function onFrames(frames: ServerFrame[]): void {
  batch(() => {
    for (const f of frames) onFrame(f);
  });
  updateTitle();
}
