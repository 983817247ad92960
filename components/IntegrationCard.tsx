import { shortWhen } from "../client/format.ts";
import type { Key, Lang, Translate } from "../client/i18n.ts";
import { IntegrationSetup } from "./IntegrationSetup.tsx";

/** An integration as the page shows it (the API's public view). */
export interface IntegrationView {
  id: string;
  name: string;
  type: string;
  disabled: boolean;
  signed: boolean;
  url: string;
  keyFormat?: string;
  signatureHeader?: string | null;
  timestampHeader?: string | null;
  zabbix?: { url: string; tokenSet: boolean } | null;
  stats: { alerts: number; events: number; lastAlertAt: number | null };
}

export const TYPE_NAME = new Map<string, Key>([
  ["alertmanager", "int_type_alertmanager"],
  ["grafana", "int_type_grafana"],
  ["zabbix", "int_type_zabbix"],
  ["events", "int_type_events"],
  ["text", "int_type_text"],
]);

export interface CardProps {
  t: Translate;
  lang: Lang;
  i: IntegrationView;
  /** Where senders post: this integration's URL and PagerDuty's fixed one. */
  hookUrl: string;
  enqueueUrl: string;
  /** The token and signing secret, when shown in this session. */
  fresh: { token?: string; secret?: string };
  canManage: boolean;
  busy: boolean;
  copied: string;
  onCopy: (what: string, text: string) => void;
  onTest: () => void;
  onRotate: () => void;
  onToggle: () => void;
  onRemove: () => void;
  /** PATCHes the integration with these settings. */
  onSave: (body: Record<string, unknown>) => void;
}

/** A value to copy, with its button. */
function Copyable(
  p: {
    t: Translate;
    cls: string;
    text: string;
    id: string;
    copied: string;
    onCopy: CardProps["onCopy"];
  },
) {
  return (
    <>
      <code class={p.cls}>{p.text}</code>{" "}
      <button type="button" class="linkish" onClick={() => p.onCopy(p.id, p.text)}>
        {p.copied === p.id ? p.t("int_copied") : p.t("int_copy")}
      </button>
    </>
  );
}

/** The facts of a card: URLs, token, type settings, counters. */
function Facts(p: CardProps) {
  const { t, i, fresh } = p;
  const copy = { t, copied: p.copied, onCopy: p.onCopy };
  return (
    <dl class="int-facts">
      <dt>{t("int_url")}</dt>
      <dd>
        <Copyable {...copy} cls="int-url" text={p.hookUrl} id={"url" + i.id} />
      </dd>
      {i.type === "events" && (
        <>
          <dt>{t("intd_enqueueUrl")}</dt>
          <dd>
            <Copyable {...copy} cls="int-enqueue" text={p.enqueueUrl} id={"pd" + i.id} />
          </dd>
        </>
      )}
      <dt>{i.type === "events" ? t("int_routingKey") : t("int_token")}</dt>
      <dd>
        {fresh.token
          ? (
            <>
              <Copyable {...copy} cls="int-token" text={fresh.token} id={"tok" + i.id} />
              <br />
              <span class="warn">{t("int_tokenOnce")}</span>
            </>
          )
          : <span class="muted">{t("int_tokenHidden")}</span>}
      </dd>
      {i.type === "grafana" && i.signed && (
        <>
          <dt>{t("intd_headers")}</dt>
          <dd class="int-headers">{i.signatureHeader ?? t("intd_headersDefault")}</dd>
        </>
      )}
      {i.type === "zabbix" && (
        <>
          <dt>{t("intd_twoWay")}</dt>
          <dd class="int-twoway">
            {i.zabbix ? t("intd_twoWayOn", { url: i.zabbix.url }) : t("intd_twoWayOff")}
          </dd>
        </>
      )}
      <dt>{t("int_last")}</dt>
      <dd class="int-stats">
        {i.stats.lastAlertAt ? shortWhen(i.stats.lastAlertAt, p.lang) : t("int_never")}
        {" · "}
        {t("int_count", { alerts: i.stats.alerts, events: i.stats.events })}
      </dd>
    </dl>
  );
}

/** Test, rotate, pause, delete. */
function Actions(p: CardProps) {
  const { t, i, busy } = p;
  return (
    <p class="int-actions">
      <button type="button" disabled={busy || i.disabled} onClick={p.onTest}>
        {t("int_test")}
      </button>
      <button type="button" disabled={busy} onClick={p.onRotate}>{t("int_rotate")}</button>
      <button type="button" disabled={busy} onClick={p.onToggle}>
        {i.disabled ? t("int_enable") : t("int_disable")}
      </button>
      <button type="button" class="danger" disabled={busy} onClick={p.onRemove}>
        {t("int_delete")}
      </button>
    </p>
  );
}

