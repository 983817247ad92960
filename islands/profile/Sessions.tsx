import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../../client/api.ts";
import { errorText } from "../../client/api_errors.ts";
import type { Lang, Translate } from "../../client/i18n.ts";
import { dateTime } from "../../client/format.ts";
import { deviceOf } from "../../client/device.ts";
import type { SessionView } from "../../lib/protocol.ts";

/** The devices signed in to my account; any of them can be ended (this one too: a log out). */
export function Sessions(props: { t: Translate; lang: Lang }) {
  const { t, lang } = props;
  const items = useSignal<SessionView[] | null>(null);
  const error = useSignal("");
  const status = useSignal("");
  const load = () =>
    api<{ items: SessionView[] }>("GET", "/api/v1/me/sessions").then(
      (r) => items.value = r.items,
      (e) => error.value = errorText(t, e),
    );
  useEffect(() => {
    load();
  }, []);
  const end = async (s: SessionView) => {
    const device = deviceOf(s.userAgent) ?? t("au_unknown_device");
    if (!confirm(t("au_confirm_end", { device }))) return;
    error.value = "";
    status.value = "";
    try {
      await api("DELETE", `/api/v1/me/sessions/${s.id}`);
      if (s.current) {
        location.href = "/login";
        return;
      }
      status.value = t("au_ended");
      await load();
    } catch (e) {
      error.value = errorText(t, e);
    }
  };
  return (
    <section class="pp-section" aria-labelledby="pp-sessions">
      <h2 id="pp-sessions">{t("au_sessions")}</h2>
      <p class="muted">{t("au_sessions_help")}</p>
      {error.value && <p class="error" role="alert">{error.value}</p>}
      {status.value && <p class="pp-status" role="status">{status.value}</p>}
      {items.value === null && <p class="muted">{t("au_loading")}</p>}
      {items.value?.length === 0 && <p class="muted">{t("au_sessions_empty")}</p>}
      <ul class="au-sessions">
        {(items.value ?? []).map((s) => (
          <li key={s.id} data-session={s.id} data-current={s.current ? "yes" : undefined}>
            <span class="au-head">
              <strong>{deviceOf(s.userAgent) ?? t("au_unknown_device")}</strong>
              {s.current && <span class="badge">{t("au_this_device")}</span>}
            </span>
            <span class="muted">
              {t("au_address")}: {s.ip || "—"} · {t("au_created")}: {dateTime(s.createdAt, lang)}
              {" · "}
              {t("au_last_used")}: {dateTime(s.lastUsedAt, lang)}
            </span>
            <button
              type="button"
              class="danger"
              onClick={() =>
                end(s)}
            >
              {t("au_end")}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
