import { type Signal, useSignal } from "@preact/signals";
import { ExportLinks } from "../components/ExportLinks.tsx";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { errorText } from "../client/api_errors.ts";
import { shortWhen, timeOfDay } from "../client/format.ts";
import { type Key, type Lang, type Translate, useLocale } from "../client/i18n.ts";
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

/** The export of the list as filtered (every page of it, not only the ones loaded). */
function exportHref(f: Record<string, string>): string {
  const q = new URLSearchParams(query(f, null));
  q.delete("limit");
  const s = q.toString();
  return "/api/v1/alerts/export" + (s ? "?" + s : "");
}

/** The API query for filters `f`, from `after` on. */
function query(f: Record<string, string>, after: string | null): string {
  const q = new URLSearchParams();
  for (const k of FILTERS) if (f[k]) q.set(k, k === "status" && f[k] === "any" ? "" : f[k]);
  for (const [k, v] of [...q]) if (!v) q.delete(k);
  q.set("limit", "50");
  if (after) q.set("cursor", after);
  return q.toString();
}

/** My teams and their integrations, for the team and source filters. */
function useTeamSources(error: Signal<string>, t: Translate) {
  const teams = useSignal<Team[]>([]);
  const sources = useSignal<Source[]>([]);
  useEffect(() => {
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
  return { teams, sources };
}

/** The filtered list, paged by cursor, with its selection and the bulk actions on it. */
function useAlertList(t: Translate) {
  const filters = useSignal<Record<string, string>>(readFilters());
  const items = useSignal<Alert[] | null>(null);
  const cursor = useSignal<string | null>(null);
  const selected = useSignal<Set<string>>(new Set());
  const error = useSignal("");
  const notice = useSignal("");
  const busy = useSignal(false);
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
  }, []);
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
  return { filters, items, cursor, selected, error, notice, busy, load, setFilter, bulk };
}

type AlertList = ReturnType<typeof useAlertList>;

/** The filter bar: status, priority, team, assignee, source, time range, sort. */
function AlertFilters(props: {
  t: Translate;
  al: AlertList;
  teams: Team[];
  sources: Source[];
}) {
  const { t, al: { setFilter } } = props;
  const f = props.al.filters.value;
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
  const time = (k: "from" | "to", label: string) => (
    <label>
      {label}{" "}
      <input
        type="datetime-local"
        name={k}
        value={toInput(f[k])}
        onChange={(e) => setFilter(k, fromInput((e.target as HTMLInputElement).value))}
      />
    </label>
  );
  return (
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
        ...props.teams.map((x) => [x.id, x.name] as [string, string]),
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
        ...props.sources.filter((s) => !f.teamId || s.teamId === f.teamId).map((s) =>
          [s.id, s.name] as [string, string]
        ),
      ])}
      {time("from", t("al_since"))}
      {time("to", t("al_until"))}
      {select("sort", t("al_sort"), [
        ["", t("al_newest")],
        ["oldest", t("al_oldest")],
        ["priority", t("al_byPriority")],
      ])}
    </form>
  );
}

/** Select all, how many are selected, and acknowledge or resolve them. */
function BulkBar(props: { t: Translate; al: AlertList; list: Alert[] }) {
  const { t, al: { selected, busy, bulk }, list } = props;
  const sel = selected.value;
  return (
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
  );
}

/** One alert in the list: a checkbox, priority, status, title (a link), team and time. */
function AlertRow(props: {
  t: Translate;
  lang: Lang;
  alert: Alert;
  team: string;
  checked: boolean;
  onToggle: () => void;
}) {
  const { t, lang, alert: a } = props;
  return (
    <li class={`al-row prio-${a.priority} is-${a.status}`} data-alert={a.id} data-status={a.status}>
      <input
        type="checkbox"
        aria-label={t("al_select", { title: a.title })}
        checked={props.checked}
        onChange={props.onToggle}
      />
      <span class={`prio prio-${a.priority}`}>{t(PRIO.get(a.priority)!)}</span>
      <span class="alert-status" data-status={a.status}>
        {t(STATUS.get(a.status)!)}
      </span>
      <a class="al-title" href={`/alerts/${a.id}`}>{a.title}</a>
      {a.silencedBy && <span class="silenced-badge">{t("mt_silenced")}</span>}
      <span class="muted al-meta">
        {props.team} · {shortWhen(a.createdAt, lang)} {timeOfDay(a.createdAt, lang)}
      </span>
    </li>
  );
}

/** Alerts across my teams: filters, sort, paging by cursor, and bulk acknowledge/resolve. */
export default function Alerts(props: AlertsProps) {
  const { t, lang } = useLocale(props.lang);
  const al = useAlertList(t);
  const { items, cursor, selected, error, notice, busy } = al;
  const { teams, sources } = useTeamSources(error, t);
  const toggle = (id: string) => {
    const s = new Set(selected.value);
    if (s.has(id)) s.delete(id);
    else s.add(id);
    selected.value = s;
  };
  const teamName = new Map(teams.value.map((x) => [x.id, x.name]));
  const list = items.value ?? [];
  return (
    <div class="admin">
      <AdminNav t={t} me={props.me} current="alerts" />
      <main class="admin-main al-page">
        <h1>{t("al_title")}</h1>
        <AlertFilters t={t} al={al} teams={teams.value} sources={sources.value} />
        <p class="al-export">
          <ExportLinks t={t} lang={lang} href={exportHref(al.filters.value)} />
        </p>
        {error.value && <p class="error" role="alert">{error.value}</p>}
        {notice.value && <p class="ok" role="status">{notice.value}</p>}
        {list.length > 0 && <BulkBar t={t} al={al} list={list} />}
        {items.value === null && <p class="muted">{t("al_loading")}</p>}
        {items.value?.length === 0 && <p class="empty">{t("al_empty")}</p>}
        <ul class="al-list">
          {list.map((a) => (
            <AlertRow
              key={a.id}
              t={t}
              lang={lang}
              alert={a}
              team={teamName.get(a.teamId) ?? ""}
              checked={selected.value.has(a.id)}
              onToggle={() => toggle(a.id)}
            />
          ))}
        </ul>
        {cursor.value && (
          <p>
            <button type="button" disabled={busy.value} onClick={() => al.load(true)}>
              {t("al_more")}
            </button>
          </p>
        )}
      </main>
    </div>
  );
}
