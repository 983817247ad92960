import type { Translate } from "../client/i18n.ts";
import type { Route } from "../lib/protocol.ts";
import { MatcherEditor } from "./MatcherEditor.tsx";
import { moved, without } from "./OrderedList.tsx";

export const PRIORITIES = ["urgent", "high", "medium", "low"] as const;

export interface NamedItem {
  id: string;
  name: string;
}

/** A route's outcome: which escalation policy, which priority, and whom to assign. */
function RouteOutcome(props: {
  t: Translate;
  route: Route;
  policies: NamedItem[];
  teamPolicyName: string;
  disabled: boolean;
  onChange: (next: Route) => void;
}) {
  const { t, route: r, disabled } = props;
  /** A copy of the route with `key` set to `v`, or without it when `v` is undefined. */
  const change = <K extends keyof Route>(key: K, v: Route[K] | undefined) => {
    const next = { ...r };
    if (v === undefined) delete next[key];
    else next[key] = v;
    props.onChange(next);
  };
  const val = (e: Event) => (e.target as HTMLSelectElement).value;
  return (
    <div class="inline-form">
      <label>
        {t("rules_then")}{" "}
        <select
          aria-label={t("rules_policy")}
          disabled={disabled}
          value={r.policyId === undefined ? "" : r.policyId === null ? "-" : r.policyId}
          onChange={(e) => {
            const v = val(e);
            change("policyId", v === "" ? undefined : v === "-" ? null : v);
          }}
        >
          <option value="">{t("rules_teamPolicy", { name: props.teamPolicyName })}</option>
          <option value="-">{t("rules_wholeTeam")}</option>
          {props.policies.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
        </select>
      </label>
      <label>
        {t("rules_setPriority")}{" "}
        <select
          aria-label={t("rules_setPriority")}
          disabled={disabled}
          value={r.priority ?? ""}
          onChange={(e) => change("priority", (val(e) || undefined) as Route["priority"])}
        >
          <option value="">{t("rules_keepPriority")}</option>
          {PRIORITIES.map((p) => <option key={p} value={p}>{t(`rules_prio_${p}`)}</option>)}
        </select>
      </label>
      <label>
        <input
          type="checkbox"
          disabled={disabled}
          checked={r.assign === "least-busy"}
          onChange={(e) =>
            change("assign", (e.target as HTMLInputElement).checked ? "least-busy" : undefined)}
        />{" "}
        {t("rules_leastBusy")}
      </label>
    </div>
  );
}

/** One routing rule: its number and name, its move/delete buttons, matchers and outcome. */
function RouteCard(props: {
  t: Translate;
  route: Route;
  index: number;
  count: number;
  policies: NamedItem[];
  teamPolicyName: string;
  canManage: boolean;
  errors: Map<string, string>;
  onChange: (next: Route) => void;
  onMove: (by: number) => void;
  onRemove: () => void;
}) {
  const { t, route: r, index: i, canManage } = props;
  const matcherErrors = new Map<number, string>();
  for (const [k, v] of props.errors) {
    const [ri, mi] = k.split("/");
    if (Number(ri) === i && mi !== undefined) matcherErrors.set(Number(mi), v);
  }
  return (
    <li class="route-card" data-testid="route-rule" data-name={r.name}>
      <div class="route-head">
        <span class="route-no">{i + 1}</span>
        <input
          aria-label={t("rules_ruleName")}
          value={r.name}
          disabled={!canManage}
          required
          onInput={(e) => props.onChange({ ...r, name: (e.target as HTMLInputElement).value })}
        />
        {canManage && (
          <span class="row-actions">
            <button
              type="button"
              aria-label={t("rules_moveUp")}
              title={t("rules_moveUp")}
              disabled={i === 0}
              onClick={() => props.onMove(-1)}
            >
              ↑
            </button>
            <button
              type="button"
              aria-label={t("rules_moveDown")}
              title={t("rules_moveDown")}
              disabled={i === props.count - 1}
              onClick={() => props.onMove(1)}
            >
              ↓
            </button>
            <button type="button" class="danger" onClick={props.onRemove}>
              {t("rules_delete")}
            </button>
          </span>
        )}
      </div>
      <MatcherEditor
        t={t}
        name={t("rules_matchers")}
        matchers={r.matchers}
        disabled={!canManage}
        errors={matcherErrors}
        onChange={(matchers) => props.onChange({ ...r, matchers })}
      />
      <RouteOutcome
        t={t}
        route={r}
        policies={props.policies}
        teamPolicyName={props.teamPolicyName}
        disabled={!canManage}
        onChange={props.onChange}
      />
      {props.errors.has(String(i)) && (
        <p class="error" role="alert">{props.errors.get(String(i))}</p>
      )}
    </li>
  );
}

/**
 * The team's routing rules in order (the first whose matchers all match
 * wins), each editable in place, and the default route for the rest.
 * `errors` maps "rule index/matcher index" (or "rule index") to the server's message.
 */
export function RoutingEditor(props: {
  t: Translate;
  routes: Route[];
  policies: NamedItem[];
  teamPolicy: string | null;
  canManage: boolean;
  dirty: boolean;
  errors: Map<string, string>;
  onChange: (next: Route[]) => void;
  onSave: () => void;
  onReset: () => void;
}) {
  const { t, routes, canManage } = props;
  const policyName = (id: string | null | undefined) =>
    props.policies.find((p) => p.id === id)?.name ?? t("rules_wholeTeam");
  return (
    <section aria-label={t("rules_routing")}>
      <p class="muted">{t("rules_routingHelp")}</p>
      {routes.length === 0 && <p class="empty">{t("rules_noRoutes")}</p>}
      <ol class="route-list">
        {routes.map((r, i) => (
          <RouteCard
            key={i}
            t={t}
            route={r}
            index={i}
            count={routes.length}
            policies={props.policies}
            teamPolicyName={policyName(props.teamPolicy)}
            canManage={canManage}
            errors={props.errors}
            onChange={(next) => props.onChange(routes.map((x, j) => j === i ? next : x))}
            onMove={(by) => props.onChange(moved(routes, i, i + by))}
            onRemove={() => props.onChange(without(routes, i))}
          />
        ))}
        <li class="route-card route-default" data-testid="default-route">
          <strong>{t("rules_defaultRoute")}</strong>
          <p class="muted">{t("rules_defaultHelp", { policy: policyName(props.teamPolicy) })}</p>
        </li>
      </ol>
      {canManage && (
        <div class="actions">
          <button
            type="button"
            onClick={() =>
              props.onChange([...routes, {
                name: t("rules_newRuleName", { n: routes.length + 1 }),
                matchers: [{ field: "label", label: "severity", op: "=", value: "critical" }],
              }])}
          >
            + {t("rules_addRoute")}
          </button>
          <span class="grow" />
          {props.dirty && (
            <button type="button" onClick={props.onReset}>{t("rules_discard")}</button>
          )}
          <button type="button" class="primary" disabled={!props.dirty} onClick={props.onSave}>
            {t("rules_saveRouting")}
          </button>
        </div>
      )}
    </section>
  );
}
