import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { Lang, Translate } from "../../client/i18n.ts";
import { commandTarget, parseCommand } from "../../client/commands.ts";
import { onCallForConversation } from "../../client/oncall_now.ts";
import {
  addAlertNote,
  alertAction,
  alerts,
  conversationAlerts,
  convs,
  hasOlder,
  hiddenAlerts,
  loadMembers,
  loadOlder,
  markOpenRead,
  members,
  messages,
  open,
  openId,
  outbox,
  receipts,
  retry,
  send,
  status,
  transport,
  userName,
} from "../../client/store.ts";
import { Composer } from "../../components/Composer.tsx";
import { MessageList } from "../../components/MessageList.tsx";
import { OnCallNow, type OnCallNowItem } from "../../components/OnCallNow.tsx";

/**
 * The composer: a slash command acts on the conversation's alert when it is clear which one,
 * and otherwise says how to use it; anything else is sent. Resolves to the text to give back.
 */
async function compose(
  t: Translate,
  convId: string,
  text: string,
  say: (s: string | null) => void,
): Promise<string | void> {
  say(null);
  const cmd = parseCommand(text);
  if (!cmd) return send(convId, text);
  try {
    const target = commandTarget(cmd.kind, await conversationAlerts(convId));
    if ("none" in target) {
      say(t(cmd.kind === "reopen" ? "cmdNoneReopen" : "cmdNone", { cmd: cmd.word }));
      return text;
    }
    if ("many" in target) {
      say(t("cmdMany", { cmd: cmd.word, n: target.many }));
      return text;
    }
    await addAlertNote(target.alert.id, text.trim());
    say(t("cmdDone", { cmd: cmd.word, title: target.alert.title }));
  } catch (err) {
    say(t("cmdFailed", { cmd: cmd.word, error: (err as Error).message }));
    return text;
  }
}

/** The open conversation: its header, its messages and the composer. */
export function ConversationPane(props: {
  t: Translate;
  lang: Lang;
  convId: string;
  myId: string;
  now: number;
  onInfo: () => void;
  onThread: (alertId: string) => void;
}) {
  const { t, lang, convId: current, myId } = props;
  const conv = convs.value[current];
  /** A local note under the messages about the last thing typed (never sent). */
  const hint = useSignal<{ convId: string; text: string } | null>(null);
  const onCall = useSignal<OnCallNowItem[]>([]);
  useEffect(() => {
    onCall.value = [];
    if (conv?.kind === "group") {
      onCallForConversation(current).then((items) => {
        if (openId.value === current) onCall.value = items;
      }, () => {});
    }
  }, [current, conv?.kind]);
  return (
    <>
      <header class="chat-head">
        <a
          href="/"
          class="back"
          onClick={(e) => {
            e.preventDefault();
            history.pushState({}, "", "/");
            open(null);
          }}
        >
          ‹ {t("back")}
        </a>
        <h1 class="chat-title">{conv?.title ?? ""}</h1>
        <OnCallNow t={t} lang={lang} items={onCall.value} compact />
        {conv?.kind === "group" && (
          <button type="button" class="linkish" onClick={props.onInfo}>
            {t("info")} · {conv.memberCount}
          </button>
        )}
        <span class={`dot ${status.value}`} title={`${status.value} (${transport.value})`} />
      </header>
      <MessageList
        t={t}
        lang={lang}
        convId={current}
        isGroup={conv?.kind === "group"}
        myId={myId}
        messages={messages.value[current] ?? []}
        pending={outbox.value.filter((p) => p.conversationId === current)}
        hasOlder={hasOlder.value[current] ?? false}
        receipts={receipts.value[current] ?? {}}
        memberIds={(members.value[current] ?? []).map((m) => m.userId)}
        alerts={alerts.value}
        hiddenAlerts={hiddenAlerts.value}
        now={props.now}
        userName={(u) => userName(u, current)}
        onLoadOlder={() => loadOlder(current)}
        onAtBottom={markOpenRead}
        onRetry={retry}
        onAlertAction={alertAction}
        onThread={props.onThread}
      />
      <Composer
        t={t}
        hint={hint.value?.convId === current ? hint.value.text : null}
        onSend={(text) =>
          compose(t, current, text, (s) =>
            hint.value = s === null ? null : { convId: current, text: s })}
      />
    </>
  );
}

/** Loads a group's members when they are not loaded yet. */
export function ensureMembers(convId: string): void {
  if (!members.value[convId]) loadMembers(convId);
}
