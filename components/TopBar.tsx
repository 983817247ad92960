import { t, toggleLang } from "../client/i18n.ts";
import {
  enableNotifications,
  logout,
  notifyPermission,
  setSound,
  soundOn,
} from "../client/store.ts";
import type { PublicUser } from "../client/store.ts";
import { Avatar } from "./Avatar.tsx";

export function TopBar(props: { user: PublicUser; onTasks?: () => void }) {
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
      {notifyPermission.value === "default" && (
        <button type="button" class="linkish" onClick={enableNotifications}>
          {t("notifyEnable")}
        </button>
      )}
      <button
        type="button"
        class="linkish"
        aria-pressed={soundOn.value}
        onClick={() => setSound(!soundOn.value)}
      >
        {soundOn.value ? t("soundOn") : t("soundOff")}
      </button>
      <button type="button" class="linkish" onClick={toggleLang}>{t("language")}</button>
      <span class="me">
        <Avatar id={props.user.id} name={props.user.name} size="s" />
        <span class="me-name">{props.user.name}</span>
      </span>
      <button
        type="button"
        class="linkish"
        onClick={logout}
      >
        {t("logout")}
      </button>
    </header>
  );
}
