import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { initLang, type Lang, t } from "../client/i18n.ts";
import {
  convs,
  loadMembers,
  me,
  members,
  open,
  openId,
  openMissing,
  type PublicUser,
  start,
  status,
  transport,
} from "../client/store.ts";
import { Composer } from "../components/Composer.tsx";
import { ConversationList } from "../components/ConversationList.tsx";
import { GroupInfoDialog } from "../components/GroupInfoDialog.tsx";
import { MessageList } from "../components/MessageList.tsx";
import { NewChatDialog } from "../components/NewChatDialog.tsx";
import { TasksDialog } from "../components/TasksDialog.tsx";
import { TopBar } from "../components/TopBar.tsx";

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

export default function ChatApp(props: ChatAppProps) {
  const dialog = useSignal<"new" | "info" | "tasks" | null>(null);
  if (IS_BROWSER && !booted) {
    booted = true;
    initLang(props.lang);
    me.value = props.me;
    openId.value = props.conversationId;
  }
  useEffect(() => {
    start(props.me).then(() => open(props.conversationId));
    const onPop = () => open(idFromPath());
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);

  const current = IS_BROWSER ? openId.value : props.conversationId;
  const conv = current ? convs.value[current] : null;
  const offline = status.value === "offline";
  return (
    <div class={`app ${current ? "has-open" : ""}`}>
      <TopBar user={props.me} onTasks={() => dialog.value = "tasks"} />
      {offline && (
        <div class="banner" role="status" data-testid="offline-banner">
          {t("offline")}
        </div>
      )}
      <div class="panes">
        <ConversationList onNew={() => dialog.value = "new"} />
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
                <MessageList convId={current} />
                <Composer convId={current} />
              </>
            )}
        </main>
      </div>
      {dialog.value === "new" && <NewChatDialog onClose={() => dialog.value = null} />}
      {dialog.value === "tasks" && <TasksDialog onClose={() => dialog.value = null} />}
      {dialog.value === "info" && current && (
        <GroupInfoDialog
          convId={current}
          onClose={() => dialog.value = null}
        />
      )}
    </div>
  );
}
