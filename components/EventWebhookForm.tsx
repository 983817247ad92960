import { useState } from "preact/hooks";
import type { Key, Translate } from "../client/i18n.ts";
import type { EventWebhook, EventWebhookDelivery, EventWebhookType } from "../lib/protocol.ts";

/** Every event a webhook can ask for, in the order the form lists them. */
export const EVENT_TYPES: EventWebhookType[] = [
  "alert.triggered",
  "alert.acknowledged",
  "alert.resolved",
  "alert.escalated",
  "alert.assigned",
  "alert.noted",
  "message.created",
];

export interface EventWebhookDraft {
  name: string;
  url: string;
  events: EventWebhookType[];
  format: "tocsin" | "cloudevents";
  enabled: boolean;
}

/** The translated name of an event type (the log also shows `webhook.test`). */
export function eventName(t: Translate, type: string): string {
  const known = (EVENT_TYPES as string[]).includes(type) || type === "webhook.test";
  return known ? t(`wh_ev_${type}` as Key) : type;
}

/** Create or edit an event webhook; the secret is never edited here (it is rotated). */
export function EventWebhookForm(props: {
  t: Translate;
  initial: EventWebhook | null;
  busy: boolean;
  onSubmit: (d: EventWebhookDraft) => void;
  onCancel: () => void;
}) {
  const { t, initial } = props;
  const [d, setD] = useState<EventWebhookDraft>({
    name: initial?.name ?? "",
    url: initial?.url ?? "",
    events: initial?.events ?? ["alert.triggered", "alert.acknowledged", "alert.resolved"],
    format: initial?.format ?? "tocsin",
    enabled: initial?.enabled ?? true,
  });
  const [missing, setMissing] = useState(false);
  const set = (patch: Partial<EventWebhookDraft>) => setD({ ...d, ...patch });
  const val = (e: Event) => (e.target as HTMLInputElement).value;
  return (
    <form
      class="stack panel-form"
      aria-label={initial ? t("wh_editTitle") : t("wh_new")}
      onSubmit={(e) => {
        e.preventDefault();
        if (d.events.length === 0) return setMissing(true);
        props.onSubmit(d);
      }}
    >
      <h3>{initial ? t("wh_editTitle") : t("wh_new")}</h3>
      <label>
        {t("wh_name")}
        <input
          name="name"
          required
          maxLength={100}
          value={d.name}
          onInput={(e) => set({ name: val(e) })}
        />
      </label>
      <label>
        {t("wh_url")}
        <input
          name="url"
          type="url"
          required
          maxLength={2048}
          autoComplete="off"
          placeholder="https://…"
          value={d.url}
          onInput={(e) => set({ url: val(e) })}
        />
      </label>
      <EventChecks
        t={t}
        events={d.events}
        missing={missing}
        onChange={(events) => {
          setMissing(false);
          set({ events });
        }}
      />
      <FormatAndEnabled t={t} d={d} set={set} />
      <div class="actions">
        <button type="button" onClick={props.onCancel}>{t("wh_cancel")}</button>
        <button type="submit" class="primary" disabled={props.busy}>{t("wh_save")}</button>
      </div>
    </form>
  );
}

/** The payload's format and the on/off switch. */
function FormatAndEnabled(props: {
  t: Translate;
  d: EventWebhookDraft;
  set: (patch: Partial<EventWebhookDraft>) => void;
}) {
  const { t, d, set } = props;
  return (
    <>
      <label>
        {t("wh_format")}
        <select
          name="format"
          value={d.format}
          onChange={(e) =>
            set({ format: (e.target as HTMLSelectElement).value as EventWebhookDraft["format"] })}
        >
          <option value="tocsin">{t("wh_format_tocsin")}</option>
          <option value="cloudevents">{t("wh_format_cloudevents")}</option>
        </select>
      </label>
      <label class="check">
        <input
          type="checkbox"
          name="enabled"
          checked={d.enabled}
          onChange={(e) => set({ enabled: (e.target as HTMLInputElement).checked })}
        />{" "}
        {t("wh_enabled")}
      </label>
    </>
  );
}

/** The events a webhook asks for, as checkboxes in EVENT_TYPES order. */
function EventChecks(props: {
  t: Translate;
  events: EventWebhookType[];
  missing: boolean;
  onChange: (events: EventWebhookType[]) => void;
}) {
  const { t, events } = props;
  return (
    <fieldset class="wh-events">
      <legend>{t("wh_events")}</legend>
      {EVENT_TYPES.map((ev) => (
        <label key={ev} class="check">
          <input
            type="checkbox"
            name="events"
            value={ev}
            checked={events.includes(ev)}
            onChange={(e) =>
              props.onChange(
                (e.target as HTMLInputElement).checked
                  ? EVENT_TYPES.filter((x) => x === ev || events.includes(x))
                  : events.filter((x) => x !== ev),
              )}
          />{" "}
          {eventName(t, ev)}
        </label>
      ))}
      {props.missing && <p class="error" role="alert">{t("wh_pickEvents")}</p>}
    </fieldset>
  );
}

/** A webhook's last delivery attempts, newest first. */
export function DeliveryLog(
  props: { t: Translate; items: EventWebhookDelivery[]; when: (ms: number) => string },
) {
  const { t } = props;
  if (props.items.length === 0) return <p class="empty">{t("wh_logEmpty")}</p>;
  return (
    <ul class="wh-log" aria-label={t("wh_log")}>
      {props.items.map((l) => (
        <li key={l.id} class={l.ok ? "ok" : "error"} data-testid="delivery">
          <span class="tag">{l.status === 0 ? t("wh_noAnswer") : `HTTP ${l.status}`}</span>{" "}
          <span>{eventName(t, l.type)}</span>{" "}
          <span class="muted">
            {props.when(l.at)} · {t("wh_attempt", { n: l.attempt })}
            {l.retryAt ? ` · ${t("wh_retryAt", { at: props.when(l.retryAt) })}` : ""}
          </span>
          <code class="wh-delivery-id">{l.deliveryId}</code>
          {l.error && <span class="muted">{l.error}</span>}
        </li>
      ))}
    </ul>
  );
}
