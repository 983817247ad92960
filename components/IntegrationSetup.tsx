import type { Translate } from "../client/i18n.ts";

/** A block of text to paste, with a copy button. */
export function Snippet(props: { t: Translate; label: string; text: string; name: string }) {
  const copy = () => navigator.clipboard?.writeText(props.text).catch(() => {});
  return (
    <div class="int-snippet" data-snippet={props.name}>
      <div class="int-snippet-head">
        <span>{props.label}</span>
        <button type="button" class="linkish" onClick={copy}>{props.t("int_copy")}</button>
      </div>
      <pre><code>{props.text}</code></pre>
    </div>
  );
}

export interface SetupProps {
  t: Translate;
  type: string;
  url: string;
  token: string | null;
  /** The Grafana signing secret, when it was set in this session. */
  secret: string | null;
  signed: boolean;
  /** PagerDuty's fixed path on this server (events integrations). */
  enqueueUrl?: string;
  /** Grafana's chosen header names (null: the defaults). */
  signatureHeader?: string | null;
  timestampHeader?: string | null;
}

/** Alertmanager's receivers block, with a bearer token or with basic_auth. */
export function amSnippet(url: string, token: string, basic: boolean): string {
  const auth = basic
    ? [
      "          basic_auth:",
      "            username: alertmanager",
      `            password: ${token}`,
    ]
    : ["          authorization:", "            type: Bearer", `            credentials: ${token}`];
  return [
    "receivers:",
    "  - name: tocsin",
    "    webhook_configs:",
    `      - url: ${url}`,
    "        send_resolved: true",
    "        http_config:",
    ...auth,
  ].join("\n");
}

/** Alertmanager's pagerduty_configs pointed at Tocsin's /v2/enqueue. */
export function amPagerdutySnippet(enqueueUrl: string, token: string): string {
  return [
    "receivers:",
    "  - name: tocsin",
    "    pagerduty_configs:",
    `      - routing_key: ${token}`,
    `        url: ${enqueueUrl}`,
    "        send_resolved: true",
  ].join("\n");
}

/** Grafana's webhook contact point, with a bearer token or with basic authentication. */
export function grafanaSnippet(p: SetupProps, token: string, basic: boolean): string {
  const { t } = p;
  const auth = basic
    ? ["Basic Authentication User: grafana", `Basic Authentication Password: ${token}`]
    : [
      "Authorization Header - Scheme: Bearer",
      `Authorization Header - Credentials: ${token}`,
    ];
  const hmac = !p.signed ? [] : [
    p.secret ? t("int_grafanaHmac", { secret: p.secret }) : t("int_grafanaHmacHidden"),
    ...(p.signatureHeader ? [`HMAC Signature Header: ${p.signatureHeader}`] : []),
    ...(p.timestampHeader ? [`HMAC Timestamp Header: ${p.timestampHeader}`] : []),
  ];
  return [`URL: ${p.url}`, "HTTP Method: POST", ...auth, ...hmac].join("\n");
}

/** A curl line that opens a test alert through this integration. */
function curlSnippet(type: string, url: string, token: string, enqueueUrl?: string): string {
  if (type === "events") {
    return `curl -H 'content-type: application/json' ${
      enqueueUrl ?? url
    } -d '{"routing_key":"${token}",` +
      `"event_action":"trigger","dedup_key":"test-1","payload":{"summary":"Test from curl",` +
      `"source":"curl","severity":"warning"}}'`;
  }
  if (type === "alertmanager") {
    return `curl -H 'Authorization: Bearer ${token}' -H 'content-type: application/json' ${url} -d ` +
      `'{"version":"4","groupKey":"curl-test","status":"firing","receiver":"tocsin",` +
      `"groupLabels":{"alertname":"CurlTest"},"commonLabels":{"alertname":"CurlTest",` +
      `"severity":"warning"},"commonAnnotations":{"summary":"Test from curl"},"externalURL":"",` +
      `"alerts":[{"status":"firing","labels":{"alertname":"CurlTest","severity":"warning"},` +
      `"annotations":{"summary":"Test from curl"},"startsAt":"2030-01-01T00:00:00Z",` +
      `"endsAt":"0001-01-01T00:00:00Z","fingerprint":"curltest"}]}'`;
  }
  return `curl -H 'Authorization: Bearer ${token}' -H 'Title: Test from curl' -H 'X-Priority: 4' ` +
    `-d 'disk full on db-2' ${url}`;
}

/**
 * Ready-to-paste configuration for an integration's source, filled in with its URL and token
 * (a placeholder when the token is no longer shown). Credential forms as docs/integrations.md.
 */
export function IntegrationSetup(props: SetupProps) {
  const { t, type, url } = props;
  const token = props.token ?? "tih_…";
  const enqueue = props.enqueueUrl ?? url;
  return (
    <div class="int-setup">
      {type === "alertmanager" && (
        <>
          <Snippet
            t={t}
            name="alertmanager"
            label={t("int_am")}
            text={amSnippet(url, token, false)}
          />
          <Snippet
            t={t}
            name="alertmanager-basic"
            label={t("intd_amBasic")}
            text={amSnippet(url, token, true)}
          />
        </>
      )}
      {type === "grafana" && (
        <>
          <Snippet
            t={t}
            name="grafana"
            label={t("int_grafana")}
            text={grafanaSnippet(props, token, false)}
          />
          <Snippet
            t={t}
            name="grafana-basic"
            label={t("intd_grafanaBasic")}
            text={grafanaSnippet(props, token, true)}
          />
        </>
      )}
      {type === "zabbix" && (
        <>
          <p class="muted">{t("int_zabbixHelp")} {t("intd_zabbixTest")}</p>
          <Snippet
            t={t}
            name="zabbix"
            label={t("int_zabbix")}
            text={[`url: ${url}`, `${t("int_zabbixSendTo")}: ${token}`].join("\n")}
          />
        </>
      )}
      {type === "events" && (
        <>
          <p class="muted">{t("intd_enqueueHelp")}</p>
          <Snippet
            t={t}
            name="events"
            label={t("intd_pdClients")}
            text={[`URL: ${enqueue}`, `${t("int_routingKey")}: ${token}`].join("\n")}
          />
          <Snippet
            t={t}
            name="alertmanager-pagerduty"
            label={t("intd_amPagerduty")}
            text={amPagerdutySnippet(enqueue, token)}
          />
        </>
      )}
      {type !== "zabbix" && type !== "grafana" && (
        <Snippet
          t={t}
          name="curl"
          label={t("int_curl")}
          text={curlSnippet(type, url, token, enqueue)}
        />
      )}
    </div>
  );
}
