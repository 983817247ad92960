import { priorityLabel } from "../client/labels.ts";
import { shortWhen } from "../client/format.ts";
import type { Lang, Translate } from "../client/i18n.ts";
import type { Alert } from "../lib/protocol.ts";
import { Dialog } from "./Dialog.tsx";

/** Open alerts assigned to me, overdue ones highlighted; a click opens the card's conversation. */
export function TasksDialog(props: {
  t: Translate;
  lang: Lang;
  /** Null while loading. */
  items: (Alert & { overdue: boolean })[] | null;
  onOpen: (conversationId: string) => void;
  onClose: () => void;
}) {
  const { t } = props;
  return (
    <Dialog title={t("myTasks")} closeLabel={t("close")} onClose={props.onClose}>
      {props.items?.length === 0 && <p class="muted">{t("noTasks")}</p>}
      <ul class="task-list">
        {(props.items ?? []).map((a) => (
          <li key={a.id} class={a.overdue ? "is-overdue" : ""} data-task={a.id}>
            <span class={`prio prio-${a.priority}`}>{priorityLabel(t, a.priority)}</span>
            <button
              type="button"
              class="linkish grow"
              onClick={() => {
                props.onClose();
                props.onOpen(a.conversationId);
              }}
            >
              {a.title}
            </button>
            {a.dueAt && (
              <span class={a.overdue ? "overdue" : "muted"}>
                {a.overdue ? t("overdue") : shortWhen(a.dueAt, props.lang)}
              </span>
            )}
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
