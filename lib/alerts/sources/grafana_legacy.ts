/**
 * Grafana's legacy (pre-unified, Grafana 7 and earlier dashboards) webhook body: one rule's
 * state, `alerting`, `no_data`, `ok`, `pending` or `paused`, with its evaluated matches.
 */
import { z } from "zod";
import { ApiError } from "../../core/errors.ts";
import { describeIssues } from "../../core/schemas.ts";
import type { AlertEvent, Link } from "../model.ts";
import { addLink, safeUrl } from "./shared.ts";

const Str = z.string().max(20_000);

const LegacySchema = z.looseObject({
  title: Str.optional(),
  ruleId: z.coerce.string().max(64).optional(),
  ruleName: Str.optional(),
  ruleUrl: Str.optional(),
  state: z.string().max(32),
  message: Str.optional(),
  imageUrl: Str.optional(),
  orgId: z.coerce.string().max(64).optional(),
  dashboardId: z.coerce.string().max(64).optional(),
  panelId: z.coerce.string().max(64).optional(),
  tags: z.record(z.string().max(1_000), z.coerce.string().max(2_000)).catch({}).optional(),
  evalMatches: z.array(z.looseObject({
    value: z.unknown().optional(),
    metric: z.string().max(1_000).optional(),
  })).max(1_000).catch([]).optional(),
});

/** A body with no `alerts` list and a legacy rule field is the legacy format. */
export function isLegacyGrafana(json: unknown): json is Record<string, unknown> {
  if (!json || typeof json !== "object" || Array.isArray(json)) return false;
  const o = json as Record<string, unknown>;
  return !Object.hasOwn(o, "alerts") && Object.hasOwn(o, "state") &&
    (Object.hasOwn(o, "ruleId") || Object.hasOwn(o, "ruleName") || Object.hasOwn(o, "evalMatches"));
}

/** A legacy state: alerting and no_data open (or repeat), ok resolves, the rest are notes. */
function actionOf(state: string): AlertEvent["action"] {
  if (state === "alerting" || state === "no_data") return "trigger";
  if (state === "ok") return "resolve";
  return "note";
}

/** The legacy body as one event keyed by the rule (its org, dashboard and panel). */
export function parseLegacyGrafana(json: unknown): Promise<AlertEvent> {
  const r = LegacySchema.safeParse(json);
  if (!r.success) throw new ApiError("invalid_input", describeIssues(r.error));
  const g = r.data;
  const rule = g.ruleId ?? g.ruleName ?? g.title ?? "rule";
  const key = ["legacy", g.orgId ?? "", g.dashboardId ?? "", g.panelId ?? "", rule].join(":");
  const labels: Record<string, string> = { alertname: (g.ruleName ?? g.title ?? "").slice(0, 300) };
  for (const [k, v] of Object.entries(g.tags ?? {}).slice(0, 50)) labels[k.slice(0, 100)] = v;
  const annotations: Record<string, string> = {};
  const matches = (g.evalMatches ?? []).slice(0, 20).map((m) =>
    `${m.metric ?? "value"}=${JSON.stringify(m.value ?? null)}`
  );
  if (matches.length) annotations.values = matches.join(", ").slice(0, 2_000);
  const links: Link[] = [];
  addLink(links, g.ruleUrl, "grafana");
  const src = safeUrl(g.imageUrl);
  // The title carries the state ("[Alerting] CPU"): keep the rule's name, which stays the same.
  const title = g.ruleName || (g.title ?? "").replace(/^\[[^\]]*\]\s*/, "") || "Grafana alert";
  return Promise.resolve({
    key,
    action: actionOf(g.state),
    title: title.slice(0, 300),
    summary: (g.message ?? "").slice(0, 2_000),
    source: "grafana",
    severity: g.tags && Object.hasOwn(g.tags, "severity") ? g.tags.severity : null,
    labels,
    annotations,
    links,
    images: src ? [{ src, alt: title.slice(0, 100) }] : [],
    ...(actionOf(g.state) === "note" ? { note: `Grafana: ${g.state}` } : {}),
  });
}
