import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../../client/api.ts";
import { errorText } from "../../client/api_errors.ts";
import type { Translate } from "../../client/i18n.ts";
import type { SignupSettings as Settings } from "../../lib/protocol.ts";

/** Self-registration: on or off, and the e-mail domains that may register. */
export function SignupSettings(props: { t: Translate }) {
  const { t } = props;
  const s = useSignal<Settings | null>(null);
  const error = useSignal("");
  const msg = useSignal("");
  useEffect(() => {
    api<Settings>("GET", "/api/v1/signup-settings").then((v) => s.value = v).catch((e) =>
      error.value = errorText(t, e)
    );
  }, []);
  const save = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    error.value = "";
    msg.value = "";
    try {
      s.value = await api<Settings>("PUT", "/api/v1/signup-settings", {
        enabled: form.get("enabled") === "on",
        domains: String(form.get("domains") ?? "").split(/[,\s]+/).map((d) => d.trim())
          .filter(Boolean),
      });
      msg.value = t("acc_signup_saved");
    } catch (err) {
      error.value = errorText(t, err);
    }
  };
  return (
    <section class="acc-section" aria-label={t("acc_signup_title")}>
      <h2>{t("acc_signup_title")}</h2>
      {s.value === null && !error.value && <p class="muted" role="status">{t("pp_loading")}</p>}
      {s.value && (
        <form class="stack" onSubmit={save}>
          <label class="check">
            <input type="checkbox" name="enabled" checked={s.value.enabled} />
            {t("acc_signup_enabled")}
          </label>
          <label>
            {t("acc_signup_domains")}
            <input
              name="domains"
              value={s.value.domains.join(", ")}
              placeholder="example.com"
              autocomplete="off"
            />
          </label>
          <div class="actions">
            <button type="submit" class="primary">{t("save")}</button>
          </div>
        </form>
      )}
      {error.value && <p class="error" role="alert">{error.value}</p>}
      {msg.value && <p class="notice" role="status">{msg.value}</p>}
    </section>
  );
}
