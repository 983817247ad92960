import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { Lang, Translate } from "../../client/i18n.ts";
import { dateTime } from "../../client/format.ts";
import { isAdminEvent } from "../../client/admin_events.ts";
import { errorText } from "../../client/api_errors.ts";
import { adminViews, loadAdminView, unpinMessage } from "../../client/group_admin.ts";
import { messages } from "../../client/store.ts";

/**
 * Under a group's header: the live announcement, why I cannot post (a mute), and the pinned
 * list. Reloaded when the conversation opens and whenever an admin system message arrives.
 */
export function GroupBanner(props: { t: Translate; lang: Lang; convId: string; manager: boolean }) {
  const { t, lang, convId } = props;
  const showPins = useSignal(false);
  const error = useSignal("");
  const list = messages.value[convId] ?? [];
  const lastAdmin = list.findLast((m) => m.system && isAdminEvent(m.system.event))?.seq ?? 0;
  useEffect(() => {
    loadAdminView(convId).catch(() => {});
  }, [convId, lastAdmin]);
  const view = adminViews.value[convId];
  if (!view) return null;
  const until = (ms: number) => dateTime(ms, lang);
  const jump = (seq: number) => {
    document.querySelector(`[data-seq="${seq}"]`)?.scrollIntoView({ block: "center" });
    showPins.value = false;
  };
  return (
    <div class="group-banner">
      {view.announcement && (
        <div class="announcement" role="status" data-testid="announcement">
          <strong>📢 {t("ca_announcement")}</strong>{" "}
          <span class="ann-text">{view.announcement.text}</span>{" "}
          <span class="muted">{t("ca_until", { until: until(view.announcement.until) })}</span>
        </div>
      )}
      {view.myMutedUntil
        ? (
          <div class="mute-note" role="status">
            {t("ca_me_muted_banner", { until: until(view.myMutedUntil) })}
          </div>
        )
        : view.mutedUntil && !props.manager
        ? (
          <div class="mute-note" role="status">
            {t("ca_muted_banner", { until: until(view.mutedUntil) })}
          </div>
        )
        : null}
      {view.pins.length > 0 && (
        <button
          type="button"
          class="linkish pins-toggle"
          onClick={() => showPins.value = !showPins.value}
        >
          📌 {t("ca_pinned", { n: view.pins.length })}
        </button>
      )}
      {error.value && <p class="error" role="alert">{error.value}</p>}
      {showPins.value && (
        <ul class="pin-list" data-testid="pin-list">
          {view.pins.map((p) => (
            <li key={p.seq}>
              <span class="grow">{p.message?.text || p.message?.files?.[0]?.name || "…"}</span>
              <button type="button" class="linkish" onClick={() => jump(p.seq)}>
                {t("ca_jump")}
              </button>
              {props.manager && (
                <button
                  type="button"
                  class="danger-link"
                  onClick={() =>
                    unpinMessage(convId, p.seq).catch((e) => error.value = errorText(t, e))}
                >
                  {t("ca_unpin")}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