/** The form's settings as a PATCH body: empty header names go back to the defaults. */
function settingsBody(type: string, data: FormData): Record<string, unknown> {
  const s = (k: string) => String(data.get(k) ?? "").trim();
  const body: Record<string, unknown> = { name: s("name") };
  if (type === "grafana") {
    body.signatureHeader = s("signatureHeader") || null;
    body.timestampHeader = s("timestampHeader") || null;
  }
  if (type === "zabbix" && s("zabbixUrl")) {
    body.zabbixUrl = s("zabbixUrl");
    if (s("zabbixApiToken")) body.zabbixApiToken = s("zabbixApiToken");
  }
  return body;
}

/** Name and the type's own settings (Grafana's header names, Zabbix's way back). */
function Settings(p: CardProps) {
  const { t, i } = p;
  const submit = (e: Event) => {
    e.preventDefault();
    p.onSave(settingsBody(i.type, new FormData(e.target as HTMLFormElement)));
  };
  return (
    <details class="int-settings">
      <summary>{t("intd_settings")}</summary>
      <form class="int-settings-form" onSubmit={submit}>
        <label>
          {t("int_name")} <input name="name" required maxLength={100} defaultValue={i.name} />
        </label>
        {i.type === "grafana" && <GrafanaFields t={t} i={i} />}
        {i.type === "zabbix" && <ZabbixFields t={t} i={i} />}
        <p>
          <button type="submit" class="primary" disabled={p.busy}>{t("intd_save")}</button>{" "}
          {i.type === "zabbix" && i.zabbix && (
            <button
              type="button"
              disabled={p.busy}
              onClick={() => p.onSave({ zabbixUrl: null })}
            >
              {t("intd_turnOff")}
            </button>
          )}
        </p>
      </form>
    </details>
  );
}

/** Grafana's header names (create and edit). */
export function GrafanaFields(p: { t: Translate; i?: IntegrationView }) {
  return (
    <>
      <label>
        {p.t("intd_sigHeader")}{" "}
        <input
          name="signatureHeader"
          maxLength={100}
          pattern="[A-Za-z0-9\-]+"
          defaultValue={p.i?.signatureHeader ?? ""}
          placeholder="X-Grafana-Alerting-Signature"
        />
      </label>
      <label>
        {p.t("intd_tsHeader")}{" "}
        <input
          name="timestampHeader"
          maxLength={100}
          pattern="[A-Za-z0-9\-]+"
          defaultValue={p.i?.timestampHeader ?? ""}
          placeholder="X-Grafana-Alerting-Timestamp"
        />
      </label>
    </>
  );
}

/** Zabbix's URL and API token for two-way (create and edit). */
export function ZabbixFields(p: { t: Translate; i?: IntegrationView }) {
  return (
    <>
      <p class="muted">{p.t("intd_twoWayHelp")}</p>
      <label>
        {p.t("intd_zabbixUrl")}{" "}
        <input
          name="zabbixUrl"
          type="url"
          maxLength={2048}
          defaultValue={p.i?.zabbix?.url ?? ""}
          placeholder="https://zabbix.example.com"
        />
      </label>
      <label>
        {p.i?.zabbix ? p.t("intd_zabbixTokenKeep") : p.t("intd_zabbixToken")}{" "}
        <input
          name="zabbixApiToken"
          type="password"
          minLength={8}
          maxLength={256}
          autocomplete="off"
        />
      </label>
    </>
  );
}

/** One integration: facts, actions, ready-to-paste configuration and settings. */
export function IntegrationCard(p: CardProps) {
  const { t, i, fresh } = p;
  return (
    <section class="int-card" data-integration={i.id} aria-label={i.name}>
      <header class="int-head">
        <h2>{i.name}</h2>
        <span class="label">{t(TYPE_NAME.get(i.type) ?? "int_type_text")}</span>
        {i.signed && <span class="label">{t("int_signed")}</span>}
        {i.disabled && <span class="label int-off">{t("int_disabled")}</span>}
      </header>
      {i.disabled && <p class="muted">{t("int_disabledHelp")}</p>}
      <Facts {...p} />
      {p.canManage && <Actions {...p} />}
      <details class="int-config" open={!!fresh.token}>
        <summary>{t("int_setup")}</summary>
        <IntegrationSetup
          t={t}
          type={i.type}
          url={p.hookUrl}
          token={fresh.token ?? null}
          secret={fresh.secret ?? null}
          signed={i.signed}
          enqueueUrl={p.enqueueUrl}
          signatureHeader={i.signatureHeader ?? null}
          timestampHeader={i.timestampHeader ?? null}
        />
      </details>
      {p.canManage && <Settings {...p} />}
    </section>
  );
}
