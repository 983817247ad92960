import type { Translate } from "../client/i18n.ts";
import type { PublicUser } from "../lib/protocol.ts";
import { Avatar } from "./Avatar.tsx";

export function TopBar(props: {
  t: Translate;
  user: PublicUser;
  soundOn: boolean;
  /** Shows "Enable notifications" while the browser has not been asked yet. */
  canAskNotify: boolean;
  onTasks?: () => void;
  onSound: (on: boolean) => void;
  onEnableNotify: () => void;
  onToggleLang: () => void;
  onLogout: () => void;
}) {
  const { t } = props;
  return (
    <header class="topbar">
      <a href="/" class="brand">{t("app")}</a>
      <span class="grow" />
      {props.user.role === "admin" && <a href="/admin/users">{t("adminUsers")}</a>}
      <a href="/admin/teams">{t("adminTeams")}</a>
      <a href="/oncall">{t("oncall")}</a>
      {props.onTasks && (
        <button type="button" class="linkish" onClick={props.onTasks}>{t("myTasks")}</button>
      )}
      {props.canAskNotify && (
        <button type="button" class="linkish" onClick={props.onEnableNotify}>
          {t("notifyEnable")}
        </button>
      )}
      <button
        type="button"
        class="linkish"
        aria-pressed={props.soundOn}
        onClick={() => props.onSound(!props.soundOn)}
      >
        {props.soundOn ? t("soundOn") : t("soundOff")}
      </button>
      <button type="button" class="linkish" onClick={props.onToggleLang}>{t("language")}</button>
      <span class="me">
        <Avatar id={props.user.id} name={props.user.name} size="s" />
        <span class="me-name">{props.user.name}</span>
      </span>
      <button
        type="button"
        class="linkish"
        onClick={props.onLogout}
      >
        {t("logout")}
      </button>
    </header>
  );
}
