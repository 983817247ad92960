/**
 * The exportable tables of alerts, search results and the audit log: each a column list over a
 * row iterator that reads its source page by page (lib/export/table.ts). Headers come in English
 * or Chinese. Report tables have their own columns: report_table.ts.
 */
import type { z } from "zod";
import type { Deps } from "../core/deps.ts";
import type { User } from "../accounts/model.ts";
import { userNames } from "../accounts/users.ts";
import type { Alert, TimelineEntry } from "../alerts/model.ts";
import { type AlertListQuerySchema, listAlerts } from "../alerts/queries.ts";
import type { Delivery } from "../notify/deliveries.ts";
import type { AuditEntry } from "../audit/chain.ts";
import { type AuditFilter, scanAudit } from "../audit/query.ts";
import { search } from "../search/search.ts";
import type { SearchHit, SearchQuery } from "../search/model.ts";
import { type Column, type ExportTable, isoTime, paged } from "./table.ts";

export type Lang = "en" | "zh";

/** Column headers: [en, zh]. */
const H = {
  id: ["ID", "编号"],
  title: ["Title", "标题"],
  status: ["Status", "状态"],
  priority: ["Priority", "优先级"],
  team: ["Team ID", "团队 ID"],
  source: ["Source", "来源"],
  created: ["Created", "创建时间"],
  ackBy: ["Acknowledged by", "确认人"],
  ackAt: ["Acknowledged", "确认时间"],
  resBy: ["Resolved by", "解决人"],
  resAt: ["Resolved", "解决时间"],
  assignee: ["Assignee", "负责人"],
  firings: ["Firings", "触发次数"],
  labels: ["Labels", "标签"],
  at: ["Time", "时间"],
  kind: ["Event", "事件"],
  by: ["By", "操作人"],
  via: ["Via", "途径"],
  note: ["Note", "备注"],
  detail: ["Detail", "详情"],
  user: ["User", "用户"],
  channel: ["Channel", "渠道"],
  to: ["To", "发送至"],
  reason: ["Reason", "原因"],
  attempts: ["Attempts", "尝试次数"],
  lastAttempt: ["Last attempt", "最后尝试"],
  seq: ["Seq", "序号"],
  actor: ["Actor", "操作者"],
  action: ["Action", "操作"],
  target: ["Target", "对象"],
  ok: ["OK", "成功"],
  ip: ["Address", "地址"],
  ua: ["User agent", "客户端"],
  hash: ["Hash", "哈希"],
  conversation: ["Conversation", "会话"],
  sender: ["Sender", "发送人"],
  alertTitle: ["Alert", "告警"],
  alertStatus: ["Alert status", "告警状态"],
  excerpt: ["Text", "内容"],
} as const;

/** Hits per search page read by an export (search's own page maximum). */
const SEARCH_EXPORT_PAGE = 50;

function col<R>(lang: Lang, h: keyof typeof H, value: Column<R>["value"], width?: number) {
  return { header: H[h][lang === "zh" ? 1 : 0], value, width } satisfies Column<R>;
}

/** Resolves user ids to names per page, with a bounded cache. */
function nameCache(kv: Deno.Kv) {
  const cache = new Map<string, string>();
  return {
    async load(ids: (string | null)[]) {
      const missing = ids.filter((id): id is string => !!id && !cache.has(id));
      if (!missing.length) return;
      if (cache.size > 5_000) cache.clear();
      const names = await userNames(kv, missing);
      for (const id of missing) cache.set(id, names[id] ?? id);
    },
    name: (id: string | null) => (id ? cache.get(id) ?? id : ""),
  };
}

/** Alerts the user may see, with the alert list's filters, newest first (or as sorted). */
export function alertsTable(
  deps: Deps,
  user: User,
  q: z.infer<typeof AlertListQuerySchema>,
  lang: Lang,
): ExportTable<Alert> {
  const names = nameCache(deps.kv);
  const rows = paged<Alert, string>(async (cursor) => {
    const page = await listAlerts(deps, user, {
      ...q,
      ids: undefined,
      limit: 500,
      cursor: cursor ?? undefined,
    });
    await names.load(page.items.flatMap((a) => [a.acknowledgedBy, a.resolvedBy, a.assigneeId]));
    return page;
  });
  return {
    name: "alerts",
    rows,
    columns: [
      col<Alert>(lang, "id", (a) => a.id, 28),
      col<Alert>(lang, "title", (a) => a.title, 48),
      col<Alert>(lang, "status", (a) => a.status, 14),
      col<Alert>(lang, "priority", (a) => a.priority, 8),
      col<Alert>(lang, "team", (a) => a.teamId, 28),
      col<Alert>(lang, "source", (a) => a.source),
      col<Alert>(lang, "created", (a) => isoTime(a.createdAt), 20),
      col<Alert>(lang, "ackBy", (a) => names.name(a.acknowledgedBy)),
      col<Alert>(lang, "ackAt", (a) => isoTime(a.acknowledgedAt), 20),
      col<Alert>(lang, "resBy", (a) => names.name(a.resolvedBy)),
      col<Alert>(lang, "resAt", (a) => isoTime(a.resolvedAt), 20),
      col<Alert>(lang, "assignee", (a) => names.name(a.assigneeId)),
      col<Alert>(lang, "firings", (a) => a.firingCount, 8),
      col<Alert>(
        lang,
        "labels",
        (a) => Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(" "),
        40,
      ),
    ],
  };
}

