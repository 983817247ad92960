import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, HttpError } from "../client/api.ts";
import { timeOfDay } from "../client/format.ts";
import { type Key, t } from "../client/i18n.ts";
import { type Alert, alerts, loadMembers, members, userName } from "../client/store.ts";
import { Dialog } from "./Dialog.tsx";

interface Entry {
  id: string;
  at: number;
  kind: string;
  by: string | null;
  via: string;
  note?: string;
  detail?: Record<string, unknown>;
}

const KIND: Record<string, Key> = {
  triggered: "tlTriggered",
  repeated: "tlRepeated",
  acknowledged: "tlAcknowledged",
  resolved: "tlResolved",
  reopened: "tlReopened",
  note: "tlNote",
  assigned: "tlAssigned",
  priority: "tlPriority",
  notified: "tlNotified",
  escalated: "tlEscalated",
};

/** The alert's thread: its timeline, and a box for notes and /ack, /resolve, /reopen. */
export function AlertThread(props: { alertId: string; convId: string; onClose: () => void }) {
  const timeline = useSignal<Entry[]>([]);
  const error = useSignal("");
  const text = useSignal("");
  const alert = alerts.value[props.alertId];
  const load = async () => {
    const r = await api<{ alert: Alert; timeline: Entry[] }>(
      "GET",
      `/api/v1/alerts/${props.alertId}`,
    );
    timeline.value = r.timeline;
    alerts.value = { ...alerts.value, [r.alert.id]: r.alert };
  };
  useEffect(() => {
    load();
  }, [alert?.updatedAt]);
  useEffect(() => {
    if (!members.value[props.convId]) loadMembers(props.convId);
  }, []);
  const assign = async (userId: string) => {
    error.value = "";
    try {
      const r = await api<{ alert: Alert }>("POST", `/api/v1/alerts/${props.alertId}/assign`, {
        userId: userId || null,
      });
      alerts.value = { ...alerts.value, [r.alert.id]: r.alert };
    } catch (err) {
      error.value = (err as HttpError).message;
    }
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    error.value = "";
    try {
      const r = await api<{ alert: Alert }>("POST", `/api/v1/alerts/${props.alertId}/notes`, {
        text: text.value,
      });
      alerts.value = { ...alerts.value, [r.alert.id]: r.alert };
      text.value = "";
      await load();
    } catch (err) {
      error.value = (err as HttpError).message;
    }
  };
  return (
    <Dialog title={alert?.title ?? ""} onClose={props.onClose}>
      <ol class="timeline">
        {timeline.value.map((en) => (
          <li key={en.id} data-kind={en.kind}>
            <time class="muted">{timeOfDay(en.at)}</time>{" "}
            <strong>{en.by ? userName(en.by, props.convId) : en.via.replace("source:", "")}</strong>
            {" "}
            {t(KIND[en.kind] ?? "tlNote")}
            <span class="muted">{en.by ? ` · ${en.via}` : ""}</span>
            {en.note && <p class="tl-note">{en.note}</p>}
            {people(en.detail, "userIds", "userCount", props.convId) && (
              <p class="muted tl-people">
                → {people(en.detail, "userIds", "userCount", props.convId)}
              </p>
            )}
            {people(en.detail, "unreachable", "unreachableCount", props.convId) && (
              <p class="muted tl-people">
                {t("tlUnreachable")}: {people(
                  en.detail,
                  "unreachable",
                  "unreachableCount",
                  props.convId,
                )}
              </p>
            )}
          </li>
        ))}
      </ol>
      {error.value && <p class="error" role="alert">{error.value}</p>}
      <label class="inline-form">
        {t("reassign")}{" "}
        <select
          name="assignee"
          value={alert?.assigneeId ?? ""}
          onChange={(e) => assign((e.target as HTMLSelectElement).value)}
        >
          <option value="">—</option>
          {(members.value[props.convId] ?? []).map((m) => (
            <option key={m.userId} value={m.userId}>{m.user?.name ?? m.userId}</option>
          ))}
        </select>
      </label>
      <form class="composer thread-box" onSubmit={submit}>
        <textarea
          rows={2}
          name="note"
          required
          maxLength={4000}
          aria-label={t("threadPlaceholder")}
          placeholder={t("threadPlaceholder")}
          value={text.value}
          onInput={(e) => text.value = (e.target as HTMLTextAreaElement).value}
        />
        <button type="submit" class="primary">{t("send")}</button>
      </form>
    </Dialog>
  );
}

/** Names from a timeline entry's list (at most 100 are stored), with "+N" for the rest. */
function people(
  detail: Record<string, unknown> | undefined,
  list: string,
  count: string,
  convId: string,
): string {
  const ids = detail?.[list];
  if (!Array.isArray(ids) || ids.length === 0) return "";
  const more = (typeof detail?.[count] === "number" ? detail[count] as number : ids.length) -
    ids.length;
  return ids.map((u) => userName(String(u), convId)).join(", ") + (more > 0 ? ` +${more}` : "");
}
