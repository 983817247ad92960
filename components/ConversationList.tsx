import { useSignal } from "@preact/signals";
import { shortWhen } from "../client/format.ts";
import type { Lang, Translate } from "../client/i18n.ts";
import type { ConversationSummary } from "../lib/protocol.ts";
import { Avatar } from "./Avatar.tsx";
import { systemText } from "./MessageList.tsx";

/** The conversations, newest first as given, with a filter; `openId` is the one shown. */
export function ConversationList(props: {
  t: Translate;
  lang: Lang;
  items: ConversationSummary[];
  openId: string | null;
  myId: string | null;
  userName: (userId: string | null, convId: string) => string;
  onOpen: (id: string) => void;
  onNew: () => void;
  /** Opens the list of messages that mention me. */
  onMentions?: () => void;
}) {
  const { t, openId } = props;
  const filter = useSignal("");
  const q = filter.value.trim().toLowerCase();
  const items = props.items.filter((c) =>
    !q || c.title.toLowerCase().includes(q) ||
    (c.lastMessage?.text ?? "").toLowerCase().includes(q) ||
    (c.peer?.email ?? "").toLowerCase().includes(q)
  );
  return (
    <nav class="sidebar" aria-label={t("conversations")}>
      <div class="sidebar-tools">
        <input
          type="search"
          class="filter"
          placeholder={t("filter")}
          aria-label={t("filter")}
          value={filter.value}
          onInput={(e) => filter.value = (e.target as HTMLInputElement).value}
        />
        <button type="button" class="primary" onClick={props.onNew}>{t("newChat")}</button>
        {props.onMentions && (
          <button type="button" class="mentions-btn" data-mentions-open onClick={props.onMentions}>
            {t("mn_mentions")}
          </button>
        )}
      </div>
      {props.items.length === 0 && <p class="empty">{t("noConversations")}</p>}
      <ul class="conv-list">
        {items.map((c) => (
          <ConversationRow
            key={c.id}
            t={t}
            lang={props.lang}
            conv={c}
            active={openId === c.id}
            myId={props.myId}
            userName={props.userName}
            onOpen={props.onOpen}
          />
        ))}
      </ul>
    </nav>
  );
}

/** What the list shows under a conversation's title: its last message, or what became of it. */
function previewText(
  t: Translate,
  c: ConversationSummary,
  myId: string | null,
  userName: (userId: string | null, convId: string) => string,
): string {
  const last = c.lastMessage;
  if (!last) return "";
  if (last.burn || last.burned) return t("mn_burn_mine");
  if (last.kind === "system") return systemText(last, t, (u) => userName(u, c.id));
  return (c.kind === "group" && last.senderId === myId ? t("you") + ": " : "") + last.text;
}

/** One conversation in the list: a link that opens it in place, with its unread and "@" marks. */
function ConversationRow(props: {
  t: Translate;
  lang: Lang;
  conv: ConversationSummary;
  active: boolean;
  myId: string | null;
  userName: (userId: string | null, convId: string) => string;
  onOpen: (id: string) => void;
}) {
  const { t, conv: c } = props;
  return (
    <li>
      <a
        href={`/c/${c.id}`}
        class={`conv ${props.active ? "active" : ""}`}
        aria-current={props.active ? "page" : undefined}
        data-conversation={c.id}
        onClick={(e) => {
          if (e.metaKey || e.ctrlKey || e.shiftKey) return;
          e.preventDefault();
          props.onOpen(c.id);
        }}
      >
        <Avatar id={c.peer?.id ?? c.id} name={c.title} avatar={c.peer?.avatar} />
        <span class="conv-main">
          <span class="conv-top">
            <span class="conv-title">{c.title}</span>
            <time class="muted">{shortWhen(c.lastAt, props.lang)}</time>
          </span>
          <span class="conv-bottom">
            <span class="conv-preview">{previewText(t, c, props.myId, props.userName)}</span>
            {(c.mentionSeq ?? 0) > c.read && (
              <span class="mention-marker" data-mention-marker title={t("mn_marker")}>
                @
              </span>
            )}
            {c.unread > 0 && (
              <span class="badge" aria-label={`${c.unread} ${t("unread")}`}>
                {c.unread > 99 ? "99+" : c.unread}
              </span>
            )}
          </span>
        </span>
      </a>
    </li>
  );
}
