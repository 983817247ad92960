import type { Translate } from "../client/i18n.ts";

export interface DryRunResult {
  title: string;
  action: string;
  decision: {
    route: string;
    routeIndex: number | null;
    priority: string;
    policyId: string | null;
    assign: string | null;
  };
  plan: { at: string; kind: string; level: number; names: string[] }[];
}

/** What a dry run found: per alert in the payload, the rule that matched and what would happen. */
export function DryRunResults(props: {
  t: Translate;
  results: DryRunResult[];
  policyName: (id: string | null) => string;
}) {
  const { t } = props;
  if (props.results.length === 0) return <p class="empty">{t("rules_dryNothing")}</p>;
  return (
    <div aria-live="polite">
      {props.results.map((r, i) => {
        const d = r.decision;
        return (
          <section key={i} class="dry-result" aria-label={t("rules_dryResult")}>
            <h3>{r.title}</h3>
            <p data-testid="matched-rule" data-index={d.routeIndex ?? ""}>
              {d.routeIndex === null
                ? t("rules_matchedDefault")
                : t("rules_matchedRule", { n: d.routeIndex + 1, name: d.route })}
            </p>
            <p>
              {t("rules_priorityLabel")}: {t(`rules_prio_${d.priority as "low"}`)} ·{" "}
              {t("rules_policy")}: {props.policyName(d.policyId)}
              {d.assign ? ` · ${t("rules_leastBusy")}` : ""}
            </p>
            <ol class="plan">
              {r.plan.map((s) => (
                <li key={s.at + s.kind + s.level}>
                  <time dateTime={s.at}>{new Date(s.at).toLocaleTimeString()}</time>{" "}
                  {t(`rules_step_${s.kind as "notify"}`)}
                  {s.kind === "reminder"
                    ? ""
                    : ` (${t("rules_levelN", { n: s.level + 1 })}): ${
                      s.names.join(", ") || t("rules_nobody")
                    }`}
                </li>
              ))}
            </ol>
          </section>
        );
      })}
    </div>
  );
}
