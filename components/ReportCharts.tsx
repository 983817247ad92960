/**
 * The reports page's charts, drawn as SVG by Preact: the same markup renders on the server and
 * hydrates in the browser, needs no chart library or canvas, scales with its viewBox to a
 * phone's width, and keeps its numbers as text (titles) for screen readers and tests.
 */
import type { Translate } from "../client/i18n.ts";
import type { ReportCell } from "../lib/protocol.ts";

const PRIORITIES = ["urgent", "high", "medium", "low"] as const;
type Row = Record<string, ReportCell>;

/** A round upper bound for an axis: 1, 2, 5 × 10^n. */
function niceMax(n: number): number {
  if (n <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= n) ?? 10 * p;
}

/** Alerts by day, stacked by priority (rows of the "days" table). */
export function DayChart(props: { t: Translate; rows: Row[] }) {
  const { t, rows } = props;
  const W = 400, H = 170, left = 28, bottom = 22, top = 8;
  const max = niceMax(Math.max(0, ...rows.map((r) => Number(r.total ?? 0))));
  const step = (W - left) / Math.max(1, rows.length);
  const bar = Math.max(2, step * 0.7);
  const y = (v: number) => top + (H - top - bottom) * (1 - v / max);
  // At most about eight day labels, so that they never overlap.
  const every = Math.max(1, Math.ceil(rows.length / 8));
  return (
    <figure class="rp-chart">
      <figcaption>{t("rp_byDay")}</figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={t("rp_byDay")}
        class="rp-svg"
        data-chart="days"
      >
        <line class="rp-axis" x1={left} x2={W} y1={y(0)} y2={y(0)} />
        <line class="rp-grid" x1={left} x2={W} y1={y(max)} y2={y(max)} />
        <text class="rp-tick" x={left - 4} y={y(max) + 4} text-anchor="end">{max}</text>
        <text class="rp-tick" x={left - 4} y={y(0)} text-anchor="end">0</text>
        {rows.map((r, i) => {
          const x = left + i * step + (step - bar) / 2;
          let acc = 0;
          return (
            <g key={String(r.day)} data-day={r.day} data-total={r.total}>
              <title>{`${r.day}: ${r.total}`}</title>
              {PRIORITIES.map((p) => {
                const v = Number(r[p] ?? 0);
                if (!v) return null;
                const y1 = y(acc + v), y0 = y(acc);
                acc += v;
                return (
                  <rect key={p} class={`rp-p-${p}`} x={x} y={y1} width={bar} height={y0 - y1} />
                );
              })}
              {i % every === 0 && (
                <text class="rp-tick" x={x + bar / 2} y={H - 6} text-anchor="middle">
                  {String(r.day).slice(5)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <Legend t={t} />
    </figure>
  );
}

function Legend(props: { t: Translate }) {
  return (
    <p class="rp-legend">
      {PRIORITIES.map((p) => (
        <span key={p}>
          <svg viewBox="0 0 10 10" class="rp-swatch" aria-hidden="true">
            <rect class={`rp-p-${p}`} width="10" height="10" rx="2" />
          </svg>
          {props.t(`rp_p_${p}`)}
        </span>
      ))}
    </p>
  );
}

/** Horizontal bars with their labels and counts: priorities, sources, teams. */
export function BarList(
  props: {
    title: string;
    items: { label: string; value: number; cls?: string }[];
    chart: string;
  },
) {
  const max = Math.max(1, ...props.items.map((i) => i.value));
  return (
    <figure class="rp-chart" data-chart={props.chart}>
      <figcaption>{props.title}</figcaption>
      <ul class="rp-bars">
        {props.items.map((i) => (
          <li key={i.label}>
            <span class="rp-bar-label">{i.label}</span>
            <svg viewBox="0 0 100 10" preserveAspectRatio="none" class="rp-bar" aria-hidden="true">
              <rect class={i.cls ?? "rp-fill"} width={(100 * i.value) / max} height="10" rx="1" />
            </svg>
            <span class="rp-bar-value">{i.value}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}
