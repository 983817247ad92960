import type { Translate } from "../client/i18n.ts";
import { GrafanaFields, TYPE_NAME, ZabbixFields } from "./IntegrationCard.tsx";

export const TYPES = ["alertmanager", "grafana", "zabbix", "events", "text"] as const;

/** The create form's fields as the API's body (only the chosen type's settings). */
export function createBody(type: string, teamId: string, data: FormData): Record<string, unknown> {
  const s = (k: string) => String(data.get(k) ?? "").trim();
  const body: Record<string, unknown> = { name: s("name"), type, teamId };
  if (type === "grafana") {
    if (s("signingSecret")) body.signingSecret = s("signingSecret");
    if (s("signatureHeader")) body.signatureHeader = s("signatureHeader");
    if (s("timestampHeader")) body.timestampHeader = s("timestampHeader");
  }
  if (type === "events" && data.get("keyFormat") === "pagerduty") body.keyFormat = "pagerduty";
  if (type === "zabbix" && s("zabbixUrl")) {
    body.zabbixUrl = s("zabbixUrl");
    body.zabbixApiToken = s("zabbixApiToken");
  }
  return body;
}

/** The "new integration" form: a type, a name and the type's own settings. */
export function IntegrationCreate(p: {
  t: Translate;
  type: string;
  busy: boolean;
  onType: (type: string) => void;
  onSubmit: (e: Event) => void;
}) {
  const { t, type } = p;
  return (
    <form class="int-create" aria-label={t("int_create")} onSubmit={p.onSubmit}>
      <h2>{t("int_create")}</h2>
      <fieldset class="int-types">
        <legend>{t("int_type")}</legend>
        {TYPES.map((x) => (
          <label key={x} class={type === x ? "int-type on" : "int-type"}>
            <input
              type="radio"
              name="type"
              value={x}
              checked={type === x}
              onChange={() => p.onType(x)}
            />{" "}
            {t(TYPE_NAME.get(x)!)}
          </label>
        ))}
      </fieldset>
      <label>
        {t("int_name")} <input name="name" required maxLength={100} autocomplete="off" />
      </label>
      {type === "grafana" && (
        <>
          <label>
            {t("int_signing")}{" "}
            <input name="signingSecret" minLength={16} maxLength={256} autocomplete="off" />
          </label>
          <GrafanaFields t={t} />
        </>
      )}
      {type === "events" && (
        <label class="int-check">
          <input type="checkbox" name="keyFormat" value="pagerduty" /> {t("intd_pdKey")}
        </label>
      )}
      {type === "zabbix" && <ZabbixFields t={t} />}
      <button type="submit" class="primary" disabled={p.busy}>{t("create")}</button>
    </form>
  );
}
