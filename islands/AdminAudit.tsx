import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { errorText } from "../client/api_errors.ts";
import { type Lang, useLocale } from "../client/i18n.ts";
import { dateTime } from "../client/format.ts";
import { deviceOf } from "../client/device.ts";
import type { AuditEntry, AuditVerdict, PublicUser } from "../lib/protocol.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import { ExportLinks } from "../components/ExportLinks.tsx";

export interface AdminAuditProps {
  me: PublicUser;
  lang: Lang;
}

/** Action groups offered in the filter; any other action can be typed into the URL. */
const ACTIONS = [
  "auth.",
  "auth.login",
  "session.",
  "token.",
  "user.",
  "team.",
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
const FIELDS = ["actor", "action", "target", "from", "to"] as const;
type Filters = Partial<Record<(typeof FIELDS)[number], string>>;

const toInput = (iso?: string) => {
  if (!iso) return "";
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromInput = (v: string) => v ? new Date(v).toISOString() : "";

function queryOf(f: Filters): string {
  const q = new URLSearchParams();
  for (const k of FIELDS) if (f[k]) q.set(k, f[k]!);
  return q.toString();
}

/** /admin/audit: the audit log with filters, paging, verification and downloads. */
export default function AdminAudit(props: AdminAuditProps) {
  const { t, lang } = useLocale(props.lang);
  const filters = useSignal<Filters>(
    Object.fromEntries(
      FIELDS.flatMap((k) => {
        const v = typeof location === "undefined"
          ? null
          : new URLSearchParams(location.search).get(k);
        return v ? [[k, v]] : [];
      }),
    ),
  );
  const items = useSignal<AuditEntry[] | null>(null);
  const cursor = useSignal<number | null>(null);
  const error = useSignal("");
  const verdict = useSignal<AuditVerdict | null>(null);
  const verifying = useSignal(false);

  const load = async (more: boolean) => {
    error.value = "";
    const q = queryOf(filters.value);
    const after = more && cursor.value ? `&cursor=${cursor.value}` : "";
    try {
      const r = await api<{ items: AuditEntry[]; cursor: number | null }>(
        "GET",
        `/api/v1/audit?limit=50&${q}${after}`,
      );
      items.value = more ? [...(items.value ?? []), ...r.items] : r.items;
      cursor.value = r.cursor;
    } catch (e) {
      error.value = errorText(t, e);
      if (!more) items.value = [];
    }
  };
  useEffect(() => {
    load(false);
  }, []);

  const apply = (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const next: Filters = {};
    for (const k of FIELDS) {
      const v = String(f.get(k) ?? "").trim();
      if (v) next[k] = k === "from" || k === "to" ? fromInput(v) : v;
    }
    filters.value = next;
    const q = queryOf(next);
    history.replaceState(null, "", "/admin/audit" + (q ? "?" + q : ""));
    load(false);
  };
  const clear = () => {
    filters.value = {};
    history.replaceState(null, "", "/admin/audit");
    (document.getElementById("au-filters") as HTMLFormElement | null)?.reset();
    load(false);
  };
  const verify = async () => {
    verifying.value = true;
    error.value = "";
    try {
      verdict.value = await api<AuditVerdict>("GET", "/api/v1/audit/verify");
    } catch (e) {
      error.value = errorText(t, e);
    } finally {
      verifying.value = false;
    }
  };
  const f = filters.value;
  const q = queryOf(f);
  const v = verdict.value;
  return (
    <div class="admin">
      <AdminNav t={t} me={props.me} current="audit" />
      <main class="admin-main au-page">
        <h1>{t("au_title")}</h1>
        <p class="muted">{t("au_intro")}</p>
        <p class="au-tools">
          <button type="button" onClick={verify} disabled={verifying.value}>
            {verifying.value ? t("au_verifying") : t("au_verify")}
          </button>
          <ExportLinks t={t} lang={lang} href={`/api/v1/audit/export${q ? "?" + q : ""}`} />
        </p>
        {v && (
          <p class={v.ok ? "ok" : "error"} role="status" data-testid="au-verdict">
            {v.ok ? t("au_verify_ok", { n: v.count }) : t("au_verify_broken", {
              seq: v.broken!.seq,
              reason: v.broken!.reason,
              n: v.count,
            })}
          </p>
        )}
        <form id="au-filters" class="au-filters" aria-label={t("au_filter")} onSubmit={apply}>
          <label>
            {t("au_actor")}
            <input name="actor" defaultValue={f.actor} placeholder={t("au_actor_ph")} />
          </label>
          <label>
            {t("au_action")}
            <select name="action" defaultValue={f.action ?? ""}>
              <option value="">{t("au_action_any")}</option>
              {ACTIONS.map((a) => <option key={a} value={a}>{a.endsWith(".") ? a + "*" : a}
              </option>)}
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
            <button type="button" onClick={clear}>{t("au_clear")}</button>
          </span>
        </form>
        {error.value && <p class="error" role="alert">{error.value}</p>}
        {items.value === null && <p class="muted">{t("au_loading")}</p>}
        {items.value?.length === 0 && <p class="empty">{t("au_empty")}</p>}
        <ol class="au-list">
          {(items.value ?? []).map((e) => (
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
        {cursor.value !== null && (items.value?.length ?? 0) > 0 && (
          <p>
            <button type="button" onClick={() => load(true)}>{t("au_more")}</button>
          </p>
        )}
      </main>
    </div>
  );
}
