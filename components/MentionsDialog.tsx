import { shortWhen } from "../client/format.ts";
import type { Lang, Translate } from "../client/i18n.ts";
import type { Message } from "../lib/protocol.ts";
import { Dialog } from "./Dialog.tsx";

/** Messages that mention me, newest first; a click opens the conversation at the message. */
export function MentionsDialog(props: {
  t: Translate;
  lang: Lang;
  /** Null while loading. */
  items: Message[] | null;
  title: (conversationId: string) => string;
  sender: (m: Message) => string;
  /** Unread mentions are marked. */
  unread: (m: Message) => boolean;
  onOpen: (m: Message) => void;
  onClose: () => void;
}) {
  const { t } = props;
  return (
    <Dialog title={t("mn_mentions_title")} closeLabel={t("mn_close")} onClose={props.onClose}>
      {props.items === null && <p class="muted" role="status">{t("mn_loading")}</p>}
      {props.items?.length === 0 && <p class="empty">{t("mn_mentions_empty")}</p>}
      <ul class="mention-list">
        {(props.items ?? []).map((m) => (
          <li key={m.id} data-mention-item={m.seq} class={props.unread(m) ? "unread" : ""}>
            <button
              type="button"
              class="linkish mention-open"
              onClick={() => {
                props.onClose();
                props.onOpen(m);
              }}
            >
              <span class="mention-where">
                <strong>{props.sender(m)}</strong> · {props.title(m.conversationId)}
                <time class="muted">{shortWhen(m.createdAt, props.lang)}</time>
              </span>
              <span class="mention-text">
                {m.burn ? t("mn_burn_mine") : m.text.slice(0, 140)}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
