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

/**
 * Ready-to-paste configuration for an integration's source, filled in with its URL and token
 * (a placeholder when the token is no longer shown). Credential forms as docs/integrations.md.
 */
export function IntegrationSetup(props: {
  t: Translate;
  type: string;
  url: string;
  token: string | null;
  /** The Grafana signing secret, when it was set in this session. */
  secret: string | null;
  signed: boolean;
}) {
  const { t, type, url } = props;
  const token = props.token ?? "tih_…";
  const am = [
    "receivers:",
    "  - name: tocsin",
    "    webhook_configs:",
    `      - url: ${url}`,
    "        send_resolved: true",
    "        http_config:",
    "          authorization:",
    "            type: Bearer",
    `            credentials: ${token}`,
  ].join("\n");
  const grafana = [
    `URL: ${url}`,
    "HTTP Method: POST",
    "Authorization Header - Scheme: Bearer",
    `Authorization Header - Credentials: ${token}`,
    ...(props.signed
      ? [
        props.secret ? t("int_grafanaHmac", { secret: props.secret }) : t("int_grafanaHmacHidden"),
      ]
      : []),
  ].join("\n");
  const zabbix = [`url: ${url}`, `${t("int_zabbixSendTo")}: ${token}`].join("\n");
  const events = [`URL: ${url}`, `${t("int_routingKey")}: ${token}`].join("\n");
  const curl = type === "events"
    ? `curl -H 'content-type: application/json' ${url} -d '{"routing_key":"${token}",` +
      `"event_action":"trigger","dedup_key":"test-1","payload":{"summary":"Test from curl",` +
      `"source":"curl","severity":"warning"}}'`
    : type === "alertmanager"
    ? `curl -H 'Authorization: Bearer ${token}' -H 'content-type: application/json' ${url} -d ` +
      `'{"version":"4","groupKey":"curl-test","status":"firing","receiver":"tocsin",` +
      `"groupLabels":{"alertname":"CurlTest"},"commonLabels":{"alertname":"CurlTest",` +
      `"severity":"warning"},"commonAnnotations":{"summary":"Test from curl"},"externalURL":"",` +
      `"alerts":[{"status":"firing","labels":{"alertname":"CurlTest","severity":"warning"},` +
      `"annotations":{"summary":"Test from curl"},"startsAt":"2030-01-01T00:00:00Z",` +
      `"endsAt":"0001-01-01T00:00:00Z","fingerprint":"curltest"}]}'`
    : `curl -H 'Authorization: Bearer ${token}' -H 'Title: Test from curl' -d 'disk full on db-2' ${url}`;
  return (
    <div class="int-setup">
      {type === "alertmanager" && (
        <Snippet t={t} name="alertmanager" label={t("int_am")} text={am} />
      )}
      {type === "grafana" && (
        <Snippet t={t} name="grafana" label={t("int_grafana")} text={grafana} />
      )}
      {type === "zabbix" && (
        <>
          <p class="muted">{t("int_zabbixHelp")}</p>
          <Snippet t={t} name="zabbix" label={t("int_zabbix")} text={zabbix} />
        </>
      )}
      {type === "events" && <Snippet t={t} name="events" label={t("int_events")} text={events} />}
      {type !== "zabbix" && type !== "grafana" && (
        <Snippet t={t} name="curl" label={t("int_curl")} text={curl} />
      )}
    </div>
  );
}
