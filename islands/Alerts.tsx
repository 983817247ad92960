import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { errorText } from "../client/api_errors.ts";
import { shortWhen, timeOfDay } from "../client/format.ts";
import { type Key, type Lang, useLocale } from "../client/i18n.ts";
import type { Alert, PublicUser } from "../lib/protocol.ts";
import { AdminNav } from "../components/AdminNav.tsx";

export interface AlertsProps {
  me: PublicUser;
  lang: Lang;
}

interface Team {
  id: string;
  name: string;
}
interface Source {
  id: string;
  name: string;
  teamId: string;
}

const PRIO = new Map<string, Key>([
  ["urgent", "prioUrgent"],
  ["high", "prioHigh"],
  ["medium", "prioMedium"],
  ["low", "prioLow"],
]);
const STATUS = new Map<string, Key>([
  ["triggered", "statusTriggered"],
  ["acknowledged", "statusAcknowledged"],
  ["resolved", "statusResolved"],
]);
const FILTERS = [
  "status",
  "priority",
  "teamId",
  "assignee",
  "integrationId",
  "silenced",
  "from",
  "to",
  "sort",
];

/** The filters as the URL's query string holds them (so that a filtered list can be shared). */
function readFilters(): Record<string, string> {
  if (typeof location === "undefined") return { status: "open" };
  const q = new URLSearchParams(location.search);
  const f: Record<string, string> = Object.create(null);
  for (const k of FILTERS) if (q.get(k)) f[k] = q.get(k)!;
  if (!q.has("status")) f.status = "open";
  else if (f.status === "any") delete f.status;
  return f;
}

