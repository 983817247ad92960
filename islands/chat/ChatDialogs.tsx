import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { Lang, Translate } from "../../client/i18n.ts";
import type { TimelineEntry } from "../../lib/protocol.ts";
import {
  addAlertNote,
  addMember,
  alerts,
  assignAlert,
  convs,
  createConversation,
  leaveConversation,
  type listMyTasks,
  loadAlertThread,
  members,
  navigate,
  removeMember,
  userName,
} from "../../client/store.ts";
import { searchUsers } from "../../client/users.ts";
import { AlertThread } from "../../components/AlertThread.tsx";
import { GroupInfoDialog } from "../../components/GroupInfoDialog.tsx";
import { groupAdminProps } from "./group_admin_props.ts";
import { NewChatDialog } from "../../components/NewChatDialog.tsx";
import { TasksDialog } from "../../components/TasksDialog.tsx";

export type ChatDialog = "new" | "info" | "tasks" | null;
export type Tasks = Awaited<ReturnType<typeof listMyTasks>>;

/** The chat's dialogs: a new conversation, my tasks, and a group's members. */
export function ChatDialogs(props: {
  t: Translate;
  lang: Lang;
  dialog: ChatDialog;
  tasks: Tasks | null;
  /** The open conversation. */
  current: string | null;
  myId: string;
  onClose: () => void;
}) {
  const { t, lang, current, onClose } = props;
  const conv = current ? convs.value[current] : null;
  return (
    <>
      {props.dialog === "new" && (
        <NewChatDialog
          t={t}
          search={searchUsers}
          onDirect={async (u) => {
            const c = await createConversation({ kind: "direct", userId: u.id });
            onClose();
            navigate(c.id);
          }}
          onGroup={async (title, memberIds) => {
            const c = await createConversation({ kind: "group", title, memberIds });
            onClose();
            navigate(c.id);
          }}
          onClose={onClose}
        />
      )}
      {props.dialog === "tasks" && (
        <TasksDialog
          t={t}
          lang={lang}
          items={props.tasks}
          onOpen={(id) => {
            onClose();
            navigate(id);
          }}
          onClose={onClose}
        />
      )}
      {props.dialog === "info" && current && (
        <GroupInfoDialog
          t={t}
          title={conv?.title ?? null}
          members={members.value[current] ?? []}
          myId={props.myId}
          search={searchUsers}
          onAdd={(userId) => addMember(current, userId)}
          onRemove={(userId) => removeMember(current, userId)}
          onLeave={() => leaveConversation(current)}
          onLeft={() => navigate(null)}
          onClose={onClose}
          admin={groupAdminProps(current, props.lang)}
        />
      )}
    </>
  );
}

/** An alert's thread over the chat; its timeline is reloaded whenever the alert changes. */
export function ThreadDialog(props: {
  t: Translate;
  lang: Lang;
  alertId: string;
  convId: string;
  onClose: () => void;
}) {
  const { alertId, convId } = props;
  const timeline = useSignal<TimelineEntry[]>([]);
  const alert = alerts.value[alertId];
  useEffect(() => {
    let live = true;
    loadAlertThread(alertId).then((items) => {
      if (live) timeline.value = items;
    });
    return () => {
      live = false;
    };
  }, [alertId, alert?.updatedAt]);
  return (
    <AlertThread
      t={props.t}
      lang={props.lang}
      alert={alert}
      timeline={timeline.value}
      members={members.value[convId] ?? []}
      userName={(u) => userName(u, convId)}
      onAssign={(userId) => assignAlert(alertId, userId)}
      onNote={async (text) => {
        await addAlertNote(alertId, text);
        timeline.value = await loadAlertThread(alertId);
      }}
      onClose={props.onClose}
    />
  );
}
