import { type Signal, useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { errorText } from "../client/api_errors.ts";
import { type Key, type Lang, type Translate, useLocale } from "../client/i18n.ts";
import type { PublicUser, Report, ReportTable } from "../lib/protocol.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import { BarList, DayChart } from "../components/ReportCharts.tsx";
import { Figures, ReportDownloads, ReportTableView } from "../components/ReportViews.tsx";

export interface ReportsProps {
  me: PublicUser;
  lang: Lang;
  /** The zone whose calendar days reports count in (TOCSIN_REPORT_TIME_ZONE). */
  timeZone?: string;
}

interface Team {
  id: string;
  name: string;
}
type Preset = "1" | "7" | "30" | "custom";
const PRESETS: [Preset, Key][] = [["1", "rp_24h"], ["7", "rp_7d"], ["30", "rp_30d"], [
  "custom",
  "rp_custom",
]];
const DAY = 86_400_000;
/** The calendar date (2026-11-30) instant `ms` falls on in zone `tz`. */
const dateIn = (ms: number, tz: string) =>
  new Intl.DateTimeFormat("en-CA", {
    timeZone: tz,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  })
    .format(ms);
/** The date `days` before the calendar date `date`. */
const daysBefore = (date: string, days: number) =>
  new Date(Date.parse(date + "T00:00:00Z") - days * DAY).toISOString().slice(0, 10);
/** Scope "" is every team (admins only). */
const ALL = "";

/** The days a preset covers, as dates in the reports' zone: "24 h" is yesterday and today. */
function presetRange(p: Exclude<Preset, "custom">, tz = "UTC"): { from: string; to: string } {
  const to = dateIn(Date.now(), tz);
  return { from: daysBefore(to, p === "1" ? 1 : Number(p) - 1), to };
}

/** The report's query: the range, and the team unless the scope is every team. */
function reportQuery(scope: string, range: { from: string; to: string }): string {
  const q = new URLSearchParams(range);
  if (scope !== ALL) q.set("team", scope);
  return q.toString();
}

/**
 * Reports: a team's alert figures for its members, every team's for admins, over a range of
 * days; charts (SVG) and tables. `?team=` picks the team.
 */
export default function Reports(props: ReportsProps) {
  const { t, lang } = useLocale(props.lang);
  const admin = props.me.role === "admin";
  const teams = useSignal<Team[]>([]);
  const scope = useSignal<string | null>(null);
  const preset = useSignal<Preset>("7");
  const range = useSignal(presetRange("7", props.timeZone));
  const report = useSignal<Report | null>(null);
  const loading = useSignal(true);
  const error = useSignal("");
  const shown = useSignal(""); // the query of the report shown, for its downloads

  const load = async () => {
    if (scope.value === null) return;
    loading.value = true;
    error.value = "";
    try {
      const q = reportQuery(scope.value, range.value);
      report.value = (await api<{ report: Report }>("GET", `/api/v1/reports?${q}`)).report;
      shown.value = q;
    } catch (e) {
      error.value = errorText(t, e);
      report.value = null;
    } finally {
      loading.value = false;
    }
  };

  useEffect(() => {
    (async () => {
      try {
        teams.value = (await api<{ items: Team[] }>("GET", "/api/v1/teams")).items;
      } catch (e) {
        error.value = errorText(t, e);
      }
      const asked = new URLSearchParams(location.search).get("team");
      const first = teams.value.find((x) => x.id === asked) ?? teams.value[0];
      scope.value = first ? first.id : admin ? ALL : null;
      if (scope.value === null) loading.value = false;
      await load();
    })();
  }, []);

  const pickPreset = (p: Preset) => {
    preset.value = p;
    if (p !== "custom") {
      range.value = presetRange(p, props.timeZone);
      load();
    }
  };
  const r = report.value;
  const noTeams = !loading.value && scope.value === null;
  return (
    <div class="admin rp-page">
      <AdminNav t={t} me={props.me} current="reports" />
      <main class="admin-main">
        <h1>{t("rp_title")}</h1>
        <p class="hint">{t("rp_help")}</p>
        {noTeams && <p class="empty">{t("rp_noTeams")}</p>}
        {!noTeams && (
          <Controls
            t={t}
            admin={admin}
            teams={teams.value}
            scope={scope}
            preset={preset}
            range={range}
            load={load}
            pickPreset={pickPreset}
          />
        )}
        {error.value && <p class="error" role="alert">{error.value}</p>}
        {loading.value && <p class="muted" role="status">{t("rp_loading")}</p>}
        {r && !loading.value && (
          <ReportView t={t} lang={lang} query={shown.value} r={r} all={scope.value === ALL} />
        )}
      </main>
    </div>
  );
}

/** One report: figures, charts and the tables, each with its download. */
function ReportView(
  { t, lang, query, r, all }: { t: Translate; lang: Lang; query: string; r: Report; all: boolean },
) {
  const table = (id: ReportTable["id"]) => r.tables.find((x) => x.id === id);
  return (
    <div class="rp-report" data-alerts={r.totals.alerts}>
      <p class="muted">
        {t("rp_covers", {
          from: dateIn(r.from, r.timeZone),
          to: dateIn(r.to - 1, r.timeZone),
          zone: r.timeZone,
        })}
      </p>
      {r.totals.alerts === 0 && <p class="empty">{t("rp_empty")}</p>}
      <Figures t={t} totals={r.totals} />
      <div class="rp-charts">
        <DayChart t={t} rows={table("days")?.rows ?? []} />
        <BarList
          title={t("rp_byPriority")}
          chart="priorities"
          items={(table("priorities")?.rows ?? []).map((x) => ({
            label: t(`rp_p_${x.priority}` as Key),
            value: Number(x.count),
            cls: `rp-p-${x.priority}`,
          }))}
        />
        <BarList
          title={t("rp_bySource")}
          chart="sources"
          items={(table("sources")?.rows ?? []).slice(0, 8).map((x) => ({
            label: String(x.source),
            value: Number(x.count),
          }))}
        />
        {all && (
          <BarList
            title={t("rp_teams")}
            chart="teams"
            items={(table("teams")?.rows ?? []).map((x) => ({
              label: String(x.team),
              value: Number(x.count),
            }))}
          />
        )}
      </div>
      {([
        ["keys", "rp_noisyKeys"],
        ["titles", "rp_noisyTitles"],
        ["people", "rp_people"],
      ] as const).map(([id, title]) => {
        const tb = table(id);
        return tb && (
          <ReportTableView key={id} t={t} lang={lang} query={query} table={tb} title={title} />
        );
      })}
      <ReportDownloads
        t={t}
        lang={lang}
        query={query}
        tables={[
          ["days", "rp_byDay"],
          ["priorities", "rp_byPriority"],
          ["sources", "rp_bySource"],
          ...(all ? [["teams", "rp_teams"] as [ReportTable["id"], Key]] : []),
        ]}
      />
    </div>
  );
}

/** The scope picker, the range presets and the custom range. */
function Controls(p: {
  t: Translate;
  admin: boolean;
  teams: Team[];
  scope: Signal<string | null>;
  preset: Signal<Preset>;
  range: Signal<{ from: string; to: string }>;
  load: () => void;
  pickPreset: (p: Preset) => void;
}) {
  const { t, admin, scope, preset, range, load, pickPreset } = p;
  return (
    <form
      class="rp-controls"
      onSubmit={(e) => {
        e.preventDefault();
        load();
      }}
    >
      {(p.teams.length > 1 || admin) && (
        <label>
          {t("rp_scope")}{" "}
          <select
            name="scope"
            value={scope.value ?? ""}
            onChange={(e) => {
              scope.value = (e.target as HTMLSelectElement).value;
              load();
            }}
          >
            {admin && <option value={ALL}>{t("rp_allTeams")}</option>}
            {p.teams.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
          </select>
        </label>
      )}
      <span class="rp-presets" role="group" aria-label={t("rp_range")}>
        {PRESETS.map(([p, label]) => (
          <button
            key={p}
            type="button"
            class={preset.value === p ? "rp-preset is-on" : "rp-preset"}
            aria-pressed={preset.value === p}
            onClick={() => pickPreset(p)}
          >
            {t(label)}
          </button>
        ))}
      </span>
      {preset.value === "custom" && (
        <span class="rp-custom">
          <label>
            {t("rp_from")}{" "}
            <input
              type="date"
              name="from"
              value={range.value.from}
              onInput={(e) =>
                range.value = {
                  ...range.value,
                  from: (e.target as HTMLInputElement).value,
                }}
            />
          </label>
          <label>
            {t("rp_to")}{" "}
            <input
              type="date"
              name="to"
              value={range.value.to}
              onInput={(e) =>
                range.value = { ...range.value, to: (e.target as HTMLInputElement).value }}
            />
          </label>
          <button type="submit">{t("rp_apply")}</button>
        </span>
      )}
    </form>
  );
}
