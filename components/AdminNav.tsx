import { useEffect, useState } from "preact/hooks";
import { type Lang, setLang, type Translate } from "../client/i18n.ts";
import { currentTheme, setTheme, type Theme } from "../client/theme.ts";
import type { PublicUser } from "../lib/protocol.ts";

/** The page a bar is on (pages added later pass their own name). */
export type NavPage =
  | "chat"
  | "users"
  | "teams"
  | "oncall"
  | "notify"
  | "alerts"
  | "integrations"
  | "profile"
  | "rules"
  | (string & Record<never, never>);

/** The site's links, one line each; members never see the admin-only ones. */
export function NavLinks(props: { t: Translate; me: PublicUser; current?: NavPage }) {
  const { t, me } = props;
  const cur = (p: NavPage) => props.current === p ? "page" : undefined;
  const admin = me.role === "admin";
  return (
    <nav class="nav-links" aria-label={t("pp_nav")}>
      <a href="/" aria-current={cur("chat")}>{t("pp_nav_chat")}</a>
      <a href="/alerts" aria-current={cur("alerts")}>{t("al_nav")}</a>
      <a href="/search" aria-current={cur("search")}>{t("sr_nav")}</a>
      <a href="/integrations" aria-current={cur("integrations")}>{t("int_nav")}</a>
      <a href="/oncall" aria-current={cur("oncall")}>{t("oncall")}</a>
      <a href="/rules" aria-current={cur("rules")}>{t("rules_nav")}</a>
      <a href="/webhooks" aria-current={cur("webhooks")}>{t("wh_nav")}</a>
      <a href="/silences" aria-current={cur("silences")}>{t("mt_nav")}</a>
      <a href="/reports" aria-current={cur("reports")}>{t("rp_nav")}</a>
      <a href="/admin/teams" aria-current={cur("teams")}>{t("adminTeams")}</a>
      <a href="/directory" aria-current={cur("directory")}>{t("dir_nav")}</a>
      {admin && <a href="/admin/users" aria-current={cur("users")}>{t("adminUsers")}</a>}
      {admin && <a href="/admin/words" aria-current={cur("words")}>{t("sw_nav")}</a>}
      {admin && <a href="/admin/notifications" aria-current={cur("notify")}>{t("notifications")}
      </a>}
      {admin && <a href="/admin/system" aria-current={cur("system")}>{t("sys_nav")}</a>}
      {admin && <a href="/admin/sso" aria-current={cur("sso")}>{t("sso_nav")}</a>}
      {admin && (
        <a href="/admin/announcements" aria-current={cur("announcements")}>{t("ann_nav")}</a>
      )}
      {admin && <a href="/admin/audit" aria-current={cur("audit")}>{t("au_nav")}</a>}
      <a href="/profile" aria-current={cur("profile")}>{t("pp_nav_profile")}</a>
    </nav>
  );
}

/** Language and theme, in every page's menu. */
export function NavPrefs(props: { t: Translate; lang: Lang }) {
  const { t } = props;
  const [theme, setThemeState] = useState<Theme>("system");
  useEffect(() => setThemeState(currentTheme()), []);
  return (
    <span class="nav-prefs">
      <button
        type="button"
        class="linkish"
        lang={props.lang === "en" ? "zh-CN" : "en"}
        onClick={() => setLang(props.lang === "en" ? "zh" : "en")}
      >
        {t("language")}
      </button>
      <select
        aria-label={t("pp_theme")}
        class="theme-select"
        value={theme}
        onChange={(e) => {
          const next = (e.target as HTMLSelectElement).value as Theme;
          setTheme(next);
          setThemeState(next);
        }}
      >
        <option value="system">{t("pp_theme")}: {t("pp_theme_system")}</option>
        <option value="light">{t("pp_theme")}: {t("pp_theme_light")}</option>
        <option value="dark">{t("pp_theme")}: {t("pp_theme_dark")}</option>
      </select>
    </span>
  );
}

/** The button that opens the menu at narrow widths (the links show inline on wider screens). */
export function MenuButton(props: { t: Translate; open: boolean; onToggle: () => void }) {
  return (
    <button
      type="button"
      class="menu-button"
      aria-expanded={props.open}
      aria-controls="site-menu"
      onClick={props.onToggle}
    >
      <span aria-hidden="true">☰</span> {props.t("pp_menu")}
    </button>
  );
}

/** The top bar of every page but the chat: brand, links (a menu on phones), language and theme. */
export function AdminNav(
  props: {
    t: Translate;
    me: PublicUser;
    current: NavPage;
  },
) {
  const { t } = props;
  const [open, setOpen] = useState(false);
  const lang = t("pp_lang_code") as Lang;
  return (
    <header class={"topbar" + (open ? " nav-open" : "")}>
      <a href="/" class="brand">{t("app")}</a>
      <span class="grow" />
      <MenuButton t={t} open={open} onToggle={() => setOpen(!open)} />
      <div class="nav-menu" id="site-menu">
        <NavLinks t={t} me={props.me} current={props.current} />
        <NavPrefs t={t} lang={lang} />
      </div>
    </header>
  );
}
