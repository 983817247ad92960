import { useSignal } from "@preact/signals";
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import { dayKey, dayLabel, timeOfDay } from "../client/format.ts";
import { t } from "../client/i18n.ts";
import {
  convs,
  hasOlder,
  loadOlder,
  markOpenRead,
  me,
  members,
  type Message,
  messages,
  outbox,
  receipts,
  retry,
  userName,
} from "../client/store.ts";
import { AlertCard } from "./AlertCard.tsx";
import { Avatar } from "./Avatar.tsx";

/** The text of a system message, in the user's language. */
export function systemText(m: Message, convId: string): string {
  const s = m.system;
  if (!s) return m.text;
  const actor = userName(s.actorId, convId);
  const more = (s.userCount ?? 0) - (s.userIds?.length ?? 0);
  const users = (s.userIds ?? []).map((u) => userName(u, convId)).join(", ") +
    (more > 0 ? ` +${more}` : "");
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
}

/** Status of one of my messages: sent, delivered, read (DM) or read by k of n (group). */
function MyStatus(props: { convId: string; seq: number }) {
  const open = useSignal(false);
  const conv = convs.value[props.convId];
  const myId = me.value?.id;
  const rs = receipts.value[props.convId] ?? {};
  const others = (members.value[props.convId] ?? []).filter((m) => m.userId !== myId);
  const otherIds = others.length
    ? others.map((m) => m.userId)
    : Object.keys(rs).filter((u) => u !== myId);
  const readers = otherIds.filter((u) => (rs[u]?.read ?? 0) >= props.seq);
  const delivered = otherIds.some((u) => (rs[u]?.delivered ?? 0) >= props.seq);
  if (conv?.kind === "group" && otherIds.length > 0) {
    const names = readers.map((u) => userName(u, props.convId));
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

export function MessageList(props: { convId: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const loading = useSignal(false);
  const prevHeight = useRef<number | null>(null);
  const list = messages.value[props.convId] ?? [];
  const pending = outbox.value.filter((p) => p.conversationId === props.convId);
  const conv = convs.value[props.convId];
  const isGroup = conv?.kind === "group";
  const myId = me.value?.id;

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
    if (atBottom.current) markOpenRead();
    if (el.scrollTop < 80 && hasOlder.value[props.convId] && !loading.value) {
      loading.value = true;
      prevHeight.current = el.scrollHeight;
      try {
        const got = await loadOlder(props.convId);
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
          <span>{dayLabel(m.createdAt, t("today"), t("yesterday"))}</span>
        </li>,
      );
      lastDay = day;
      lastSender = null;
    }
    if (m.kind === "alert" && m.alertId) {
      rows.push(
        <li key={m.seq} class="card-row" data-seq={m.seq}>
          <AlertCard alertId={m.alertId} convId={props.convId} fallbackTitle={m.text} />
        </li>,
      );
      lastSender = null;
      continue;
    }
    if (m.kind === "system") {
      rows.push(<li key={m.seq} class="sys" data-seq={m.seq}>{systemText(m, props.convId)}</li>);
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
            ? <Avatar id={m.senderId ?? "?"} name={userName(m.senderId, props.convId)} size="s" />
            : <span class="avatar-gap" />)}
        <div class="bubble-wrap">
          {showName && <div class="sender">{userName(m.senderId, props.convId)}</div>}
          <div class="bubble">{m.text}</div>
          <div class="meta">
            <time dateTime={new Date(m.createdAt).toISOString()}>{timeOfDay(m.createdAt)}</time>
            {mine && <MyStatus convId={props.convId} seq={m.seq} />}
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
                onClick={() => retry(p.clientId)}
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
        {hasOlder.value[props.convId] ? (loading.value ? t("loadingOlder") : "") : t("beginning")}
      </p>
      <ul class="msg-list">{rows}</ul>
    </div>
  );
}
