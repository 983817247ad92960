import { useSignal } from "@preact/signals";
import { shortWhen } from "../client/format.ts";
import { t } from "../client/i18n.ts";
import { convList, me, navigate, openId } from "../client/store.ts";
import { Avatar } from "./Avatar.tsx";
import { systemText } from "./MessageList.tsx";

export function ConversationList(props: { onNew: () => void }) {
  const filter = useSignal("");
  const q = filter.value.trim().toLowerCase();
  const items = convList.value.filter((c) =>
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
      </div>
      {convList.value.length === 0 && <p class="empty">{t("noConversations")}</p>}
      <ul class="conv-list">
        {items.map((c) => {
          const last = c.lastMessage;
          const preview = !last
            ? ""
            : last.kind === "system"
            ? systemText(last, c.id)
            : (c.kind === "group" && last.senderId === me.value?.id ? t("you") + ": " : "") +
              last.text;
          return (
            <li key={c.id}>
              <a
                href={`/c/${c.id}`}
                class={`conv ${openId.value === c.id ? "active" : ""}`}
                aria-current={openId.value === c.id ? "page" : undefined}
                data-conversation={c.id}
                onClick={(e) => {
                  if (e.metaKey || e.ctrlKey || e.shiftKey) return;
                  e.preventDefault();
                  navigate(c.id);
                }}
              >
                <Avatar id={c.peer?.id ?? c.id} name={c.title} />
                <span class="conv-main">
                  <span class="conv-top">
                    <span class="conv-title">{c.title}</span>
                    <time class="muted">{shortWhen(c.lastAt)}</time>
                  </span>
                  <span class="conv-bottom">
                    <span class="conv-preview">{preview}</span>
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
