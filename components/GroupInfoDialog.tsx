import { errorText } from "../client/api_errors.ts";
import { useSignal } from "@preact/signals";
import type { Translate } from "../client/i18n.ts";
import type { Member, PublicUser } from "../lib/protocol.ts";
import { Avatar } from "./Avatar.tsx";
import { Dialog } from "./Dialog.tsx";
import { UserPicker } from "./UserPicker.tsx";

/** A group's members; managers add and remove, anyone leaves. Each action is the island's. */
export function GroupInfoDialog(props: {
  t: Translate;
  title: string | null;
  members: (Member & { user: PublicUser | null })[];
  myId: string;
  search: (q: string) => Promise<PublicUser[]>;
  onAdd: (userId: string) => Promise<void>;
  onRemove: (userId: string) => Promise<void>;
  onLeave: () => Promise<void>;
  /** After leaving (whether or not it worked, as before): back to no conversation. */
  onLeft: () => void;
  onClose: () => void;
}) {
  const { t } = props;
  const adding = useSignal(false);
  const error = useSignal("");
  const list = props.members;
  const myRole = list.find((m) => m.userId === props.myId)?.role;
  const manager = myRole === "owner" || myRole === "admin";
  const run = async (f: () => Promise<unknown>) => {
    error.value = "";
    try {
      await f();
    } catch (e) {
      error.value = errorText(t, e);
    }
  };
  const roleLabel = (r: string) =>
    r === "owner" ? t("owner") : r === "admin" ? t("groupAdmin") : "";
  return (
    <Dialog title={props.title ?? t("info")} closeLabel={t("close")} onClose={props.onClose}>
      {error.value && <p class="error" role="alert">{error.value}</p>}
      <h3>{t("members")} ({list.length})</h3>
      <ul class="member-list">
        {list.map((m) => (
          <li key={m.userId}>
            <Avatar id={m.userId} name={m.user?.name ?? "?"} size="s" />
            <span class="grow">
              {m.user?.name}
              {m.userId === props.myId ? ` (${t("you")})` : ""}
            </span>
            {m.user?.quietHours && (
              <span class="muted" title={m.user.quietHours.timeZone}>
                {t("quietShort", { from: m.user.quietHours.from, to: m.user.quietHours.to })}
              </span>
            )}
            <span class="muted">{roleLabel(m.role)}</span>
            {manager && m.userId !== props.myId && (m.role !== "owner" || myRole === "owner") && (
              <button
                type="button"
                class="danger-link"
                onClick={() => run(() => props.onRemove(m.userId))}
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
            t={t}
            search={props.search}
            exclude={list.map((m) => m.userId)}
            onPick={(u) => run(() => props.onAdd(u.id))}
          />
        )
        : <button type="button" onClick={() => adding.value = true}>{t("addMembers")}</button>)}
      <div class="actions">
        <button
          type="button"
          class="danger"
          onClick={async () => {
            if (!confirm(t("leaveConfirm"))) return;
            await run(props.onLeave);
            props.onClose();
            props.onLeft();
          }}
        >
          {t("leave")}
        </button>
        <button type="button" onClick={props.onClose}>{t("done")}</button>
      </div>
    </Dialog>
  );
}
