import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { type Lang, toggleLang, type Translate, useLocale } from "../client/i18n.ts";
import {
  convList,
  convs,
  enableNotifications,
  listMyTasks,
  logout,
  me,
  messages,
  navigate,
  notifyPermission,
  open,
  openId,
  openMissing,
  type PublicUser,
  setSound,
  soundOn,
  start,
  status,
  userName,
} from "../client/store.ts";
import { useNow } from "../client/now.ts";
import { jumpTo } from "../client/store/message_actions.ts";
import { ConversationList } from "../components/ConversationList.tsx";
import { TopBar } from "../components/TopBar.tsx";
import { DingBanners, dingEventKey } from "./chat/Ding.tsx";
import { loadNotifyMutes } from "../client/group_admin.ts";
import { type ChatDialog, ChatDialogs, type Tasks, ThreadDialog } from "./chat/ChatDialogs.tsx";
import { type ChatWindows, ConversationPane, ensureMembers } from "./chat/ConversationPane.tsx";
import { MentionsPanel } from "./chat/MentionsPanel.tsx";

export interface ChatAppProps {
  me: PublicUser;
  lang: Lang;
  /** The conversation named by the URL, if any. */
  conversationId: string | null;
  /** How long after sending a message its sender may edit and recall it. */
  windows?: ChatWindows;
}

const DEFAULT_WINDOWS: ChatWindows = { editMs: 24 * 3600_000, recallMs: 2 * 60_000 };

const IS_BROWSER = typeof document !== "undefined";
let booted = false;

/** A link to a message (`/c/<id>?at=<seq>`, from search): loads the history back to it and shows it. */
async function openAt(convId: string | null): Promise<void> {
  await open(convId);
  const at = Number(new URLSearchParams(location.search).get("at"));
  if (!convId || !Number.isSafeInteger(at) || at < 1) return;
  history.replaceState(history.state, "", `/c/${convId}`);
  jumpTo(convId, at).catch(() => {});
}

function idFromPath(): string | null {
  return /^\/c\/([0-9A-Z]{26})$/.exec(location.pathname)?.[1] ?? null;
}

/**
 * Seeds the store from the props once per page (before the first browser render, so that it
 * matches the server's), then starts the live stream, opens the conversation of the URL and
 * follows the browser's back and forward buttons.
 */
function useChatBoot(props: ChatAppProps): void {
  if (IS_BROWSER && !booted) {
    booted = true;
    me.value = props.me;
    openId.value = props.conversationId;
  }
  useEffect(() => {
    start(props.me).then(() => openAt(props.conversationId));
    loadNotifyMutes().catch(() => {});
    const onPop = () => open(idFromPath());
    addEventListener("popstate", onPop);
    return () => {
      removeEventListener("popstate", onPop);
    };
  }, []);
}

/**
 * The chat: owns the store (signals), the live stream and every API call, and hands the
 * components plain data and callbacks. On the server it renders from its props alone.
 */
export default function ChatApp(props: ChatAppProps) {
  const { t, lang } = useLocale(props.lang);
  const dialog = useSignal<ChatDialog>(null);
  const tasks = useSignal<Tasks | null>(null);
  const thread = useSignal<{ alertId: string; convId: string } | null>(null);
  const mentionsOpen = useSignal(false);
  /** The clock alert cards count durations up to. */
  const now = useNow();
  useChatBoot(props);

  const current = IS_BROWSER ? openId.value : props.conversationId;
  const myId = props.me.id;
  const openThread = thread.value && thread.value.convId === current ? thread.value : null;
  const closeDialog = () => dialog.value = null;
  const showTasks = () => {
    tasks.value = null;
    dialog.value = "tasks";
    listMyTasks().then((items) => tasks.value = items);
  };

  return (
    <div class={`app ${current ? "has-open" : ""}`}>
      <AppBar t={t} user={props.me} onTasks={showTasks} />
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
          onMentions={() => mentionsOpen.value = true}
        />
        <ChatMain
          t={t}
          lang={lang}
          current={current}
          myId={myId}
          now={now}
          windows={props.windows ?? DEFAULT_WINDOWS}
          onInfo={() => dialog.value = "info"}
          onThread={(alertId, convId) => thread.value = { alertId, convId }}
        />
      </div>
      <ChatDialogs
        t={t}
        lang={lang}
        dialog={dialog.value}
        tasks={tasks.value}
        current={current}
        myId={myId}
        onClose={closeDialog}
      />
      {mentionsOpen.value && (
        <MentionsPanel
          t={t}
          lang={lang}
          onClose={() => mentionsOpen.value = false}
        />
      )}
      {openThread && (
        <ThreadDialog
          key={openThread.alertId}
          t={t}
          lang={lang}
          alertId={openThread.alertId}
          convId={openThread.convId}
          onClose={() => thread.value = null}
        />
      )}
    </div>
  );
}

/** The right-hand pane: the open conversation, or what to do when there is none. */
function ChatMain(props: {
  t: Translate;
  lang: Lang;
  current: string | null;
  myId: string;
  now: number;
  windows: ChatWindows;
  onInfo: () => void;
  onThread: (alertId: string, convId: string) => void;
}) {
  const { t, current } = props;
  const conv = current ? convs.value[current] : null;
  return (
    <main class="chat" aria-label={conv?.title ?? t("conversations")}>
      {openMissing.value
        ? <p class="empty" role="alert">{t("notFound")}</p>
        : !current
        ? <p class="empty">{t("pick")}</p>
        : (
          <ConversationPane
            t={t}
            lang={props.lang}
            convId={current}
            myId={props.myId}
            now={props.now}
            windows={props.windows}
            onInfo={() => {
              ensureMembers(current);
              props.onInfo();
            }}
            onThread={(alertId) => {
              ensureMembers(current);
              props.onThread(alertId, current);
            }}
          />
        )}
    </main>
  );
}

/** The bar over the chat, and the banner while the connection is down. */
function AppBar(props: { t: Translate; user: PublicUser; onTasks: () => void }) {
  const { t } = props;
  return (
    <>
      <TopBar
        t={t}
        user={props.user}
        soundOn={soundOn.value}
        canAskNotify={notifyPermission.value === "default"}
        onTasks={props.onTasks}
        onSound={setSound}
        onEnableNotify={enableNotifications}
        onToggleLang={toggleLang}
        onLogout={logout}
      />
      {status.value === "offline" && (
        <div class="banner" role="status" data-testid="offline-banner">
          {t("offline")}
        </div>
      )}
      <DingBanners
        t={t}
        refreshKey={dingEventKey(messages.value, props.user.id)}
        onOpen={navigate}
      />
    </>
  );
}
