import { errorText } from "../client/api_errors.ts";
import { useSignal } from "@preact/signals";
import type { Translate } from "../client/i18n.ts";
import type { Member, PublicUser } from "../lib/protocol.ts";
import { Dialog } from "./Dialog.tsx";
import { UserPicker } from "./UserPicker.tsx";
import { type GroupAdminProps, MemberRow, RenameForm } from "./GroupAdminParts.tsx";
import { GroupAdminSection, NotifyMuteToggle } from "./GroupAdminSection.tsx";

export type { GroupAdminProps };

/**
 * A group's members; managers add and remove, rename, set roles, mute and announce; anyone
 * mutes their own notifications and leaves. Each action is the island's.
 */
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
  /** Group admin and my notification mute (absent: members and leaving only). */
  admin?: GroupAdminProps;
}) {
  const { t, admin } = props;
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
  return (
    <Dialog title={props.title ?? t("info")} closeLabel={t("close")} onClose={props.onClose}>
      {error.value && <p class="error" role="alert">{error.value}</p>}
      {admin && manager && <RenameForm t={t} title={props.title ?? ""} run={run} admin={admin} />}
      <h3>{t("members")} ({list.length})</h3>
      <ul class="member-list">
        {list.map((m) => (
          <MemberRow
            key={m.userId}
            t={t}
            m={m}
            myId={props.myId}
            myRole={myRole}
            run={run}
            admin={admin}
            onRemove={props.onRemove}
          />
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
      {admin && manager && <GroupAdminSection t={t} run={run} admin={admin} />}
      {admin && <NotifyMuteToggle t={t} run={run} admin={admin} />}
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
