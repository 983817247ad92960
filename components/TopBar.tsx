import { useState } from "preact/hooks";
import type { Lang, Translate } from "../client/i18n.ts";
import type { PublicUser } from "../lib/protocol.ts";
import { Avatar } from "./Avatar.tsx";
import { MenuButton, NavLinks, NavPrefs } from "./AdminNav.tsx";

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
  const [open, setOpen] = useState(false);
  const lang = t("pp_lang_code") as Lang;
  return (
    <header class={"topbar" + (open ? " nav-open" : "")}>
      <a href="/" class="brand">{t("app")}</a>
      <span class="grow" />
      {props.onTasks && (
        <button type="button" class="linkish" onClick={props.onTasks}>{t("myTasks")}</button>
      )}
      <MenuButton t={t} open={open} onToggle={() => setOpen(!open)} />
      <div class="nav-menu" id="site-menu">
        <NavLinks t={t} me={props.user} current="chat" />
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
        <NavPrefs t={t} lang={lang} />
        <span class="me">
          <Avatar id={props.user.id} name={props.user.name} size="s" avatar={props.user.avatar} />
          <span class="me-name">{props.user.name}</span>
        </span>
        <button type="button" class="linkish" onClick={props.onLogout}>{t("logout")}</button>
      </div>
    </header>
  );
}
