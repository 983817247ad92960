import { useSignal } from "@preact/signals";
import { timeOfDay } from "../client/format.ts";
import type { Lang, Translate } from "../client/i18n.ts";
import type { Message } from "../lib/protocol.ts";
import { Avatar } from "./Avatar.tsx";
import { Markdown } from "./Markdown.tsx";
import { BurnBody } from "./BurnBody.tsx";
import { mentionMarks, mentionsMe } from "../client/mentions.ts";
import {
  EditBox,
  type MessageHandlers,
  MessageMenu,
  Reactions,
  ReplyQuote,
} from "./MessageExtras.tsx";
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
    case "ding":
      return t("ding_sys", { actor, users });
    case "silence_started":
      return t("mt_sysStarted", { title: s.title ?? "" });
    case "silence_ending":
      return t("mt_sysEnding", { title: s.title ?? "" });
    case "war_room_summary":
      return t("wr_sum_title", { title: s.summary?.title ?? "" });
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
  // Group admin events (mute, pin, announcement): client/admin_events.ts.
  if (isAdminEvent(s.event)) return adminSystemText(m, t, actor, users);
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

/** A message someone wrote: the bubble, who and when, and for mine how far it got. */
export function MessageRow(props: {
  t: Translate;
  lang: Lang;
  message: Message;
  mine: boolean;
  isGroup: boolean;
  /** The first of a run of messages by one sender in a group: name and avatar shown. */
  showName: boolean;
  myId: string | null;
  receipts: Receipts;
  memberIds: string[];
  userName: (userId: string | null) => string;
  h: MessageHandlers;
}) {
  const { t, lang, mine, isGroup, showName, myId, userName, h } = props;
  const m = props.message;
  const av = h.avatarOf?.(m.senderId);
  const editing = useSignal(false);
  return (
    <li class={`msg ${mine ? "mine" : ""}`} data-seq={m.seq}>
      {isGroup && !mine &&
        (showName
          ? <Avatar id={m.senderId ?? "?"} name={userName(m.senderId)} size="s" avatar={av} />
          : <span class="avatar-gap" />)}
      <div class="bubble-wrap">
        {showName && <div class="sender">{userName(m.senderId)}</div>}
        <MessageBody
          t={t}
          message={m}
          mine={mine}
          myId={myId}
          editing={editing.value}
          userName={userName}
          h={h}
          onEditDone={() => editing.value = false}
        />
        <div class="meta">
          <time dateTime={new Date(m.createdAt).toISOString()}>
            {timeOfDay(m.createdAt, lang)}
          </time>
          {m.editedAt && !m.recalled && <span class="edited" data-edited>{t("ch_edited")}</span>}
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
          {h.onPin && !m.recalled && (
            <button
              type="button"
              class="linkish pin-btn"
              onClick={() => h.onPin!(m.seq)}
            >
              {t("ca_pin")}
            </button>
          )}
          {!m.recalled && !m.burned && (mine || !m.burn) && (
            <MessageMenu
              t={t}
              message={m}
              mine={mine}
              h={h}
              onEditStart={() => editing.value = true}
            />
          )}
        </div>
      </div>
    </li>
  );
}

/** One of my messages on its way, with its state and a retry when it failed. */
export function PendingRow(props: {
  t: Translate;
  pending: PendingView;
  onRetry: (clientId: string) => void;
}) {
  const { t } = props;
  const p = props.pending;
  return (
    <li class="msg mine pending" data-client-id={p.clientId}>
      <div class="bubble-wrap">
        <div class="bubble">{p.text}</div>
        <div class="meta">
          <span class="status" data-status={p.state}>
            {p.state === "failed" ? t("failed") : p.state === "queued" ? t("queued") : t("sending")}
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
    </li>
  );
}

/** What a message says: where it was forwarded from, what it replies to, its text, its reactions. */
function MessageBody(props: {
  t: Translate;
  message: Message;
  mine: boolean;
  myId: string | null;
  editing: boolean;
  userName: (userId: string | null) => string;
  h: MessageHandlers;
  onEditDone: () => void;
}) {
  const { t, myId, userName, h } = props;
  const m = props.message;
  const marks = mentionMarks(m, myId, (id) => userName(id));
  return (
    <>
      {m.forwardedFrom && (
        <div class="fwd-note muted" data-forwarded>
          {t("ch_forwarded_from", {
            title: m.forwardedFrom.title,
            name: m.forwardedFrom.senderName,
          })}
        </div>
      )}
      {m.replyTo && <ReplyQuote t={t} reply={m.replyTo} userName={userName} onJump={h.onJump} />}
      {m.recalled
        ? <div class="bubble recalled muted" data-recalled>{t("ch_recalled")}</div>
        : m.burned
        ? <div class="bubble recalled muted" data-burned>{t("mn_burn_gone")}</div>
        : m.burn
        ? (
          <BurnBody
            t={t}
            message={m}
            myId={myId}
            mine={props.mine}
            mentions={marks}
            onOpen={() => h.onOpenBurn?.(m.seq) ?? Promise.resolve()}
          />
        )
        : props.editing
        ? (
          <EditBox
            t={t}
            text={m.text}
            onSave={async (text) => {
              await h.onEdit(m.seq, text);
              props.onEditDone();
            }}
            onCancel={() => props.onEditDone()}
          />
        )
        : (
          <Markdown
            class={`bubble${mentionsMe(m, myId) ? " mentions-me" : ""}`}
            text={m.text}
            copyLabel={t("ch_copy")}
            mentions={marks}
          />
        )}
      {m.mentions?.oncall && !m.recalled && (
        <div class="mention-oncall muted" data-mention-oncall>
          {t("mn_oncall_names", {
            names: m.mentions.oncall.map((u) => userName(u)).join(", ") || t("mn_nobody"),
          })}
        </div>
      )}
      {!m.recalled && m.files?.length ? <Attachments t={t} files={m.files} /> : null}
      {m.reactions && (
        <Reactions
          reactions={m.reactions}
          myId={myId}
          userName={userName}
          onToggle={(e) => h.onReact(m.seq, e)}
        />
      )}
    </>
  );
}
