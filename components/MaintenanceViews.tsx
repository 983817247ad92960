import type { Translate } from "../client/i18n.ts";
import type { Alert, Matcher } from "../lib/protocol.ts";
import { MatcherEditor } from "./MatcherEditor.tsx";

export interface SilenceView {
  id: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  comment: string;
  createdBy: string;
  state: "pending" | "active" | "expired";
}
export interface HeartbeatView {
  id: string;
  name: string;
  intervalSeconds: number;
  graceSeconds: number;
  priority: Alert["priority"];
  status: "new" | "up" | "down";
  lastPingAt: number | null;
  dueAt: number | null;
  alertId: string | null;
  url: string;
}
export interface SilenceDraft {
  id: string | null;
  matchers: Matcher[];
  /** datetime-local values; an empty start is "now". */
  start: string;
  end: string;
  comment: string;
}
export interface HeartbeatDraft {
  id: string | null;
  name: string;
  interval: number;
  grace: number;
  priority: Alert["priority"];
}

const PRIORITIES: Alert["priority"][] = ["urgent", "high", "medium", "low"];
const HOUR = 3_600_000;

/** "YYYY-MM-DDTHH:MM" in this browser's time zone, for a datetime-local input. */
export function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/** Alertmanager's way of writing matchers: {service="db", title=~"disk.*"}. */
export function amText(ms: Matcher[]): string {
  return "{" + ms.map((m) => `${m.field === "label" ? m.label : m.field}${m.op}"${m.value}"`)
    .join(", ") +
    "}";
}

const value = (e: Event) => (e.target as HTMLInputElement).value;

/** A silence's matchers, start, end (with quick durations) and comment. */
export function SilenceForm(props: {
  t: Translate;
  draft: SilenceDraft;
  busy: boolean;
  onChange: (d: SilenceDraft) => void;
  onSave: (d: SilenceDraft) => void;
  onCancel: () => void;
}) {
  const { t, draft: sd, onChange } = props;
  const title = sd.id ? t("mt_editSilence") : t("mt_newSilence");
  return (
    <form
      class="stack maint-form"
      aria-label={title}
      onSubmit={(e) => {
        e.preventDefault();
        props.onSave(sd);
      }}
    >
      <h2>{title}</h2>
      <MatcherEditor
        t={t}
        name={t("mt_matchers")}
        matchers={sd.matchers}
        onChange={(m) => onChange({ ...sd, matchers: m })}
      />
      <label>
        {t("mt_starts")}{" "}
        <input
          type="datetime-local"
          name="start"
          value={sd.start}
          onInput={(e) => onChange({ ...sd, start: value(e) })}
        />
        <span class="muted">{t("mt_startsHint")}</span>
      </label>
      <div class="inline-form" role="group" aria-label={t("mt_duration")}>
        {[1, 2, 4, 8, 24].map((h) => (
          <button
            key={h}
            type="button"
            onClick={() => {
              const from = sd.start ? new Date(sd.start).getTime() : Date.now();
              onChange({ ...sd, end: localInput(from + h * HOUR) });
            }}
          >
            {t("mt_hours", { n: h })}
          </button>
        ))}
      </div>
      <label>
        {t("mt_ends")}{" "}
        <input
          type="datetime-local"
          name="end"
          required
          value={sd.end}
          onInput={(e) => onChange({ ...sd, end: value(e) })}
        />
      </label>
      <label>
        {t("mt_comment")}{" "}
        <input
          name="comment"
          required
          maxLength={1000}
          placeholder={t("mt_commentHint")}
          value={sd.comment}
          onInput={(e) => onChange({ ...sd, comment: value(e) })}
        />
      </label>
      <p class="inline-form">
        <button type="submit" class="primary" disabled={props.busy}>{t("mt_save")}</button>
        <button type="button" onClick={props.onCancel}>{t("mt_cancel")}</button>
      </p>
    </form>
  );
}

/** One silence in the list: state, matchers, comment, times, creator, and its actions. */
export function SilenceItem(props: {
  t: Translate;
  silence: SilenceView;
  when: (ms: number) => string;
  creator: string;
  busy: boolean;
  onEdit: () => void;
  onExpire: () => void;
  onDelete: () => void;
}) {
  const { t, silence: s, when } = props;
  return (
    <li class={`maint-item is-${s.state}`} data-silence={s.id}>
      <p>
        <span class={`maint-state state-${s.state}`}>{t(`mt_state_${s.state}`)}</span>{" "}
        <code class="maint-matchers">{amText(s.matchers)}</code>
      </p>
      <p>{s.comment}</p>
      <p class="muted">
        {s.state === "pending" && <>{t("mt_from", { when: when(s.startsAt) })}</>}{" "}
        {t("mt_until", { when: when(s.endsAt) })} · {t("mt_by", { name: props.creator })}
      </p>
      <p class="inline-form">
        {s.state !== "expired" && (
          <>
            <button type="button" onClick={props.onEdit}>{t("mt_edit")}</button>
            <button type="button" disabled={props.busy} onClick={props.onExpire}>
              {t("mt_expire")}
            </button>
          </>
        )}
        <button type="button" class="danger-link" disabled={props.busy} onClick={props.onDelete}>
          {t("mt_delete")}
        </button>
      </p>
    </li>
  );
}

