import type { Translate } from "../client/i18n.ts";
import type { PublicUser } from "../lib/protocol.ts";

export function AdminNav(
  props: {
    t: Translate;
    me: PublicUser;
    current: "users" | "teams" | "oncall" | "notify" | "alerts" | "integrations" | "rules";
  },
) {
  const { t } = props;
  return (
    <header class="topbar">
      <a href="/" class="brand">{t("app")}</a>
      <a href="/">{t("back_to_chat")}</a>
      <span class="grow" />
      {props.me.role === "admin" && (
        <a href="/admin/users" aria-current={props.current === "users" ? "page" : undefined}>
          {t("adminUsers")}
        </a>
      )}
      <a href="/admin/teams" aria-current={props.current === "teams" ? "page" : undefined}>
        {t("adminTeams")}
      </a>
      <a href="/alerts" aria-current={props.current === "alerts" ? "page" : undefined}>
        {t("al_nav")}
      </a>
      <a href="/integrations" aria-current={props.current === "integrations" ? "page" : undefined}>
        {t("int_nav")}
      </a>
      <a href="/oncall" aria-current={props.current === "oncall" ? "page" : undefined}>
        {t("oncall")}
      </a>
      <a href="/rules" aria-current={props.current === "rules" ? "page" : undefined}>
        {t("rules_nav")}
      </a>
      {props.me.role === "admin" && (
        <a
          href="/admin/notifications"
          aria-current={props.current === "notify" ? "page" : undefined}
        >
          {t("notifications")}
        </a>
      )}
    </header>
  );
}
