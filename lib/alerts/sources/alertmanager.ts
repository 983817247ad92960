/** Alertmanager webhook v4, and Grafana's unified alerting superset of it. */
import { z } from "zod";
import { ApiError } from "../../core/errors.ts";
import { sha256Hex } from "../../core/crypto.ts";
import { describeIssues } from "../../core/schemas.ts";
import type { AlertEvent, AlertItem, Link } from "../model.ts";
import { addLink, parseJson, safeUrl } from "./shared.ts";
import { isLegacyGrafana, parseLegacyGrafana } from "./grafana_legacy.ts";

const Str = z.string().max(20_000);
const StrMap = z.record(z.string().max(1_000), z.coerce.string().max(20_000)).catch({});
const NULL_TIME = "0001-01-01T00:00:00Z";

const AmAlertSchema = z.looseObject({
  /** Absent on some senders' alerts: the group's status is taken then. */
  status: z.enum(["firing", "resolved"]).optional(),
  labels: StrMap,
  annotations: StrMap.optional().default({}),
  startsAt: Str.optional().default(""),
  endsAt: Str.optional().default(""),
  generatorURL: Str.optional().default(""),
  fingerprint: Str.optional(),
  // Grafana's additions.
  values: z.record(z.string(), z.unknown()).nullish(),
  silenceURL: Str.nullish(),
  dashboardURL: Str.nullish(),
  panelURL: Str.nullish(),
  imageURL: Str.nullish(),
});

const AmPayloadSchema = z.looseObject({
  receiver: Str.optional(),
  status: z.enum(["firing", "resolved"]),
  alerts: z.array(AmAlertSchema).min(1).max(1_000),
  groupLabels: StrMap.optional().default({}),
  commonLabels: StrMap.optional().default({}),
  commonAnnotations: StrMap.optional().default({}),
  externalURL: Str.optional().default(""),
  groupKey: Str.optional(),
  // Grafana's additions.
  title: Str.optional(),
  message: Str.optional(),
  state: Str.optional(),
  orgId: z.number().optional(),
});

/** Alertmanager webhook v4 (and Grafana's superset of it): one event per group. */
export async function parseAlertmanager(body: string, grafana: boolean): Promise<AlertEvent[]> {
  const json = parseJson(body);
  if (grafana && isLegacyGrafana(json)) return [await parseLegacyGrafana(json)];
  const r = AmPayloadSchema.safeParse(json);
  if (!r.success) throw new ApiError("invalid_input", describeIssues(r.error));
  const p = r.data;
  const items: AlertItem[] = p.alerts.map((a) => ({
    fingerprint: a.fingerprint ?? JSON.stringify(Object.entries(a.labels).sort()),
    status: a.status ?? p.status,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.startsAt,
    endsAt: a.endsAt && a.endsAt !== NULL_TIME ? a.endsAt : null,
    ...(a.generatorURL ? { generatorURL: a.generatorURL } : {}),
    ...(a.values ? { values: a.values } : {}),
  }));
  const groupKey = p.groupKey ?? JSON.stringify(Object.entries(p.groupLabels).sort());
  const first = p.alerts[0];
  const labels = Object.keys(p.commonLabels).length ? p.commonLabels : first.labels;
  const annotations = Object.keys(p.commonAnnotations).length
    ? p.commonAnnotations
    : first.annotations;
  const alertname = labels.alertname ?? p.groupLabels.alertname ?? "alert";
  const title = p.title && grafana
    ? p.title
    : `${alertname}${
      Object.entries(p.groupLabels).filter(([k]) => k !== "alertname").map(([, v]) => ` ${v}`).join(
        "",
      )
    }`;
  const summary = annotations.summary ?? annotations.description ?? first.annotations.summary ??
    (grafana ? p.message ?? "" : "");
  const links: Link[] = [];
  for (const a of p.alerts) {
    addLink(links, a.annotations.runbook_url, "runbook");
    addLink(links, a.generatorURL, "source");
    addLink(links, a.silenceURL, "silence");
    addLink(links, a.dashboardURL, "dashboard");
    addLink(links, a.panelURL, "panel");
  }
  if (!grafana && p.externalURL) addLink(links, p.externalURL, "alertmanager");
  const images = p.alerts.flatMap((a) => {
    const src = safeUrl(a.imageURL);
    return src ? [{ src, alt: a.labels.alertname ?? "graph" }] : [];
  });
  const severities = p.alerts.map((a) => a.labels.severity ?? "").filter(Boolean);
  const state = items.map((i) => `${i.fingerprint}|${i.status}|${i.startsAt}|${i.endsAt}`).sort()
    .join(";");
  return [{
    key: "group:" + groupKey,
    action: "group",
    title: title.slice(0, 300),
    summary: summary.slice(0, 2_000),
    source: grafana ? "grafana" : "alertmanager",
    severity: severities.length ? severities.sort(bySeverity)[0] : null,
    labels,
    annotations,
    links,
    images,
    items,
    deliveryKey: await sha256Hex(groupKey + "\n" + state),
  }];
}

const SEVERITY_RANK = ["critical", "p1", "error", "high", "p2", "warning", "p3", "info", "low"];
function bySeverity(a: string, b: string): number {
  const ra = SEVERITY_RANK.indexOf(a.toLowerCase());
  const rb = SEVERITY_RANK.indexOf(b.toLowerCase());
  return (ra < 0 ? 99 : ra) - (rb < 0 ? 99 : rb);
}
