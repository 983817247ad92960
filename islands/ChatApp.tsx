import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { TimelineEntry } from "../lib/protocol.ts";
import { type Lang, toggleLang, useLocale } from "../client/i18n.ts";
import {
  addAlertNote,
  addMember,
  alertAction,
  alerts,
  assignAlert,
  conversationAlerts,
  convList,
  convs,
  createConversation,
  enableNotifications,
  hasOlder,
  hiddenAlerts,
  leaveConversation,
  listMyTasks,
  loadAlertThread,
  loadMembers,
  loadOlder,
  logout,
  markOpenRead,
  me,
  members,
  messages,
  navigate,
  notifyPermission,
  open,
  openId,
  openMissing,
  outbox,
  type PublicUser,
  receipts,
  removeMember,
  retry,
  send,
  setSound,
  soundOn,
  start,
  status,
  transport,
  userName,
} from "../client/store.ts";
import { searchUsers } from "../client/users.ts";
import { commandTarget, parseCommand } from "../client/commands.ts";
import { useNow } from "../client/now.ts";
import { AlertThread } from "../components/AlertThread.tsx";
import { Composer } from "../components/Composer.tsx";
import { ConversationList } from "../components/ConversationList.tsx";
import { GroupInfoDialog } from "../components/GroupInfoDialog.tsx";
import { MessageList } from "../components/MessageList.tsx";
import { NewChatDialog } from "../components/NewChatDialog.tsx";
import { TasksDialog } from "../components/TasksDialog.tsx";
import { TopBar } from "../components/TopBar.tsx";
import { OnCallNow, type OnCallNowItem } from "../components/OnCallNow.tsx";
import { onCallForConversation } from "../client/oncall_now.ts";
// Files, group admin and notification mutes (islands/chat/, client/group_admin.ts).
import { ChatFiles } from "./chat/ChatFiles.tsx";
import { WordWarning } from "./chat/WordWarning.tsx";
import { TypingLine } from "./chat/TypingLine.tsx";
import { PresenceBadge } from "./chat/PresenceBadge.tsx";
import { GroupBanner } from "./chat/GroupBanner.tsx";
import { groupAdminProps } from "./chat/group_admin_props.ts";
import { loadNotifyMutes, pinMessage } from "../client/group_admin.ts";

export interface ChatAppProps {
  me: PublicUser;
  lang: Lang;
  /** The conversation named by the URL, if any. */
  conversationId: string | null;
}

const IS_BROWSER = typeof document !== "undefined";
let booted = false;

function idFromPath(): string | null {
  return /^\/c\/([0-9A-Z]{26})$/.exec(location.pathname)?.[1] ?? null;
}

/**
 * The chat: owns the store (signals), the live stream and every API call, and hands the
 * components plain data and callbacks. On the server it renders from its props alone.
 */
