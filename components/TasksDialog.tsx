import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { shortWhen } from "../client/format.ts";
import { t } from "../client/i18n.ts";
import { type Alert, navigate } from "../client/store.ts";
import { Dialog } from "./Dialog.tsx";

/** Open alerts assigned to me, overdue ones highlighted; a click opens the card's conversation. */
export function TasksDialog(props: { onClose: () => void }) {
  const items = useSignal<(Alert & { overdue: boolean })[] | null>(null);
  useEffect(() => {
    api<{ items: (Alert & { overdue: boolean })[] }>(
      "GET",
      "/api/v1/alerts?assignee=me&status=open",
    )
      .then((r) => items.value = r.items);
  }, []);
  return (
    <Dialog title={t("myTasks")} onClose={props.onClose}>
      {items.value?.length === 0 && <p class="muted">{t("noTasks")}</p>}
      <ul class="task-list">
        {(items.value ?? []).map((a) => (
          <li key={a.id} class={a.overdue ? "is-overdue" : ""} data-task={a.id}>
            <span class={`prio prio-${a.priority}`}>{a.priority}</span>
            <button
              type="button"
              class="linkish grow"
              onClick={() => {
                props.onClose();
                navigate(a.conversationId);
              }}
            >
              {a.title}
            </button>
            {a.dueAt && (
              <span class={a.overdue ? "overdue" : "muted"}>
                {a.overdue ? t("overdue") : shortWhen(a.dueAt)}
              </span>
            )}
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