async function* from<R>(items: R[]): AsyncGenerator<R> {
  yield* items;
}

/** One alert's timeline (already read and allowed by the caller), oldest first. */
export async function timelineTable(
  kv: Deno.Kv,
  alert: Alert,
  timeline: TimelineEntry[],
  lang: Lang,
): Promise<ExportTable<TimelineEntry>> {
  const names = nameCache(kv);
  await names.load(timeline.map((t) => t.by));
  return {
    name: `alert-${alert.id}-timeline`,
    rows: from(timeline),
    columns: [
      col<TimelineEntry>(lang, "at", (t) => isoTime(t.at), 20),
      col<TimelineEntry>(lang, "kind", (t) => t.kind, 14),
      col<TimelineEntry>(lang, "by", (t) => names.name(t.by)),
      col<TimelineEntry>(lang, "via", (t) => t.via),
      col<TimelineEntry>(lang, "note", (t) => t.note ?? "", 40),
      col<TimelineEntry>(lang, "detail", (t) => t.detail ? JSON.stringify(t.detail) : "", 40),
    ],
  };
}

/** One alert's delivery log (personal notifications and their attempts). */
export async function deliveriesTable(
  kv: Deno.Kv,
  alert: Alert,
  deliveries: Delivery[],
  lang: Lang,
): Promise<ExportTable<Delivery>> {
  const names = nameCache(kv);
  await names.load(deliveries.map((d) => d.userId));
  return {
    name: `alert-${alert.id}-deliveries`,
    rows: from(deliveries),
    columns: [
      col<Delivery>(lang, "created", (d) => isoTime(d.createdAt), 20),
      col<Delivery>(lang, "user", (d) => names.name(d.userId)),
      col<Delivery>(lang, "channel", (d) => d.channel),
      col<Delivery>(lang, "to", (d) => d.to),
      col<Delivery>(lang, "status", (d) => d.status),
      col<Delivery>(lang, "reason", (d) => d.reason ?? ""),
      col<Delivery>(lang, "attempts", (d) => d.attempts.length, 8),
      col<Delivery>(lang, "lastAttempt", (d) => {
        const a = d.attempts.at(-1);
        return a ? `${a.provider}: ${a.ok ? "ok" : "failed"} ${a.detail}` : "";
      }, 40),
    ],
  };
}

/**
 * The search hits `user` may see for `q`, newest first, page after page (the export's row limit
 * stops it). The first page is read here, so that a bad filter (a conversation or team that is
 * not the caller's) is an error answer rather than a broken download.
 */
export async function searchTable(
  deps: Deps,
  user: User,
  q: Omit<SearchQuery, "cursor" | "limit">,
  lang: Lang,
): Promise<ExportTable<SearchHit>> {
  const names = nameCache(deps.kv);
  const page = async (cursor: string | null) => {
    const p = await search(deps, user, {
      ...q,
      cursor: cursor ?? undefined,
      limit: SEARCH_EXPORT_PAGE,
    });
    await names.load(p.items.map((h) => h.senderId));
    return p;
  };
  const first = await page(null);
  return {
    name: "search",
    rows: paged<SearchHit, string>((cursor) =>
      cursor === null ? Promise.resolve(first) : page(cursor)
    ),
    columns: [
      col<SearchHit>(lang, "at", (h) => isoTime(h.at), 20),
      col<SearchHit>(lang, "kind", (h) => h.alert?.note ? "note" : h.kind, 8),
      col<SearchHit>(lang, "conversation", (h) => h.conversationTitle, 24),
      col<SearchHit>(lang, "sender", (h) => names.name(h.senderId)),
      col<SearchHit>(lang, "alertTitle", (h) => h.alert?.title ?? "", 32),
      col<SearchHit>(lang, "alertStatus", (h) => h.alert?.status ?? "", 14),
      col<SearchHit>(lang, "priority", (h) => h.alert?.priority ?? "", 8),
      col<SearchHit>(lang, "excerpt", (h) => h.excerpt, 60),
    ],
  };
}

/** The audit log with a filter, newest first (the whole log: no scan cap). */
export function auditTable(kv: Deno.Kv, filter: AuditFilter, lang: Lang): ExportTable<AuditEntry> {
  async function* rows(): AsyncGenerator<AuditEntry> {
    for await (const r of scanAudit(kv, filter)) if ("entry" in r) yield r.entry;
  }
  return {
    name: "audit",
    rows: rows(),
    columns: [
      col<AuditEntry>(lang, "seq", (e) => e.seq, 8),
      col<AuditEntry>(lang, "at", (e) => isoTime(e.at), 20),
      col<AuditEntry>(lang, "actor", (e) => e.actorName || e.actorId || ""),
      col<AuditEntry>(lang, "action", (e) => e.action, 20),
      col<AuditEntry>(lang, "target", (e) => e.target ? `${e.target.type}:${e.target.id}` : "", 30),
      col<AuditEntry>(lang, "ok", (e) => e.ok, 6),
      col<AuditEntry>(lang, "ip", (e) => e.ip ?? ""),
      col<AuditEntry>(lang, "ua", (e) => e.userAgent ?? "", 30),
      col<AuditEntry>(lang, "detail", (e) => e.detail ? JSON.stringify(e.detail) : "", 40),
      col<AuditEntry>(lang, "hash", (e) => e.hash, 20),
    ],
  };
}