/** Local date-time input value <-> milliseconds. */
const toInput = (ms: string | undefined) => {
  if (!ms) return "";
  const d = new Date(Number(ms));
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromInput = (v: string) => v ? String(new Date(v).getTime()) : "";

/** Alerts across my teams: filters, sort, paging by cursor, and bulk acknowledge/resolve. */
export default function Alerts(props: AlertsProps) {
  const { t, lang } = useLocale(props.lang);
  const filters = useSignal<Record<string, string>>(readFilters());
  const teams = useSignal<Team[]>([]);
  const sources = useSignal<Source[]>([]);
  const items = useSignal<Alert[] | null>(null);
  const cursor = useSignal<string | null>(null);
  const selected = useSignal<Set<string>>(new Set());
  const error = useSignal("");
  const notice = useSignal("");
  const busy = useSignal(false);

  const query = (f: Record<string, string>, after: string | null) => {
    const q = new URLSearchParams();
    for (const k of FILTERS) if (f[k]) q.set(k, k === "status" && f[k] === "any" ? "" : f[k]);
    for (const [k, v] of [...q]) if (!v) q.delete(k);
    q.set("limit", "50");
    if (after) q.set("cursor", after);
    return q.toString();
  };
  const load = async (more: boolean) => {
    error.value = "";
    busy.value = true;
    try {
      const r = await api<{ items: Alert[]; cursor: string | null }>(
        "GET",
        "/api/v1/alerts?" + query(filters.value, more ? cursor.value : null),
      );
      items.value = more ? [...(items.value ?? []), ...r.items] : r.items;
      cursor.value = r.cursor;
      if (!more) selected.value = new Set();
    } catch (e) {
      error.value = errorText(t, e);
    } finally {
      busy.value = false;
    }
  };
  const setFilter = (k: string, v: string) => {
    const f = { ...filters.value };
    if (v) f[k] = v;
    else delete f[k];
    filters.value = f;
    const shown = new URLSearchParams();
    for (const key of FILTERS) if (f[key]) shown.set(key, f[key]);
    if (!f.status) shown.set("status", "any");
    history.replaceState(null, "", "/alerts?" + shown.toString());
    load(false);
  };
  useEffect(() => {
    load(false);
    (async () => {
      try {
        teams.value = (await api<{ items: Team[] }>("GET", "/api/v1/teams")).items;
        const all: Source[] = [];
        for (const tm of teams.value) {
          const r = await api<{ items: Source[] }>("GET", `/api/v1/integrations?teamId=${tm.id}`)
            .catch(() => ({ items: [] as Source[] }));
          all.push(...r.items);
        }
        sources.value = all;
      } catch (e) {
        error.value = errorText(t, e);
      }
    })();
  }, []);

  const toggle = (id: string) => {
    const s = new Set(selected.value);
    if (s.has(id)) s.delete(id);
    else s.add(id);
    selected.value = s;
  };
  const bulk = async (action: "ack" | "resolve") => {
    error.value = "";
    notice.value = "";
    busy.value = true;
    try {
      const r = await api<{ results: { id: string; ok: boolean }[] }>(
        "POST",
        "/api/v1/alerts/bulk",
        { action, ids: [...selected.value] },
      );
      const ok = r.results.filter((x) => x.ok).length;
      notice.value = t("al_bulkDone", { ok, failed: r.results.length - ok });
    } catch (e) {
      error.value = errorText(t, e);
    } finally {
      busy.value = false;
    }
    await load(false);
  };

  const f = filters.value;
  const teamName = new Map(teams.value.map((x) => [x.id, x.name]));
  const sel = selected.value;
  const list = items.value ?? [];
  const select = (k: string, label: string, options: [string, string][]) => (
    <label>
      {label}{" "}
      <select
        name={k}
        value={f[k] ?? ""}
        onChange={(e) => setFilter(k, (e.target as HTMLSelectElement).value)}
      >
        {options.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
      </select>
    </label>
  );

  return (
    <div class="admin">
      <AdminNav t={t} me={props.me} current="alerts" />
      <main class="admin-main al-page">
        <h1>{t("al_title")}</h1>
        <form class="al-filters" aria-label={t("al_title")} onSubmit={(e) => e.preventDefault()}>
          {select("status", t("al_status"), [
            ["", t("al_any")],
            ["open", t("al_open")],
            ["triggered", t("statusTriggered")],
            ["acknowledged", t("statusAcknowledged")],
            ["resolved", t("statusResolved")],
          ])}
          {select("priority", t("priority"), [
            ["", t("al_any")],
            ...[...PRIO].map(([v, k]) => [v, t(k)] as [string, string]),
          ])}
          {select("teamId", t("al_team"), [
            ["", t("al_allTeams")],
            ...teams.value.map((x) => [x.id, x.name] as [string, string]),
          ])}
          {select("assignee", t("al_assignee"), [
            ["", t("al_any")],
            ["me", t("al_me")],
            ["unassigned", t("al_unassigned")],
          ])}
          {select("silenced", t("mt_filterSilenced"), [
            ["", t("mt_filterAll")],
            ["true", t("mt_filterOnly")],
            ["false", t("mt_filterNot")],
          ])}
          {select("integrationId", t("al_source"), [
            ["", t("al_allSources")],
            ...sources.value.filter((s) => !f.teamId || s.teamId === f.teamId).map((s) =>
              [s.id, s.name] as [string, string]
            ),
          ])}
          <label>
            {t("al_since")}{" "}
            <input
              type="datetime-local"
              name="from"
              value={toInput(f.from)}
              onChange={(e) => setFilter("from", fromInput((e.target as HTMLInputElement).value))}
            />
          </label>
          <label>
            {t("al_until")}{" "}
            <input
              type="datetime-local"
              name="to"
              value={toInput(f.to)}
              onChange={(e) => setFilter("to", fromInput((e.target as HTMLInputElement).value))}
            />
          </label>
          {select("sort", t("al_sort"), [
            ["", t("al_newest")],
            ["oldest", t("al_oldest")],
            ["priority", t("al_byPriority")],
          ])}
        </form>
        {error.value && <p class="error" role="alert">{error.value}</p>}
        {notice.value && <p class="ok" role="status">{notice.value}</p>}
        {list.length > 0 && (
          <p class="al-bulk">
            <label>
              <input
                type="checkbox"
                name="all"
                checked={sel.size > 0 && list.every((a) => sel.has(a.id))}
                onChange={(e) =>
                  selected.value = (e.target as HTMLInputElement).checked
                    ? new Set(list.map((a) => a.id))
                    : new Set()}
              />{" "}
              {t("al_selectAll")}
            </label>
            <span class="muted">{t("al_selected", { n: sel.size })}</span>
            <button
              type="button"
              class="primary"
              disabled={busy.value || sel.size === 0}
              onClick={() => bulk("ack")}
            >
              {t("al_bulkAck")}
            </button>
            <button
              type="button"
              disabled={busy.value || sel.size === 0}
              onClick={() => bulk("resolve")}
            >
              {t("al_bulkResolve")}
            </button>
          </p>
        )}
        {items.value === null && <p class="muted">{t("al_loading")}</p>}
        {items.value?.length === 0 && <p class="empty">{t("al_empty")}</p>}
        <ul class="al-list">
          {list.map((a) => (
            <li
              key={a.id}
              class={`al-row prio-${a.priority} is-${a.status}`}
              data-alert={a.id}
              data-status={a.status}
            >
              <input
                type="checkbox"
                aria-label={t("al_select", { title: a.title })}
                checked={sel.has(a.id)}
                onChange={() => toggle(a.id)}
              />
              <span class={`prio prio-${a.priority}`}>{t(PRIO.get(a.priority)!)}</span>
              <span class="alert-status" data-status={a.status}>
                {t(STATUS.get(a.status)!)}
              </span>
              {a.silencedBy && <span class="silenced-badge">{t("mt_silenced")}</span>}
              <a class="al-title" href={`/alerts/${a.id}`}>{a.title}</a>
              <span class="muted al-meta">
                {teamName.get(a.teamId) ?? ""} · {shortWhen(a.createdAt, lang)}{" "}
                {timeOfDay(a.createdAt, lang)}
              </span>
            </li>
          ))}
        </ul>
        {cursor.value && (
          <p>
            <button type="button" disabled={busy.value} onClick={() => load(true)}>
              {t("al_more")}
            </button>
          </p>
        )}
      </main>
    </div>
  );
}