/** A heartbeat's name, interval and grace (in minutes) and priority. */
export function HeartbeatForm(props: {
  t: Translate;
  draft: HeartbeatDraft;
  busy: boolean;
  onChange: (d: HeartbeatDraft) => void;
  onSave: (d: HeartbeatDraft) => void;
  onCancel: () => void;
}) {
  const { t, draft: hd, onChange } = props;
  const title = hd.id ? t("mt_editHeartbeat") : t("mt_newHeartbeat");
  return (
    <form
      class="stack maint-form"
      aria-label={title}
      onSubmit={(e) => {
        e.preventDefault();
        props.onSave(hd);
      }}
    >
      <h2>{title}</h2>
      <label>
        {t("mt_name")}{" "}
        <input
          name="name"
          required
          maxLength={100}
          value={hd.name}
          onInput={(e) => onChange({ ...hd, name: value(e) })}
        />
      </label>
      <label>
        {t("mt_interval")}{" "}
        <input
          name="interval"
          type="number"
          min={0.02}
          step="any"
          required
          value={hd.interval}
          onInput={(e) => onChange({ ...hd, interval: Number(value(e)) })}
        />
      </label>
      <label>
        {t("mt_grace")}{" "}
        <input
          name="grace"
          type="number"
          min={0}
          step="any"
          required
          value={hd.grace}
          onInput={(e) => onChange({ ...hd, grace: Number(value(e)) })}
        />
      </label>
      <label>
        {t("mt_priority")}{" "}
        <select
          name="priority"
          value={hd.priority}
          onChange={(e) => onChange({ ...hd, priority: value(e) as Alert["priority"] })}
        >
          {PRIORITIES.map((p) => <option key={p} value={p}>{t(`rules_prio_${p}`)}</option>)}
        </select>
      </label>
      <p class="inline-form">
        <button type="submit" class="primary" disabled={props.busy}>{t("mt_save")}</button>
        <button type="button" onClick={props.onCancel}>{t("mt_cancel")}</button>
      </p>
    </form>
  );
}

/** One heartbeat: state, timing, last ping, its URL (with the token once), and its actions. */
export function HeartbeatItem(props: {
  t: Translate;
  heartbeat: HeartbeatView;
  when: (ms: number) => string;
  canManage: boolean;
  busy: boolean;
  /** The ping URL with its token, right after it was made; null otherwise. */
  tokenUrl: string | null;
  onEdit: () => void;
  onToken: () => void;
  onDelete: () => void;
}) {
  const { t, heartbeat: h, when } = props;
  const min = (s: number) => Math.round(s / 6) / 10;
  return (
    <li class={`maint-item hb-${h.status}`} data-heartbeat={h.id}>
      <p>
        <span class={`maint-state hb-state-${h.status}`}>{t(`mt_hb_${h.status}`)}</span>{" "}
        <strong>{h.name}</strong>{" "}
        <span class="muted">
          {min(h.intervalSeconds)} + {min(h.graceSeconds)} min · {t(`rules_prio_${h.priority}`)}
        </span>
      </p>
      <p class="muted">
        {h.lastPingAt !== null && t("mt_lastPing", { when: when(h.lastPingAt) })}
        {h.dueAt !== null && <>{" · "}{t("mt_nextDue", { when: when(h.dueAt) })}</>}
        {h.status === "down" && h.alertId && (
          <>
            {" · "}
            <a href={`/alerts/${h.alertId}`}>{t("mt_openAlert")}</a>
          </>
        )}
      </p>
      {props.tokenUrl
        ? (
          <div class="maint-token">
            <p>{t("mt_pingUrl")}</p>
            <code data-testid="ping-url">{props.tokenUrl}</code>
            <p class="muted">{t("mt_pingHelp")}</p>
          </div>
        )
        : (
          <p class="muted">
            {t("mt_pingUrl")}: <code>{h.url}</code>
          </p>
        )}
      {props.canManage && (
        <p class="inline-form">
          <button type="button" onClick={props.onEdit}>{t("mt_edit")}</button>
          <button type="button" disabled={props.busy} onClick={props.onToken}>
            {t("mt_newToken")}
          </button>
          <button type="button" class="danger-link" disabled={props.busy} onClick={props.onDelete}>
            {t("mt_delete")}
          </button>
        </p>
      )}
    </li>
  );
}
