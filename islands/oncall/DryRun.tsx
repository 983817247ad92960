import { useSignal } from "@preact/signals";
import { api } from "../../client/api.ts";
import type { Translate } from "../../client/i18n.ts";
import { priorityLabel, stepLabel } from "../../client/labels.ts";
import { type Integration, local, type Run } from "./Shifts.tsx";

interface Step {
  at: string;
  kind: string;
  level: number;
  names: string[];
}

type DryResult = { route: string; priority: string; plan: Step[] };

/** The routing dry run: a sample payload for an integration, at an optional time. */
function DryRunForm(props: {
  t: Translate;
  teamId: string;
  integrations: Integration[];
  run: Run;
  onResult: (results: DryResult[]) => void;
}) {
  const { t } = props;
  return (
    <form
      class="stack"
      aria-label={t("dryRun")}
      onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.target as HTMLFormElement);
        props.run(async () => {
          const r = await api<
            { results: { decision: { route: string; priority: string }; plan: Step[] }[] }
          >(
            "POST",
            `/api/v1/teams/${props.teamId}/routing/dry-run`,
            {
              integrationId: String(f.get("integration")),
              body: String(f.get("body")),
              ...(f.get("at") ? { at: local(f.get("at")) } : {}),
            },
          );
          props.onResult(r.results.map((x) => ({
            route: x.decision.route,
            priority: x.decision.priority,
            plan: x.plan,
          })));
        });
      }}
    >
      <select name="integration" aria-label={t("integration")}>
        {props.integrations.map((i) => <option key={i.id} value={i.id}>{i.name} ({i.type})
        </option>)}
      </select>
      <textarea
        name="body"
        rows={6}
        required
        aria-label={t("samplePayload")}
        placeholder={t("samplePayload")}
      />
      <label>
        {t("at")} <input type="datetime-local" name="at" />
      </label>
      <button type="submit" class="primary">{t("dryRun")}</button>
    </form>
  );
}

/** What the dry run decided: the route, the priority, and who would be paged when. */
function DryRunResult(props: { t: Translate; result: DryResult }) {
  const { t, result: r } = props;
  return (
    <section class="dry-result" aria-label={t("dryRun")}>
      <p>
        {t("route")}: <strong data-testid="route">{r.route}</strong> · {t("priority")}:{" "}
        {priorityLabel(t, r.priority)}
      </p>
      <ol>
        {r.plan.map((s) => (
          <li key={s.at + s.kind}>
            {new Date(s.at).toLocaleString()} — {stepLabel(t, s.kind)}
            {s.kind === "reminder" ? "" : ` (${t("level")} ${s.level + 1}): ${s.names.join(", ")}`}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** The routing dry run's heading, form and results. */
export function DryRunSection(props: {
  t: Translate;
  teamId: string;
  integrations: Integration[];
  run: Run;
}) {
  const { t } = props;
  const dry = useSignal<DryResult[] | null>(null);
  return (
    <>
      <h2>{t("dryRun")}</h2>
      <p class="muted">{t("dryRunHelp")}</p>
      <DryRunForm
        t={t}
        teamId={props.teamId}
        integrations={props.integrations}
        run={props.run}
        onResult={(r) => dry.value = r}
      />
      {dry.value && dry.value.map((r, i) => <DryRunResult key={i} t={t} result={r} />)}
    </>
  );
}
