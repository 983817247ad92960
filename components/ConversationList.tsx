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
        {items.map((c) => {
          const last = c.lastMessage;
          const preview = !last
            ? ""
            : last.burn || last.burned
            ? t("mn_burn_mine")
            : last.kind === "system"
            ? systemText(last, t, (u) => props.userName(u, c.id))
            : (c.kind === "group" && last.senderId === props.myId ? t("you") + ": " : "") +
              last.text;
          return (
            <li key={c.id}>
              <a
                href={`/c/${c.id}`}
                class={`conv ${openId === c.id ? "active" : ""}`}
                aria-current={openId === c.id ? "page" : undefined}
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
                    <span class="conv-preview">{preview}</span>
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
        })}
      </ul>
    </nav>
  );
}