export default function ChatApp(props: ChatAppProps) {
  const { t, lang } = useLocale(props.lang);
  const dialog = useSignal<"new" | "info" | "tasks" | null>(null);
  const tasks = useSignal<(Awaited<ReturnType<typeof listMyTasks>>) | null>(null);
  const thread = useSignal<{ alertId: string; convId: string } | null>(null);
  const timeline = useSignal<TimelineEntry[]>([]);
  /** A local note under the messages about the last thing typed (never sent). */
  const hint = useSignal<{ convId: string; text: string } | null>(null);
  /** The clock alert cards count durations up to. */
  const now = useNow();
  if (IS_BROWSER && !booted) {
    booted = true;
    me.value = props.me;
    openId.value = props.conversationId;
  }
  useEffect(() => {
    start(props.me).then(() => open(props.conversationId));
    loadNotifyMutes().catch(() => {});
    const onPop = () => open(idFromPath());
    addEventListener("popstate", onPop);
    return () => {
      removeEventListener("popstate", onPop);
    };
  }, []);

  const current = IS_BROWSER ? openId.value : props.conversationId;
  const conv = current ? convs.value[current] : null;
  const onCall = useSignal<OnCallNowItem[]>([]);
  useEffect(() => {
    onCall.value = [];
    if (current && conv?.kind === "group") {
      onCallForConversation(current).then((items) => {
        if (openId.value === current) onCall.value = items;
      }, () => {});
    }
  }, [current, conv?.kind]);
  const offline = status.value === "offline";
  const manager = conv?.kind === "group" && (conv.role === "owner" || conv.role === "admin");
  const myId = props.me.id;
  const openThread = thread.value && thread.value.convId === current ? thread.value : null;
  const threadAlert = openThread ? alerts.value[openThread.alertId] : undefined;

  // The thread's timeline follows the alert: reloaded whenever the alert changes.
  useEffect(() => {
    if (!openThread) return;
    const id = openThread.alertId;
    loadAlertThread(id).then((items) => {
      if (thread.value?.alertId === id) timeline.value = items;
    });
  }, [openThread?.alertId, threadAlert?.updatedAt]);

  const closeDialog = () => dialog.value = null;
  const showTasks = () => {
    tasks.value = null;
    dialog.value = "tasks";
    listMyTasks().then((items) => tasks.value = items);
  };
  /**
   * The composer: a slash command acts on the conversation's alert when it is clear which one,
   * and otherwise says how to use it; anything else is sent. Resolves to the text to give back.
   */
  const onCompose = async (convId: string, text: string): Promise<string | void> => {
    hint.value = null;
    const cmd = parseCommand(text);
    if (!cmd) return send(convId, text);
    const say = (s: string) => hint.value = { convId, text: s };
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
  };
  const showThread = (alertId: string) => {
    if (!current) return;
    timeline.value = [];
    thread.value = { alertId, convId: current };
    if (!members.value[current]) loadMembers(current);
  };

  return (
    <div class={`app ${current ? "has-open" : ""}`}>
      <TopBar
        t={t}
        user={props.me}
        soundOn={soundOn.value}
        canAskNotify={notifyPermission.value === "default"}
        onTasks={showTasks}
        onSound={setSound}
        onEnableNotify={enableNotifications}
        onToggleLang={toggleLang}
        onLogout={logout}
      />
      {offline && (
        <div class="banner" role="status" data-testid="offline-banner">
          {t("offline")}
        </div>
      )}
      <div class="panes">
        <ConversationList
          t={t}
          lang={lang}
          items={convList.value}
          openId={current}
          myId={myId}
          userName={userName}
          onOpen={navigate}
          onNew={() => dialog.value = "new"}
        />
        <main class="chat" aria-label={conv?.title ?? t("conversations")}>
          {openMissing.value
            ? <p class="empty" role="alert">{t("notFound")}</p>
            : !current
            ? <p class="empty">{t("pick")}</p>
            : (
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
                  <PresenceBadge
                    t={t}
                    ids={conv?.peer
                      ? [conv.peer.id]
                      : (members.value[current] ?? []).map((m) => m.userId)}
                    peerId={conv?.peer?.id ?? null}
                    onCall={onCall.value.some((o) => o.userId && o.userId === conv?.peer?.id)}
                  />
                  <OnCallNow t={t} lang={lang} items={onCall.value} compact />
                  {conv?.kind === "group" && (
                    <button
                      type="button"
                      class="linkish"
                      onClick={() => {
                        if (!members.value[current]) loadMembers(current);
                        dialog.value = "info";
                      }}
                    >
                      {t("info")} · {conv.memberCount}
                    </button>
                  )}
                  <span
                    class={`dot ${status.value}`}
                    title={`${status.value} (${transport.value})`}
                  />
                </header>
                {conv?.kind === "group" && (
                  <GroupBanner t={t} lang={lang} convId={current} manager={manager} />
                )}
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
                  now={now}
                  userName={(u) => userName(u, current)}
                  onLoadOlder={() => loadOlder(current)}
                  onAtBottom={markOpenRead}
                  onRetry={retry}
                  onAlertAction={alertAction}
                  onThread={showThread}
                  onPin={manager ? (seq) => pinMessage(current, seq).catch(() => {}) : undefined}
                />
                <TypingLine t={t} convId={current} userName={(u) => userName(u, current)} />
                <WordWarning t={t} convId={current} />
                <ChatFiles t={t} convId={current} />
                <Composer
                  t={t}
                  hint={hint.value?.convId === current ? hint.value.text : null}
                  onSend={(text) => onCompose(current, text)}
                />
              </>
            )}
        </main>
      </div>
      {dialog.value === "new" && (
        <NewChatDialog
          t={t}
          search={searchUsers}
          onDirect={async (u) => {
            const c = await createConversation({ kind: "direct", userId: u.id });
            closeDialog();
            navigate(c.id);
          }}
          onGroup={async (title, memberIds) => {
            const c = await createConversation({ kind: "group", title, memberIds });
            closeDialog();
            navigate(c.id);
          }}
          onClose={closeDialog}
        />
      )}
      {dialog.value === "tasks" && (
        <TasksDialog
          t={t}
          lang={lang}
          items={tasks.value}
          onOpen={(id) => {
            closeDialog();
            navigate(id);
          }}
          onClose={closeDialog}
        />
      )}
      {dialog.value === "info" && current && (
        <GroupInfoDialog
          t={t}
          title={conv?.title ?? null}
          members={members.value[current] ?? []}
          myId={myId ?? ""}
          search={searchUsers}
          onAdd={(userId) => addMember(current, userId)}
          onRemove={(userId) => removeMember(current, userId)}
          onLeave={() => leaveConversation(current)}
          onLeft={() => navigate(null)}
          onClose={closeDialog}
          admin={groupAdminProps(current, lang)}
        />
      )}
      {openThread && (
        <AlertThread
          t={t}
          lang={lang}
          alert={threadAlert}
          timeline={timeline.value}
          members={members.value[openThread.convId] ?? []}
          userName={(u) => userName(u, openThread.convId)}
          onAssign={(userId) => assignAlert(openThread.alertId, userId)}
          onNote={async (text) => {
            await addAlertNote(openThread.alertId, text);
            const items = await loadAlertThread(openThread.alertId);
            if (thread.value?.alertId === openThread.alertId) timeline.value = items;
          }}
          onClose={() => thread.value = null}
        />
      )}
    </div>
  );
}
