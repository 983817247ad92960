import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../../client/api.ts";
import { errorText } from "../../client/api_errors.ts";
import type { Lang, Translate } from "../../client/i18n.ts";
import { dateTime } from "../../client/format.ts";
import type { ScimToken } from "../../lib/protocol.ts";

/** The tokens with their last use, each revocable. */
function ScimTokenList(
  props: { t: Translate; lang: Lang; items: ScimToken[]; onRevoke: (k: ScimToken) => void },
) {
  const { t, lang } = props;
  return (
    <ul class="acc-list" aria-label={t("acc_scim_title")}>
      {props.items.map((k) => (
        <li key={k.id}>
          <span class="acc-main">
            <strong>{k.name}</strong>{" "}
            <span class="muted">
              {k.lastUsedAt
                ? t("acc_scim_last_used", { time: dateTime(k.lastUsedAt, lang) })
                : t("acc_scim_never")}
            </span>
          </span>
          <span class="row-actions">
            <button
              type="button"
              class="danger"
              onClick={() => props.onRevoke(k)}
            >
              {t("acc_revoke")}
            </button>
          </span>
        </li>
      ))}
    </ul>
  );
}

/** SCIM tokens for identity providers: create (the secret shown once), list, revoke. */
export function ScimTokens(props: { t: Translate; lang: Lang }) {
  const { t, lang } = props;
  const items = useSignal<ScimToken[] | null>(null);
  const fresh = useSignal("");
  const error = useSignal("");
  const load = async () => {
    items.value = (await api<{ items: ScimToken[] }>("GET", "/api/v1/scim-tokens")).items;
  };
  useEffect(() => {
    load().catch((e) => {
      items.value = [];
      error.value = errorText(t, e);
    });
  }, []);
  const create = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    error.value = "";
    try {
      const r = await api<{ token: string }>("POST", "/api/v1/scim-tokens", {
        name: String(new FormData(form).get("name")),
      });
      fresh.value = r.token;
      form.reset();
      await load();
    } catch (err) {
      error.value = errorText(t, err);
    }
  };
  const url = typeof location === "undefined" ? "/scim/v2" : `${location.origin}/scim/v2`;
  return (
    <section class="acc-section" aria-label={t("acc_scim_title")}>
      <h2>{t("acc_scim_title")}</h2>
      <p class="muted">{t("acc_scim_hint", { url })}</p>
      <form class="inline-form" onSubmit={create} aria-label={t("acc_scim_create")}>
        <input
          name="name"
          placeholder={t("acc_scim_name")}
          aria-label={t("acc_scim_name")}
          required
          maxLength={100}
          autocomplete="off"
        />
        <button type="submit" class="primary">{t("acc_scim_create")}</button>
      </form>
      {fresh.value && (
        <p class="notice" role="status">
          {t("acc_scim_once")} <code class="acc-secret">{fresh.value}</code>
        </p>
      )}
      {error.value && <p class="error" role="alert">{error.value}</p>}
      {items.value?.length === 0 && <p class="empty">{t("acc_scim_none")}</p>}
      <ScimTokenList
        t={t}
        lang={lang}
        items={items.value ?? []}
        onRevoke={async (k) => {
          if (!confirm(t("acc_scim_revoke_confirm", { name: k.name }))) return;
          try {
            await api("DELETE", `/api/v1/scim-tokens/${k.id}`);
            await load();
          } catch (err) {
            error.value = errorText(t, err);
          }
        }}
      />
    </section>
  );
}
