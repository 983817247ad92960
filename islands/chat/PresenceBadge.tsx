import { useEffect } from "preact/hooks";
import type { Translate } from "../../client/i18n.ts";
import { loadPresence, presence } from "../../client/presence.ts";

/** How often presence is re-read while a conversation is open. */
const REFRESH_MS = 30_000;

/**
 * Keeps the presence of `ids` (the open conversation's people) fresh, and for a direct
 * conversation shows the other person's: online or offline, and on call now.
 */
export function PresenceBadge(props: {
  t: Translate;
  ids: string[];
  /** The other person of a direct conversation (their badge is shown). */
  peerId: string | null;
  onCall: boolean;
}) {
  const { t, peerId } = props;
  const key = props.ids.join(",");
  useEffect(() => {
    const load = () => loadPresence(props.ids).catch(() => {});
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => clearInterval(timer);
  }, [key]);
  if (!peerId) return null;
  const on = presence.value[peerId];
  if (on === undefined) return null;
  return (
    <span class={`presence ${on ? "on" : "off"}`} data-testid="presence">
      {on ? t("pr_online") : t("pr_offline")}
      {props.onCall && ` · ${t("pr_on_call")}`}
    </span>
  );
}
