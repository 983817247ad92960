/**
 * One report table (lib/reports/report.ts) as an export: its own column definitions and plain
 * rows, unchanged. Headings are the report's English labels, or Chinese by column key (the same
 * words as the reports page).
 */
import type { ReportTable } from "../reports/report.ts";
import type { Cell, ExportTable } from "./table.ts";
import type { Lang } from "./tables.ts";

type Row = ReportTable["rows"][number];

/** Chinese headings by column key; a key not here keeps its English label. */
const ZH: Record<string, string> = {
  day: "日期",
  total: "合计",
  priority: "优先级",
  count: "告警数",
  source: "来源",
  key: "键",
  title: "标题",
  neverAcknowledged: "从未确认",
  name: "人员",
  pages: "被呼叫",
  nightPages: "夜间呼叫",
  acks: "确认",
  resolves: "解决",
  team: "团队",
  urgent: "紧急",
  high: "高",
  medium: "中",
  low: "低",
};

async function* from<R>(items: R[]): AsyncGenerator<R> {
  yield* items;
}

/** `table` of a report the caller may see, as `report_<table id>`. */
export function reportTable(table: ReportTable, lang: Lang): ExportTable<Row> {
  return {
    name: `report_${table.id}`,
    rows: from(table.rows),
    columns: table.columns.map((c) => ({
      header: lang === "zh" && Object.hasOwn(ZH, c.key) ? ZH[c.key] : c.label,
      value: (r: Row): Cell => Object.hasOwn(r, c.key) ? r[c.key] : null,
      width: c.type === "text" ? 32 : 12,
    })),
  };
}
