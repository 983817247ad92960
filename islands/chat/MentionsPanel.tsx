import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { Lang, Translate } from "../../client/i18n.ts";
import { convs, jumpTo, listMyMentions, type Message, open, userName } from "../../client/store.ts";
import { MentionsDialog } from "../../components/MentionsDialog.tsx";

/** Opens a conversation at one of its messages (loading history back to it). */
async function openAt(m: Message): Promise<void> {
  const path = `/c/${m.conversationId}`;
  if (location.pathname !== path) history.pushState({ id: m.conversationId }, "", path);
  await open(m.conversationId);
  await jumpTo(m.conversationId, m.seq);
}

/** "Mentions of me": loads the list when shown. */
export function MentionsPanel(props: { t: Translate; lang: Lang; onClose: () => void }) {
  const items = useSignal<Message[] | null>(null);
  useEffect(() => {
    listMyMentions().then((list) => items.value = list, () => items.value = []);
  }, []);
  return (
    <MentionsDialog
      t={props.t}
      lang={props.lang}
      items={items.value}
      title={(c) => convs.value[c]?.title ?? ""}
      sender={(m) => userName(m.senderId, m.conversationId)}
      unread={(m) => m.seq > (convs.value[m.conversationId]?.read ?? 0)}
      onOpen={(m) => openAt(m)}
      onClose={props.onClose}
    />
  );
}
