/** The reports page's figures and tables: props in, markup out. */
import type { Key, Lang, Translate } from "../client/i18n.ts";
import type { ReportCell, ReportTable, ReportTotals } from "../lib/protocol.ts";
import { ExportLinks } from "./ExportLinks.tsx";

/** A duration as people read it: 45 s, 12 min, 3 h 5 min, 2 d. */
export function duration(t: Translate, ms: number | null): string {
  if (ms === null) return t("rp_none");
  const s = Math.round(ms / 1000);
  if (s < 60) return t("rp_sec", { n: s });
  const m = Math.round(s / 60);
  if (m < 60) return t("rp_min", { n: m });
  if (m < 48 * 60) return t("rp_hmin", { h: Math.floor(m / 60), m: m % 60 });
  return t("rp_days", { n: Math.round(m / 1440) });
}

/** The headline figures, as tiles. */
export function Figures(props: { t: Translate; totals: ReportTotals }) {
  const { t, totals: x } = props;
  const rate = x.resolutionRate === null ? t("rp_none") : `${Math.round(x.resolutionRate * 100)}%`;
  const tiles: [string, Key, string][] = [
    ["alerts", "rp_alerts", String(x.alerts)],
    ["resolution", "rp_resolution", rate],
    ["ackMean", "rp_ackMean", duration(t, x.ackMeanMs)],
    ["ackP90", "rp_ackP90", duration(t, x.ackP90Ms)],
    ["resMean", "rp_resMean", duration(t, x.resolveMeanMs)],
    ["resP90", "rp_resP90", duration(t, x.resolveP90Ms)],
    ["never", "rp_never", String(x.neverAcknowledged)],
    ["escLast", "rp_escLast", String(x.escalatedToLast)],
  ];
  return (
    <dl class="rp-figures">
      {tiles.map(([id, label, value]) => (
        <div key={id} class="rp-figure" data-figure={id}>
          <dt>{t(label)}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function cell(t: Translate, key: string, v: ReportCell): string {
  if (v === null) return t("rp_none");
  if (key === "priority") return t(`rp_p_${v}` as Key);
  return String(v);
}

/** The download of one table of the report shown: `query` is that report's (team, from, to). */
export function reportExportHref(query: string, id: ReportTable["id"]): string {
  return `/api/v1/reports/export?${query}${query ? "&" : ""}table=${id}`;
}

/** Downloads of the tables the page shows as charts (the others have theirs under the title). */
export function ReportDownloads(props: {
  t: Translate;
  lang: Lang;
  query: string;
  tables: [ReportTable["id"], Key][];
}) {
  const { t } = props;
  return (
    <section class="rp-section rp-downloads">
      <h2>{t("rp_downloads")}</h2>
      <ul class="rp-download-list">
        {props.tables.map(([id, title]) => (
          <li key={id} data-table={id}>
            <ExportLinks
              t={t}
              lang={props.lang}
              href={reportExportHref(props.query, id)}
              label={t(title)}
            />
          </li>
        ))}
      </ul>
    </section>
  );
}

/** One report table, with headings in the page's language (stacked cards on phones). */
export function ReportTableView(
  props: { t: Translate; table: ReportTable; title: Key; lang?: Lang; query?: string },
) {
  const { t, table } = props;
  const head = (key: string) => t(`rp_col_${key}` as Key);
  return (
    <section class="rp-section" data-table={table.id}>
      <h2>{t(props.title)}</h2>
      {props.lang && props.query !== undefined && (
        <p class="rp-export">
          <ExportLinks t={t} lang={props.lang} href={reportExportHref(props.query, table.id)} />
        </p>
      )}
      {table.rows.length === 0 ? <p class="empty">{t("rp_noRows")}</p> : (
        <div class="table-wrap">
          <table class="table rp-table">
            <thead>
              <tr>
                {table.columns.map((c) => (
                  <th key={c.key} class={c.type === "text" ? undefined : "num"}>{head(c.key)}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.rows.map((r, i) => (
                <tr key={i}>
                  {table.columns.map((c) => (
                    <td
                      key={c.key}
                      data-label={head(c.key)}
                      class={c.type === "text" ? "rp-text" : "num"}
                    >
                      {cell(t, c.key, r[c.key])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
