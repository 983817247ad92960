/** The text of group-admin system messages (mute, pin, announcement), in the user's language. */
import type { Message } from "../lib/protocol.ts";
import type { Lang, Translate } from "./i18n.ts";
import { dateTime } from "./format.ts";

const ADMIN_EVENTS = new Set(["muted", "unmuted", "pinned", "unpinned", "announced"]);

/** True for the system events this module words. */
export function isAdminEvent(event: string): boolean {
  return ADMIN_EVENTS.has(event);
}

export function adminSystemText(
  m: Message,
  t: Translate,
  actor: string,
  users: string,
): string {
  const s = m.system!;
  const lang = t("pp_lang_code") as Lang;
  const until = s.until ? dateTime(s.until, lang) : "";
  switch (s.event) {
    case "muted":
      return s.userIds?.length
        ? t("ca_sys_muted_user", { actor, users, until })
        : t("ca_sys_muted_all", { actor, until });
    case "unmuted":
      return s.userIds?.length
        ? t("ca_sys_unmuted_user", { actor, users })
        : t("ca_sys_unmuted_all", { actor });
    case "pinned":
      return t("ca_sys_pinned", { actor });
    case "unpinned":
      return t("ca_sys_unpinned", { actor });
    default:
      return m.text ? t("ca_sys_announced", { actor }) : t("ca_sys_unannounced", { actor });
  }
}
