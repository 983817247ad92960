import { useSignal } from "@preact/signals";
import { api, HttpError } from "../client/api.ts";
import { t } from "../client/i18n.ts";
import { convs, loadMembers, me, members, navigate } from "../client/store.ts";
import { Avatar } from "./Avatar.tsx";
import { Dialog } from "./Dialog.tsx";
import { UserPicker } from "./UserPicker.tsx";

export function GroupInfoDialog(props: { convId: string; onClose: () => void }) {
  const adding = useSignal(false);
  const error = useSignal("");
  const conv = convs.value[props.convId];
  const list = members.value[props.convId] ?? [];
  const myRole = list.find((m) => m.userId === me.value?.id)?.role;
  const manager = myRole === "owner" || myRole === "admin";
  const base = `/api/v1/conversations/${props.convId}`;
  const run = async (f: () => Promise<unknown>) => {
    error.value = "";
    try {
      await f();
      await loadMembers(props.convId);
    } catch (e) {
      error.value = (e as HttpError).message;
    }
  };
  const roleLabel = (r: string) =>
    r === "owner" ? t("owner") : r === "admin" ? t("groupAdmin") : "";
  return (
    <Dialog title={conv?.title ?? t("info")} onClose={props.onClose}>
      {error.value && <p class="error" role="alert">{error.value}</p>}
      <h3>{t("members")} ({list.length})</h3>
      <ul class="member-list">
        {list.map((m) => (
          <li key={m.userId}>
            <Avatar id={m.userId} name={m.user?.name ?? "?"} size="s" />
            <span class="grow">
              {m.user?.name}
              {m.userId === me.value?.id ? ` (${t("you")})` : ""}
            </span>
            {m.user?.quietHours && (
              <span class="muted" title={m.user.quietHours.timeZone}>
                {t("quietShort", { from: m.user.quietHours.from, to: m.user.quietHours.to })}
              </span>
            )}
            <span class="muted">{roleLabel(m.role)}</span>
            {manager && m.userId !== me.value?.id && (m.role !== "owner" || myRole === "owner") && (
              <button
                type="button"
                class="danger-link"
                onClick={() => run(() => api("DELETE", `${base}/members/${m.userId}`))}
              >
                {t("remove")}
              </button>
            )}
          </li>
        ))}
      </ul>
      {manager && (adding.value
        ? (
          <UserPicker
            exclude={list.map((m) => m.userId)}
            onPick={(u) => run(() => api("POST", `${base}/members`, { userIds: [u.id] }))}
          />
        )
        : <button type="button" onClick={() => adding.value = true}>{t("addMembers")}</button>)}
      <div class="actions">
        <button
          type="button"
          class="danger"
          onClick={async () => {
            if (!confirm(t("leaveConfirm"))) return;
            await run(() => api("POST", `${base}/leave`));
            props.onClose();
            navigate(null);
          }}
        >
          {t("leave")}
        </button>
        <button type="button" onClick={props.onClose}>{t("done")}</button>
      </div>
    </Dialog>
  );
}
