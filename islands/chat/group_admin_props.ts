/** The group-admin callbacks and state ChatApp hands the group info dialog. */
import type { Lang } from "../../client/i18n.ts";
import type { GroupAdminProps } from "../../components/GroupInfoDialog.tsx";
import {
  adminViews,
  announce,
  clearAnnouncement,
  muteGroup,
  muteMember,
  notifyMuted,
  renameGroup,
  setNotifyMute,
  setRole,
} from "../../client/group_admin.ts";
import { loadMembers } from "../../client/store.ts";
import { presence } from "../../client/presence.ts";

export function groupAdminProps(convId: string, lang: Lang): GroupAdminProps {
  const thenMembers = <T>(p: Promise<T>) => p.then(() => loadMembers(convId));
  return {
    lang,
    view: adminViews.value[convId] ?? null,
    notifyMuted: notifyMuted(convId),
    onRename: (title) => renameGroup(convId, title),
    onRole: (userId, role) => thenMembers(setRole(convId, userId, role)),
    onMuteMember: (userId, until) => thenMembers(muteMember(convId, userId, until)),
    onMuteGroup: (until) => muteGroup(convId, until),
    onAnnounce: (text, until) => announce(convId, text, until),
    onClearAnnouncement: () => clearAnnouncement(convId),
    onNotifyMute: (muted) => setNotifyMute(convId, muted),
    presence: presence.value,
  };
}
