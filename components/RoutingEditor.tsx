import type { Translate } from "../client/i18n.ts";
import type { Route } from "../lib/protocol.ts";
import { MatcherEditor } from "./MatcherEditor.tsx";

export const PRIORITIES = ["urgent", "high", "medium", "low"] as const;

export interface NamedItem {
  id: string;
  name: string;
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
  const set = (i: number, patch: Partial<Route>) =>
    props.onChange(routes.map((r, j) => j === i ? { ...r, ...patch } : r));
  const move = (i: number, by: number) => {
    const next = [...routes];
    [next[i], next[i + by]] = [next[i + by], next[i]];
    props.onChange(next);
  };
  const policyName = (id: string | null | undefined) =>
    props.policies.find((p) => p.id === id)?.name ?? t("rules_wholeTeam");
  return (
    <section aria-label={t("rules_routing")}>
      <p class="muted">{t("rules_routingHelp")}</p>
      {routes.length === 0 && <p class="empty">{t("rules_noRoutes")}</p>}
      <ol class="route-list">
        {routes.map((r, i) => {
          const matcherErrors = new Map<number, string>();
          for (const [k, v] of props.errors) {
            const [ri, mi] = k.split("/");
            if (Number(ri) === i && mi !== undefined) matcherErrors.set(Number(mi), v);
          }
          return (
            <li key={i} class="route-card" data-testid="route-rule" data-name={r.name}>
              <div class="route-head">
                <span class="route-no">{i + 1}</span>
                <input
                  aria-label={t("rules_ruleName")}
                  value={r.name}
                  disabled={!canManage}
                  required
                  onInput={(e) => set(i, { name: (e.target as HTMLInputElement).value })}
                />
                {canManage && (
                  <span class="row-actions">
                    <button
                      type="button"
                      aria-label={t("rules_moveUp")}
                      title={t("rules_moveUp")}
                      disabled={i === 0}
                      onClick={() => move(i, -1)}
                    >
                      ↑
                    </button>
                    <button
                      type="button"
                      aria-label={t("rules_moveDown")}
                      title={t("rules_moveDown")}
                      disabled={i === routes.length - 1}
                      onClick={() => move(i, 1)}
                    >
                      ↓
                    </button>
                    <button
                      type="button"
                      class="danger"
                      onClick={() => props.onChange(routes.filter((_, j) => j !== i))}
                    >
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
                onChange={(matchers) => set(i, { matchers })}
              />
              <div class="inline-form">
                <label>
                  {t("rules_then")}{" "}
                  <select
                    aria-label={t("rules_policy")}
                    disabled={!canManage}
                    value={r.policyId === undefined ? "" : r.policyId === null ? "-" : r.policyId}
                    onChange={(e) => {
                      const v = (e.target as HTMLSelectElement).value;
                      const next = { ...r };
                      if (v === "") delete next.policyId;
                      else next.policyId = v === "-" ? null : v;
                      props.onChange(routes.map((x, j) => j === i ? next : x));
                    }}
                  >
                    <option value="">
                      {t("rules_teamPolicy", { name: policyName(props.teamPolicy) })}
                    </option>
                    <option value="-">{t("rules_wholeTeam")}</option>
                    {props.policies.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
                  </select>
                </label>
                <label>
                  {t("rules_setPriority")}{" "}
                  <select
                    aria-label={t("rules_setPriority")}
                    disabled={!canManage}
                    value={r.priority ?? ""}
                    onChange={(e) => {
                      const v = (e.target as HTMLSelectElement).value;
                      const next = { ...r };
                      if (v === "") delete next.priority;
                      else next.priority = v as Route["priority"];
                      props.onChange(routes.map((x, j) => j === i ? next : x));
                    }}
                  >
                    <option value="">{t("rules_keepPriority")}</option>
                    {PRIORITIES.map((p) => (
                      <option key={p} value={p}>{t(`rules_prio_${p}`)}</option>
                    ))}
                  </select>
                </label>
                <label>
                  <input
                    type="checkbox"
                    disabled={!canManage}
                    checked={r.assign === "least-busy"}
                    onChange={(e) => {
                      const next = { ...r };
                      if ((e.target as HTMLInputElement).checked) next.assign = "least-busy";
                      else delete next.assign;
                      props.onChange(routes.map((x, j) => j === i ? next : x));
                    }}
                  />{" "}
                  {t("rules_leastBusy")}
                </label>
              </div>
              {props.errors.has(String(i)) && (
                <p class="error" role="alert">{props.errors.get(String(i))}</p>
              )}
            </li>
          );
        })}
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
