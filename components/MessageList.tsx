import { useSignal } from "@preact/signals";
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import { dayKey, dayLabel, timeOfDay } from "../client/format.ts";
import type { Lang, Translate } from "../client/i18n.ts";
import type { Alert, Message } from "../lib/protocol.ts";
import { type AlertAction, AlertCard } from "./AlertCard.tsx";
import { Avatar } from "./Avatar.tsx";
import { Attachments } from "./Attachments.tsx";
import { adminSystemText, isAdminEvent } from "../client/admin_events.ts";

/** A message of mine not yet confirmed by the server. */
export interface PendingView {
  clientId: string;
  text: string;
  state: "queued" | "sending" | "failed";
  error?: string;
}

/** How far each member got: last seq delivered and read, by user id. */
export type Receipts = Record<string, { delivered: number; read: number }>;

/** The text of a system message, in the user's language; `userName` names ids in it. */
export function systemText(
  m: Message,
  t: Translate,
  userName: (userId: string | null) => string,
): string {
  const s = m.system;
  if (!s) return m.text;
  const actor = userName(s.actorId);
  const more = (s.userCount ?? 0) - (s.userIds?.length ?? 0);
  const users = (s.userIds ?? []).map((u) => userName(u)).join(", ") +
    (more > 0 ? ` +${more}` : "");
  // Group admin events (mute, pin, announcement): client/admin_events.ts.
  if (isAdminEvent(s.event)) return adminSystemText(m, t, actor, users);
  switch (s.event) {
    case "created":
      return t("sysCreated", { actor, title: s.title ?? "" });
    case "member_added":
      return t("sysAdded", { actor, users });
    case "member_removed":
      return t("sysRemoved", { actor, users });
    case "member_left":
      return t("sysLeft", { actor });
    case "renamed":
      return t("sysRenamed", { actor, title: s.title ?? "" });
    case "reminder":
      return t("sysReminder", { title: s.title ?? "", users });
    case "escalated":
      return t("sysEscalated", { title: s.title ?? "", users });
    case "role_changed":
      return t("sysRole", {
        actor,
        users,
        role: s.role === "owner"
          ? t("owner")
          : s.role === "admin"
          ? t("groupAdmin")
          : t("roleMember"),
      });
  }
  return m.text;
}

/** Status of one of my messages: sent, delivered, read (DM) or read by k of n (group). */
function MyStatus(props: {
  t: Translate;
  seq: number;
  isGroup: boolean;
  myId: string | null;
  receipts: Receipts;
  memberIds: string[];
  userName: (userId: string | null) => string;
}) {
  const { t, myId } = props;
  const open = useSignal(false);
  const rs = props.receipts;
  const others = props.memberIds.filter((u) => u !== myId);
  const otherIds = others.length ? others : Object.keys(rs).filter((u) => u !== myId);
  const readers = otherIds.filter((u) => (rs[u]?.read ?? 0) >= props.seq);
  const delivered = otherIds.some((u) => (rs[u]?.delivered ?? 0) >= props.seq);
  if (props.isGroup && otherIds.length > 0) {
    const names = readers.map((u) => props.userName(u));
    const label = readers.length === otherIds.length
      ? t("readByAll")
      : readers.length > 0
      ? t("readBy", { n: readers.length, m: otherIds.length })
      : delivered
      ? t("delivered")
      : t("sent");
    return (
      <span class="status-wrap">
        <button
          type="button"
          class={`status linkish ${readers.length ? "is-read" : ""}`}
          title={names.join(", ")}
          aria-expanded={open.value}
          data-status={readers.length ? "read" : delivered ? "delivered" : "sent"}
          onClick={() => open.value = !open.value}
        >
          {label}
        </button>
        {open.value && names.length > 0 && <span class="readers">{names.join(", ")}</span>}
      </span>
    );
  }
  const read = readers.length > 0;
  return (
    <span
      class={`status ${read ? "is-read" : ""}`}
      data-status={read ? "read" : delivered ? "delivered" : "sent"}
    >
      {read ? t("read") : delivered ? `${t("delivered")} · ${t("unread")}` : t("sent")}
    </span>
  );
}

/**
 * One conversation's messages (sorted by seq), then my pending ones. Scrolling to the top asks
 * for older history through `onLoadOlder`; being at the bottom calls `onAtBottom`.
 */
