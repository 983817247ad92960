import { useSignal } from "@preact/signals";
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import { dayKey, dayLabel } from "../client/format.ts";
import type { JSX } from "preact";
import type { Lang, Translate } from "../client/i18n.ts";
import type { Alert, Message } from "../lib/protocol.ts";
import { type AlertAction, AlertCard } from "./AlertCard.tsx";
import { WarRoomSummary } from "./WarRoomSummary.tsx";
import type { MessageHandlers } from "./MessageExtras.tsx";
import {
  MessageRow,
  PendingRow,
  type PendingView,
  type Receipts,
  systemText,
} from "./MessageRow.tsx";

export { systemText };
export type { PendingView, Receipts } from "./MessageRow.tsx";

export interface MessageListProps {
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
  /** Message actions (reply, react, edit, recall, forward, jump). */
  h: MessageHandlers;
  /** The "new messages" divider goes before the first message after this seq (not mine). */
  dividerAfter?: number;
  /** A message to bring into view and highlight (a reply's original). */
  focusSeq?: number | null;
  onFocused?: () => void;
}

/**
 * One conversation's messages (sorted by seq), then my pending ones. Scrolling to the top asks
 * for older history through `onLoadOlder`; being at the bottom calls `onAtBottom`.
 */
export function MessageList(props: MessageListProps) {
  const { t } = props;
  const ref = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const loading = useSignal(false);
  const showJump = useSignal(false);
  const prevHeight = useRef<number | null>(null);
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
    showJump.value = false;
  }, [props.convId]);
  useFocus(ref, props, () => {
    atBottom.current = false;
    showJump.value = true;
  });

  const onScroll = async () => {
    const el = ref.current!;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    showJump.value = !atBottom.current;
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

  const rows = messageRows(props);
  for (const p of pending) {
    rows.push(<PendingRow key={p.clientId} t={t} pending={p} onRetry={props.onRetry} />);
  }

  return (
    <div class="messages" ref={ref} onScroll={onScroll} tabIndex={0} aria-live="polite">
      <p class="history-edge muted">
        {props.hasOlder ? (loading.value ? t("loadingOlder") : "") : t("beginning")}
      </p>
      <ul class="msg-list">{rows}</ul>
      {showJump.value && (
        <button
          type="button"
          class="jump-latest"
          data-jump-latest
          onClick={() => {
            const el = ref.current!;
            atBottom.current = true;
            showJump.value = false;
            el.scrollTop = el.scrollHeight;
            props.onAtBottom();
          }}
        >
          ↓ {t("ch_jump_latest")}
        </button>
      )}
    </div>
  );
}

/**
 * Scrolls to what the reader should see first: the original of a reply they asked for (shown
 * highlighted), or on opening, the "new messages" divider. `away` is told the view left the bottom.
 */
function useFocus(
  ref: { current: HTMLDivElement | null },
  props: MessageListProps,
  away: () => void,
): void {
  const dividerDone = useRef<string | null>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || props.focusSeq == null) return;
    const row = el.querySelector<HTMLElement>(`[data-seq="${props.focusSeq}"]`);
    if (!row) return;
    row.scrollIntoView({ block: "center" });
    row.classList.add("flash");
    setTimeout(() => row.classList.remove("flash"), 2000);
    away();
    props.onFocused?.();
  }, [props.focusSeq, props.messages]);
  useEffect(() => {
    const el = ref.current;
    if (!el || dividerDone.current === props.convId || !props.messages.length) return;
    dividerDone.current = props.convId;
    const div = el.querySelector<HTMLElement>("[data-new-divider]");
    if (div && div.offsetTop < el.scrollHeight - el.clientHeight) {
      el.scrollTop = Math.max(0, div.offsetTop - 40);
      away();
    }
  }, [props.convId, props.messages.length > 0]);
}

/** The row of an alert card, a war room's summary or a system line; null for a message. */
function specialRow(props: MessageListProps, m: MessageListProps["messages"][number]) {
  const { t, lang, userName } = props;
  if (m.kind === "alert" && m.alertId) {
    return (
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
          convId={props.convId}
        />
      </li>
    );
  }
  if (m.system?.event === "war_room_summary" && m.system.summary) {
    return (
      <li key={m.seq} class="sys sys-summary" data-seq={m.seq}>
        <WarRoomSummary t={t} lang={lang} summary={m.system.summary} userName={userName} />
      </li>
    );
  }
  if (m.kind === "system") {
    return <li key={m.seq} class="sys" data-seq={m.seq}>{systemText(m, t, userName)}</li>;
  }
  return null;
}

/** The rows for the stored messages: day separators, alert cards, system lines and messages. */
function messageRows(props: MessageListProps): JSX.Element[] {
  const { t, lang, isGroup, myId, userName } = props;
  const rows: JSX.Element[] = [];
  let lastDay = "";
  let lastSender: string | null = null;
  // Shown only where it belongs: when the last message read is loaded (older pages bring it in).
  const first = props.messages[0]?.seq;
  let divider = first !== undefined && props.dividerAfter !== undefined &&
      first <= props.dividerAfter
    ? props.dividerAfter
    : undefined;
  for (const m of props.messages) {
    if (m.kind === "event") continue; // applied to the message it changed
    if (divider !== undefined && m.seq > divider && m.senderId !== myId) {
      rows.push(
        <li key="new-divider" class="new-divider" role="separator" data-new-divider>
          <span>{t("ch_new_messages")}</span>
        </li>,
      );
      divider = undefined;
    }
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
    const special = specialRow(props, m);
    if (special) {
      rows.push(special);
      lastSender = null;
      continue;
    }
    const mine = m.senderId === myId;
    const showName = isGroup && !mine && m.senderId !== lastSender;
    lastSender = m.senderId;
    rows.push(
      <MessageRow
        key={m.seq}
        t={t}
        lang={lang}
        message={m}
        mine={mine}
        isGroup={isGroup}
        showName={showName}
        myId={myId}
        receipts={props.receipts}
        memberIds={props.memberIds}
        userName={userName}
        h={props.h}
      />,
    );
  }
  return rows;
}
