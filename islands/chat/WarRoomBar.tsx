import { useEffect } from "preact/hooks";
import type { Lang, Translate } from "../../client/i18n.ts";
import { alerts, fetchAlerts, hiddenAlerts } from "../../client/store.ts";
import { type AlertAction, AlertCard } from "../../components/AlertCard.tsx";

/**
 * In a war room, under its header: the alert's card, pinned and live (it reads the same alert
 * state as every card, which the server's `alert` frames keep current), folded on request.
 */
export function WarRoomBar(props: {
  t: Translate;
  lang: Lang;
  alertId: string;
  convId: string;
  now: number;
  userName: (userId: string) => string;
  onAction: (alertId: string, action: AlertAction) => Promise<void>;
  onThread: (alertId: string) => void;
}) {
  const { t, alertId } = props;
  useEffect(() => {
    fetchAlerts([alertId], false);
  }, [alertId]);
  const a = alerts.value[alertId];
  return (
    <details class="war-room-bar" open data-testid="war-room-bar">
      <summary>
        📌 {t("wr_pinned")}
        {a && <span class="muted">· {a.title}</span>}
        <a class="war-room-page" href={`/alerts/${alertId}`}>{t("wr_alert_page")}</a>
      </summary>
      <AlertCard
        t={t}
        lang={props.lang}
        alertId={alertId}
        alert={a}
        hidden={hiddenAlerts.value[alertId] === true}
        fallbackTitle=""
        now={props.now}
        userName={props.userName}
        onAction={props.onAction}
        onThread={props.onThread}
        convId={props.convId}
      />
    </details>
  );
}
