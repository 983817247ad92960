import { type Signal, useSignal } from "@preact/signals";
import { api, HttpError } from "../../client/api.ts";
import { errorText } from "../../client/api_errors.ts";
import type { PublicUser, Route } from "../../lib/protocol.ts";
import { type NamedItem, RoutingEditor } from "../../components/RoutingEditor.tsx";
import { type DryRunResult, DryRunResults } from "../../components/DryRunResults.tsx";
import type { RulesUi } from "./ui.ts";

interface Integration {
  id: string;
  name: string;
  type: string;
}
interface RecentAlert {
  id: string;
  title: string;
  priority: string;
  createdAt: number;
}

/** A 400 names the rule (and matcher) at fault: "0" or "0/1" to the message shown there. */
function routeErrorsOf(e: unknown, draft: Route[]): Map<string, string> {
  const errs = new Map<string, string>();
  if (!(e instanceof HttpError) || e.code !== "invalid_input") return errs;
  for (const part of e.message.split("; ")) {
    const m = /^routes\.(\d+)(?:\.matchers\.(\d+))?[^:]*: (.*)$/.exec(part);
    const named = /^route (.+?): (.*)$/.exec(part);
    if (m) errs.set(m[2] === undefined ? m[1] : `${m[1]}/${m[2]}`, m[3]);
    else if (named) {
      const i = draft.findIndex((r) => r.name === named[1]);
      if (i >= 0) errs.set(String(i), named[2]);
    }
  }
  return errs;
}

/** The dry run against a team's saved routing: a pasted payload or a recent alert. */
function useDryRun(ui: RulesUi, teamId: Signal<string>) {
  const drySource = useSignal<"paste" | "alert">("paste");
  const dry = useSignal<DryRunResult[] | null>(null);
  const dryRun = (f: FormData) =>
    ui.run(async () => {
      const body = drySource.value === "alert"
        ? { alertId: String(f.get("alert")) }
        : { integrationId: String(f.get("integration")), body: String(f.get("body")) };
      const r = await api<{ results: DryRunResult[] }>(
        "POST",
        `/api/v1/teams/${teamId.value}/routing/dry-run`,
        body,
      );
      dry.value = r.results;
    });

  return { drySource, dry, dryRun };
}

/** A team's routing (saved and being edited), what it can route to, and the dry run. */
export function useRouting(ui: RulesUi) {
  const teamId = useSignal("");
  const teamPolicy = useSignal<string | null>(null);
  const saved = useSignal<Route[]>([]);
  const draft = useSignal<Route[]>([]);
  const errors = useSignal<Map<string, string>>(new Map());
  const policies = useSignal<NamedItem[]>([]);
  const members = useSignal<NamedItem[]>([]);
  const integrations = useSignal<Integration[]>([]);
  const recent = useSignal<RecentAlert[]>([]);
  const { drySource, dry, dryRun } = useDryRun(ui, teamId);
  const setSaved = (routes: Route[]) => {
    saved.value = routes;
    draft.value = structuredClone(routes);
  };

  const load = async (id: string) => {
    teamId.value = id;
    dry.value = null;
    errors.value = new Map();
    const [detail, routing, pol, ints, alerts] = await Promise.all([
      api<
        {
          team: { escalationPolicyId?: string };
          members: { userId: string; user: PublicUser | null }[];
        }
      >("GET", `/api/v1/teams/${id}`),
      api<{ routing: { routes: Route[] } }>("GET", `/api/v1/teams/${id}/routing`),
      api<{ items: NamedItem[] }>("GET", `/api/v1/escalation-policies?teamId=${id}`),
      api<{ items: Integration[] }>("GET", `/api/v1/integrations?teamId=${id}`),
      api<{ items: RecentAlert[] }>("GET", `/api/v1/alerts?teamId=${id}&limit=20`),
    ]);
    teamPolicy.value = detail.team.escalationPolicyId ?? null;
    members.value = detail.members.map((m) => ({ id: m.userId, name: m.user?.name ?? m.userId }));
    setSaved(routing.routing.routes);
    policies.value = pol.items;
    integrations.value = ints.items;
    recent.value = alerts.items;
  };

  const save = async () => {
    const { t, busy, error, status } = ui;
    errors.value = new Map();
    error.value = "";
    status.value = "";
    busy.value = true;
    try {
      const r = await api<{ routing: { routes: Route[] } }>(
        "PUT",
        `/api/v1/teams/${teamId.value}/routing`,
        { routes: draft.value },
      );
      setSaved(r.routing.routes);
      status.value = t("rules_routingSaved");
    } catch (e) {
      errors.value = routeErrorsOf(e, draft.value);
      error.value = errorText(t, e);
    } finally {
      busy.value = false;
    }
  };

  return {
    teamPolicy,
    saved,
    draft,
    errors,
    policies,
    members,
    integrations,
    recent,
    drySource,
    dry,
    load,
    save,
    dryRun,
  };
}

