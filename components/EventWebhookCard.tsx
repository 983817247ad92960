import type { Translate } from "../client/i18n.ts";
import type { EventWebhook, EventWebhookDelivery } from "../lib/protocol.ts";
import { DeliveryLog, eventName } from "./EventWebhookForm.tsx";

/** What "Send test" answered. */
export type TestResult = { ok: boolean; status: number; detail: string };

/** One event webhook: its settings, the last test's answer, its actions and (opened) its log. */
export function EventWebhookCard(props: {
  t: Translate;
  hook: EventWebhook;
  busy: boolean;
  test?: TestResult;
  /** The delivery log when opened, else undefined. */
  log?: EventWebhookDelivery[];
  when: (ms: number) => string;
  onTest: () => void;
  onToggleLog: () => void;
  onToggleEnabled: () => void;
  onEdit: () => void;
  onRotate: () => void;
  onDelete: () => void;
}) {
  const { t, hook: h, test } = props;
  return (
    <li
      class={"rule-card" + (h.enabled ? "" : " is-disabled")}
      data-testid="webhook"
      data-name={h.name}
    >
      <div class="rule-head">
        <strong>{h.name}</strong>
        <span class={"tag " + (h.enabled ? "on" : "off")}>
          {h.enabled ? t("wh_on") : t("wh_off")}
        </span>
        <span class="tag">{t(`wh_format_${h.format}`)}</span>
      </div>
      <p class="muted url wh-url">{h.url}</p>
      <p class="muted">{h.events.map((e) => eventName(t, e)).join(" · ")}</p>
      {test && (
        <p class={test.ok ? "ok" : "error"} role="status" data-testid="webhook-test-result">
          {test.ok
            ? t("wh_testOk", { status: test.status })
            : t("wh_testFailed", { detail: test.detail })}
        </p>
      )}
      <div class="row-actions">
        <button type="button" disabled={props.busy} onClick={props.onTest}>
          {t("wh_sendTest")}
        </button>
        <button type="button" aria-expanded={!!props.log} onClick={props.onToggleLog}>
          {props.log ? t("wh_logHide") : t("wh_log")}
        </button>
        <button type="button" disabled={props.busy} onClick={props.onToggleEnabled}>
          {h.enabled ? t("wh_disable") : t("wh_enable")}
        </button>
        <button type="button" onClick={props.onEdit}>{t("wh_edit")}</button>
        <button type="button" onClick={props.onRotate}>{t("wh_rotate")}</button>
        <button type="button" class="danger" onClick={props.onDelete}>{t("wh_delete")}</button>
      </div>
      {props.log && <DeliveryLog t={t} items={props.log} when={props.when} />}
    </li>
  );
}

/** The signing secret, shown once after a create or a rotation. */
export function SecretBanner(props: {
  t: Translate;
  name: string;
  secret: string;
  copied: boolean;
  onCopy: () => void;
  onDone: () => void;
}) {
  const { t } = props;
  return (
    <div class="pp-secret wh-secret" role="status">
      <strong>{props.name}</strong>
      <span>{t("wh_secretOnce")}</span>
      <code data-testid="webhook-secret">{props.secret}</code>
      <button type="button" onClick={props.onCopy}>
        {props.copied ? t("wh_copied") : t("wh_copy")}
      </button>
      <button type="button" onClick={props.onDone}>{t("wh_dismiss")}</button>
    </div>
  );
}