export function MessageList(props: {
  t: Translate;
  lang: Lang;
  convId: string;
  isGroup: boolean;
  myId: string | null;
  messages: Message[];
  pending: PendingView[];
  hasOlder: boolean;
  receipts: Receipts;
  /** Loaded member ids (empty until loaded: receipts stand in). */
  memberIds: string[];
  alerts: Record<string, Alert>;
  /** Cards whose alert this user may not see (AlertCard's `hidden`). */
  hiddenAlerts?: Record<string, true>;
  /** The time alert cards count their durations up to. */
  now: number;
  userName: (userId: string | null) => string;
  /** Resolves false when there was nothing older. */
  onLoadOlder: () => Promise<boolean>;
  onAtBottom: () => void;
  onRetry: (clientId: string) => void;
  onAlertAction: (alertId: string, action: AlertAction) => Promise<void>;
  onThread: (alertId: string) => void;
  /** Pins a message (group owners and admins); absent: no pin button. */
  onPin?: (seq: number) => void;
}) {
  const { t, lang, isGroup, myId, userName } = props;
  const ref = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const loading = useSignal(false);
  const prevHeight = useRef<number | null>(null);
  const list = props.messages;
  const pending = props.pending;

  // Keep the view pinned to the bottom while it is there; keep the reading position when older history loads.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (prevHeight.current !== null) {
      el.scrollTop += el.scrollHeight - prevHeight.current;
      prevHeight.current = null;
    } else if (atBottom.current) el.scrollTop = el.scrollHeight;
  });
  useEffect(() => {
    atBottom.current = true;
  }, [props.convId]);

  const onScroll = async () => {
    const el = ref.current!;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (atBottom.current) props.onAtBottom();
    if (el.scrollTop < 80 && props.hasOlder && !loading.value) {
      loading.value = true;
      prevHeight.current = el.scrollHeight;
      try {
        const got = await props.onLoadOlder();
        if (!got) prevHeight.current = null;
      } finally {
        loading.value = false;
      }
    }
  };

  const rows = [];
  let lastDay = "";
  let lastSender: string | null = null;
  for (const m of list) {
    const day = dayKey(m.createdAt);
    if (day !== lastDay) {
      rows.push(
        <li key={"d" + day} class="day" role="separator">
          <span>{dayLabel(m.createdAt, lang, t("today"), t("yesterday"))}</span>
        </li>,
      );
      lastDay = day;
      lastSender = null;
    }
    if (m.kind === "alert" && m.alertId) {
      rows.push(
        <li key={m.seq} class="card-row" data-seq={m.seq}>
          <AlertCard
            t={t}
            lang={lang}
            alertId={m.alertId}
            alert={props.alerts[m.alertId]}
            hidden={props.hiddenAlerts?.[m.alertId] === true}
            fallbackTitle={m.text}
            now={props.now}
            userName={userName}
            onAction={props.onAlertAction}
            onThread={props.onThread}
          />
        </li>,
      );
      lastSender = null;
      continue;
    }
    if (m.kind === "system") {
      rows.push(<li key={m.seq} class="sys" data-seq={m.seq}>{systemText(m, t, userName)}</li>);
      lastSender = null;
      continue;
    }
    const mine = m.senderId === myId;
    const showName = isGroup && !mine && m.senderId !== lastSender;
    lastSender = m.senderId;
    rows.push(
      <li key={m.seq} class={`msg ${mine ? "mine" : ""}`} data-seq={m.seq}>
        {isGroup && !mine &&
          (showName
            ? <Avatar id={m.senderId ?? "?"} name={userName(m.senderId)} size="s" />
            : <span class="avatar-gap" />)}
        <div class="bubble-wrap">
          {showName && <div class="sender">{userName(m.senderId)}</div>}
          <div class="bubble">{m.text}</div>
          {m.files?.length ? <Attachments t={t} files={m.files} /> : null}
          <div class="meta">
            {props.onPin && (
              <button
                type="button"
                class="linkish pin-btn"
                onClick={() => props.onPin!(m.seq)}
              >
                {t("ca_pin")}
              </button>
            )}
            <time dateTime={new Date(m.createdAt).toISOString()}>
              {timeOfDay(m.createdAt, lang)}
            </time>
            {mine && (
              <MyStatus
                t={t}
                seq={m.seq}
                isGroup={isGroup}
                myId={myId}
                receipts={props.receipts}
                memberIds={props.memberIds}
                userName={userName}
              />
            )}
          </div>
        </div>
      </li>,
    );
  }
  for (const p of pending) {
    rows.push(
      <li key={p.clientId} class="msg mine pending" data-client-id={p.clientId}>
        <div class="bubble-wrap">
          <div class="bubble">{p.text}</div>
          <div class="meta">
            <span class="status" data-status={p.state}>
              {p.state === "failed"
                ? t("failed")
                : p.state === "queued"
                ? t("queued")
                : t("sending")}
            </span>
            {p.state === "failed" && (
              <button
                type="button"
                class="linkish"
                title={p.error}
                onClick={() => props.onRetry(p.clientId)}
              >
                {t("retry")}
              </button>
            )}
          </div>
        </div>
      </li>,
    );
  }

  return (
    <div class="messages" ref={ref} onScroll={onScroll} tabIndex={0} aria-live="polite">
      <p class="history-edge muted">
        {props.hasOlder ? (loading.value ? t("loadingOlder") : "") : t("beginning")}
      </p>
      <ul class="msg-list">{rows}</ul>
    </div>
  );
}