export type Routing = ReturnType<typeof useRouting>;

/** The dry run's form: a pasted payload for one of the team's integrations, or a recent alert. */
function DryRunForm(props: { ui: RulesUi; routing: Routing }) {
  const { ui: { t }, routing: { drySource, integrations, recent } } = props;
  return (
    <form
      class="stack"
      aria-label={t("rules_dryRun")}
      onSubmit={(e) => {
        e.preventDefault();
        props.routing.dryRun(new FormData(e.target as HTMLFormElement));
      }}
    >
      <div class="inline-form" role="radiogroup" aria-label={t("rules_drySource")}>
        <label>
          <input
            type="radio"
            name="source"
            value="paste"
            checked={drySource.value === "paste"}
            onChange={() => drySource.value = "paste"}
          />{" "}
          {t("rules_dryPaste")}
        </label>
        <label>
          <input
            type="radio"
            name="source"
            value="alert"
            disabled={recent.value.length === 0}
            checked={drySource.value === "alert"}
            onChange={() => drySource.value = "alert"}
          />{" "}
          {t("rules_dryAlert")}
        </label>
      </div>
      {drySource.value === "paste"
        ? (
          <>
            <select name="integration" aria-label={t("rules_integration")}>
              {integrations.value.map((i) => (
                <option key={i.id} value={i.id}>{i.name} ({i.type})</option>
              ))}
            </select>
            <textarea
              name="body"
              rows={8}
              required
              aria-label={t("rules_payload")}
              placeholder={t("rules_payloadHint")}
            />
          </>
        )
        : (
          <select name="alert" aria-label={t("rules_recentAlert")}>
            {recent.value.map((a) => (
              <option key={a.id} value={a.id}>
                [{t(`rules_prio_${a.priority as "low"}`)}] {a.title}
              </option>
            ))}
          </select>
        )}
      <div class="actions">
        <button type="submit" class="primary" disabled={props.ui.busy.value}>
          {t("rules_runDry")}
        </button>
      </div>
    </form>
  );
}

/** The routing tab: the ordered rules with the default route, then the dry run. */
export function RoutingTab(props: { ui: RulesUi; canManage: boolean; routing: Routing }) {
  const { ui: { t }, routing } = props;
  const { saved, draft, errors, policies } = routing;
  const dirty = JSON.stringify(saved.value) !== JSON.stringify(draft.value);
  const policyName = (id: string | null) =>
    policies.value.find((p) => p.id === id)?.name ?? t("rules_wholeTeam");
  return (
    <>
      <RoutingEditor
        t={t}
        routes={draft.value}
        policies={policies.value}
        teamPolicy={routing.teamPolicy.value}
        canManage={props.canManage}
        dirty={dirty}
        errors={errors.value}
        onChange={(next) => draft.value = next}
        onSave={routing.save}
        onReset={() => {
          draft.value = structuredClone(saved.value);
          errors.value = new Map();
        }}
      />
      <h2>{t("rules_dryRun")}</h2>
      <p class="muted">{t("rules_dryRunHelp")}</p>
      {dirty && <p class="muted" role="note">{t("rules_dryRunUnsaved")}</p>}
      {routing.integrations.value.length === 0
        ? <p class="empty">{t("rules_noIntegrations")}</p>
        : <DryRunForm ui={props.ui} routing={routing} />}
      {routing.dry.value && (
        <DryRunResults t={t} results={routing.dry.value} policyName={policyName} />
      )}
    </>
  );
}
