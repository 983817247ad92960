import type { Lang, Translate } from "../client/i18n.ts";
import { dateTime } from "../client/format.ts";
import { deviceOf } from "../client/device.ts";
import type { AuditEntry } from "../lib/protocol.ts";

/** Action groups offered in the filter; any other action can be typed into the URL. */
const ACTIONS = [
  "auth.",
  "auth.login",
  "session.",
  "token.",
  "user.",
  "team.",
  "invitation.",
  "scim_token.",
  "department.",
  "announcement.",
  "quick_replies.",
  "war_room.",
  "alert.",
  "integration.",
  "provider.",
  "robot.",
  "policy.",
  "schedule.",
  "routing.",
  "automation.",
  "silence.",
  "export.",
];
export const FIELDS = ["actor", "action", "target", "from", "to"] as const;
export type Filters = Partial<Record<(typeof FIELDS)[number], string>>;

const toInput = (iso?: string) => {
  if (!iso) return "";
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

/** The audit page's filter bar: actor, action, target and time range. */
export function AuditFilters(props: {
  t: Translate;
  filters: Filters;
  onApply: (e: Event) => void;
  onClear: () => void;
}) {
  const { t, filters: f } = props;
  return (
    <form id="au-filters" class="au-filters" aria-label={t("au_filter")} onSubmit={props.onApply}>
      <label>
        {t("au_actor")}
        <input name="actor" defaultValue={f.actor} placeholder={t("au_actor_ph")} />
      </label>
      <label>
        {t("au_action")}
        <select name="action" defaultValue={f.action ?? ""}>
          <option value="">{t("au_action_any")}</option>
          {ACTIONS.map((a) => <option key={a} value={a}>{a.endsWith(".") ? a + "*" : a}</option>)}
        </select>
      </label>
      <label>
        {t("au_target")}
        <input name="target" defaultValue={f.target} placeholder={t("au_target_ph")} />
      </label>
      <label>
        {t("au_from")}
        <input type="datetime-local" name="from" defaultValue={toInput(f.from)} />
      </label>
      <label>
        {t("au_to")}
        <input type="datetime-local" name="to" defaultValue={toInput(f.to)} />
      </label>
      <span class="au-buttons">
        <button type="submit" class="primary">{t("au_filter")}</button>
        <button type="button" onClick={props.onClear}>{t("au_clear")}</button>
      </span>
    </form>
  );
}

/** Audit entries, newest first: action, actor, target, time, address, device and detail. */
export function AuditList(props: { t: Translate; lang: Lang; items: AuditEntry[] }) {
  const { t, lang } = props;
  return (
    <ol class="au-list">
      {props.items.map((e) => (
        <li key={e.seq} class={e.ok ? "" : "au-failed"} data-action={e.action}>
          <span class="au-head">
            <code class="au-action">{e.action}</code>
            {!e.ok && <span class="badge au-bad">{t("au_failed")}</span>}
            <span class="muted">#{e.seq}</span>
          </span>
          <span>
            <strong>{e.actorName || e.actorId || t("au_system")}</strong>
            {e.target && <span class="muted">→ {e.target.type}:{e.target.id}</span>}
          </span>
          <span class="muted au-meta">
            <time>{dateTime(e.at, lang)}</time>
            {e.ip && <>{" · "}{t("au_from_addr", { ip: e.ip })}</>}
            {e.userAgent && <>{" · "}{deviceOf(e.userAgent)}</>}
          </span>
          {e.detail && <code class="au-detail">{JSON.stringify(e.detail)}</code>}
        </li>
      ))}
    </ol>
  );
}
