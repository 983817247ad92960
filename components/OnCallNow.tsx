import type { Lang, Translate } from "../client/i18n.ts";

export interface OnCallNowItem {
  scheduleId: string;
  scheduleName: string;
  userId: string | null;
  name: string | null;
  source: string | null;
  until: number | null;
}

/** "On call now" per schedule: the team page and the alert conversation's header. */
export function OnCallNow(
  props: { t: Translate; lang: Lang; items: OnCallNowItem[]; compact?: boolean },
) {
  const { t } = props;
  const when = new Intl.DateTimeFormat(props.lang === "zh" ? "zh-CN" : "en", {
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
  });
  if (props.items.length === 0) {
    return props.compact ? null : <p class="muted oc-nowlist">{t("oc_noSchedulesYet")}</p>;
  }
  return (
    <div class={`oc-nowlist${props.compact ? " compact" : ""}`} data-testid="oncall-now">
      <strong>{t("oc_onCallNow")}</strong>
      <ul>
        {props.items.map((x) => (
          <li key={x.scheduleId} data-user={x.userId ?? ""}>
            {props.items.length > 1 || !props.compact ? `${x.scheduleName}: ` : ""}
            <span class="oc-who">{x.name ?? t("oc_nobody")}</span>
            {x.source === "override" ? ` (${t("override")})` : ""}
            {x.until && !props.compact ? ` · ${t("oc_until", { time: when.format(x.until) })}` : ""}
          </li>
        ))}
      </ul>
    </div>
  );
}
