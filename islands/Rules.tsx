import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, HttpError } from "../client/api.ts";
import { errorText } from "../client/api_errors.ts";
import { type Lang, useLocale } from "../client/i18n.ts";
import type { AutomationRule, PublicUser, Route } from "../lib/protocol.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import { type NamedItem, RoutingEditor } from "../components/RoutingEditor.tsx";
import { describeMatchers } from "../components/MatcherEditor.tsx";
import { type AutomationDraft, AutomationForm, inputOf } from "../components/AutomationForm.tsx";
import { maskUrl, type RobotDraft, RobotForm, type RobotView } from "../components/RobotForm.tsx";
import { type DryRunResult, DryRunResults } from "../components/DryRunResults.tsx";

export interface RulesProps {
  me: PublicUser;
  lang: Lang;
}

interface Team {
  id: string;
  name: string;
  myRole: "admin" | "member" | null;
}
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
type Tab = "routing" | "automation" | "robots";
const TABS: Tab[] = ["routing", "automation", "robots"];

/**
 * A team's alert rules: routing (ordered, with the default route and a dry
 * run), automation rules, and chat robots. Team admins edit; members read.
 */
export default function Rules(props: RulesProps) {
  const { t, lang } = useLocale(props.lang);
  const teams = useSignal<Team[]>([]);
  const teamId = useSignal("");
  const teamPolicy = useSignal<string | null>(null);
  const tab = useSignal<Tab>("routing");
  const loading = useSignal(true);
  const busy = useSignal(false);
  const error = useSignal("");
  const status = useSignal("");
  // Routing.
  const saved = useSignal<Route[]>([]);
  const draft = useSignal<Route[]>([]);
  const routeErrors = useSignal<Map<string, string>>(new Map());
  const policies = useSignal<NamedItem[]>([]);
  const members = useSignal<NamedItem[]>([]);
  const integrations = useSignal<Integration[]>([]);
  const recent = useSignal<RecentAlert[]>([]);
  const drySource = useSignal<"paste" | "alert">("paste");
  const dry = useSignal<DryRunResult[] | null>(null);
  // Automation and robots.
  const rules = useSignal<AutomationRule[]>([]);
  const editingRule = useSignal<AutomationRule | null | "new">(null);
  const robots = useSignal<RobotView[]>([]);
  const editingRobot = useSignal<RobotView | null | "new">(null);
  const robotResult = useSignal<Record<string, { ok: boolean; detail: string }>>({});

  const team = teams.value.find((x) => x.id === teamId.value);
  const canManage = props.me.role === "admin" || team?.myRole === "admin";

  /** Runs an API call; its error is shown by code. Returns false when it failed. */
  const run = async (f: () => Promise<unknown>, done?: string): Promise<boolean> => {
    error.value = "";
    status.value = "";
    busy.value = true;
    try {
      await f();
      if (done) status.value = done;
      return true;
    } catch (e) {
      error.value = errorText(t, e);
      return false;
    } finally {
      busy.value = false;
    }
  };

  const loadRules = async (id: string) => {
    rules.value = (await api<{ items: AutomationRule[] }>(
      "GET",
      `/api/v1/automation-rules?teamId=${id}`,
    )).items;
  };
  const loadRobots = async (id: string) => {
    robots.value = (await api<{ items: RobotView[] }>("GET", `/api/v1/robots?teamId=${id}`)).items;
  };
  const pickTeam = (id: string) =>
    run(async () => {
      loading.value = true;
      teamId.value = id;
      dry.value = null;
      editingRule.value = null;
      editingRobot.value = null;
      routeErrors.value = new Map();
      try {
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
        members.value = detail.members.map((m) => ({
          id: m.userId,
          name: m.user?.name ?? m.userId,
        }));
        saved.value = routing.routing.routes;
        draft.value = structuredClone(routing.routing.routes);
        policies.value = pol.items;
        integrations.value = ints.items;
        recent.value = alerts.items;
        await Promise.all([loadRules(id), loadRobots(id)]);
      } finally {
        loading.value = false;
      }
    });

  useEffect(() => {
    const fromHash = location.hash.slice(1) as Tab;
    if (TABS.includes(fromHash)) tab.value = fromHash;
    run(async () => {
      teams.value = (await api<{ items: Team[] }>("GET", "/api/v1/teams")).items;
      const wanted = new URLSearchParams(location.search).get("team");
      const first = teams.value.find((x) => x.id === wanted) ?? teams.value[0];
      if (first) await pickTeam(first.id);
      else loading.value = false;
    });
  }, []);

  const dirty = JSON.stringify(saved.value) !== JSON.stringify(draft.value);

  const saveRouting = async () => {
    routeErrors.value = new Map();
    error.value = "";
    status.value = "";
    busy.value = true;
    try {
      const r = await api<{ routing: { routes: Route[] } }>(
        "PUT",
        `/api/v1/teams/${teamId.value}/routing`,
        { routes: draft.value },
      );
      saved.value = r.routing.routes;
      draft.value = structuredClone(r.routing.routes);
      status.value = t("rules_routingSaved");
    } catch (e) {
      // A 400 names the rule (and matcher) at fault: show it there.
      const errs = new Map<string, string>();
      if (e instanceof HttpError && e.code === "invalid_input") {
        for (const part of e.message.split("; ")) {
          const m = /^routes\.(\d+)(?:\.matchers\.(\d+))?[^:]*: (.*)$/.exec(part);
          const named = /^route (.+?): (.*)$/.exec(part);
          if (m) errs.set(m[2] === undefined ? m[1] : `${m[1]}/${m[2]}`, m[3]);
          else if (named) {
            const i = draft.value.findIndex((r) => r.name === named[1]);
            if (i >= 0) errs.set(String(i), named[2]);
          }
        }
      }
      routeErrors.value = errs;
      error.value = errorText(t, e);
    } finally {
      busy.value = false;
    }
  };

  const dryRun = (f: FormData) =>
    run(async () => {
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

  const saveRule = (d: AutomationDraft) => {
    const current = editingRule.value;
    return run(async () => {
      const body = { ...inputOf(d), teamId: teamId.value };
      if (current && current !== "new") {
        await api("PUT", `/api/v1/automation-rules/${current.id}`, body);
      } else await api("POST", "/api/v1/automation-rules", body);
      editingRule.value = null;
      await loadRules(teamId.value);
    }, t("rules_saved"));
  };

  const saveRobot = (d: RobotDraft) => {
    const current = editingRobot.value;
    return run(async () => {
      const body = {
        name: d.name,
        kind: d.kind,
        ...(d.url ? { url: d.url } : {}),
        ...(d.secret ? { secret: d.secret } : {}),
      };
      if (current && current !== "new") await api("PUT", `/api/v1/robots/${current.id}`, body);
      else await api("POST", "/api/v1/robots", { ...body, teamId: teamId.value });
      editingRobot.value = null;
      await loadRobots(teamId.value);
    }, t("rules_saved"));
  };

  const policyName = (id: string | null) =>
    policies.value.find((p) => p.id === id)?.name ?? t("rules_wholeTeam");
  const whenText = (r: AutomationRule) => {
    const w = r.when;
    const base = w.firedAtLeast
      ? t("rules_firedText", { n: w.firedAtLeast.count, m: w.firedAtLeast.withinMinutes })
      : t("rules_unackText", { m: w.unacknowledgedForMinutes ?? 0 });
    const prios = w.priorities?.length
      ? ` · ${w.priorities.map((p) => t(`rules_prio_${p}`)).join("/")}`
      : "";
    return base + prios + (w.matchers?.length ? ` · ${describeMatchers(t, w.matchers)}` : "");
  };
  const actionText = (r: AutomationRule) =>
    r.actions.map((a) => {
      if (a.type === "escalate") return t("rules_actText_escalate", { n: a.level + 1 });
      if (a.type === "priority") {
        return t("rules_actText_priority", { p: t(`rules_prio_${a.priority}`) });
      }
      if (a.type === "notify") {
        return t("rules_actText_notify", {
          who: members.value.find((m) => m.id === a.userId)?.name ?? t("rules_aConversation"),
        });
      }
      return t("rules_actText_webhook", { url: maskUrl(a.url) });
    }).join(", ");
  const when = (ms: number | null) =>
    ms === null ? t("rules_never") : new Date(ms).toLocaleString(lang === "zh" ? "zh-CN" : "en");

  return (
    <div class="admin rules-page">
      <AdminNav t={t} me={props.me} current="rules" />
      <main class="admin-main">
        <h1>{t("rules_title")}</h1>
        {error.value && <p class="error" role="alert">{error.value}</p>}
        {status.value && <p class="ok" role="status">{status.value}</p>}
        {!loading.value && teams.value.length === 0 && <p class="empty">{t("rules_noTeams")}</p>}
        {teams.value.length > 0 && (
          <p class="inline-form">
            <label>
              {t("teams")}{" "}
              <select
                name="team"
                value={teamId.value}
                onChange={(e) => pickTeam((e.target as HTMLSelectElement).value)}
              >
                {teams.value.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
              </select>
            </label>
            {!canManage && team && <span class="muted">{t("rules_readOnly")}</span>}
          </p>
        )}
        {teams.value.length > 0 && (
          <div class="tabs" role="tablist">
            {TABS.map((x) => (
              <button
                key={x}
                type="button"
                role="tab"
                aria-selected={tab.value === x}
                onClick={() => {
                  tab.value = x;
                  history.replaceState(null, "", "#" + x);
                }}
              >
                {t(`rules_tab_${x}`)}
              </button>
            ))}
          </div>
        )}
        {loading.value && <p class="muted" aria-busy="true">{t("rules_loading")}</p>}

        {!loading.value && team && tab.value === "routing" && (
          <>
            <RoutingEditor
              t={t}
              routes={draft.value}
              policies={policies.value}
              teamPolicy={teamPolicy.value}
              canManage={canManage}
              dirty={dirty}
              errors={routeErrors.value}
              onChange={(next) => draft.value = next}
              onSave={saveRouting}
              onReset={() => {
                draft.value = structuredClone(saved.value);
                routeErrors.value = new Map();
              }}
            />
            <h2>{t("rules_dryRun")}</h2>
            <p class="muted">{t("rules_dryRunHelp")}</p>
            {dirty && <p class="muted" role="note">{t("rules_dryRunUnsaved")}</p>}
            {integrations.value.length === 0
              ? <p class="empty">{t("rules_noIntegrations")}</p>
              : (
                <form
                  class="stack"
                  aria-label={t("rules_dryRun")}
                  onSubmit={(e) => {
                    e.preventDefault();
                    dryRun(new FormData(e.target as HTMLFormElement));
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
                    <button type="submit" class="primary" disabled={busy.value}>
                      {t("rules_runDry")}
                    </button>
                  </div>
                </form>
              )}
            {dry.value && (
              <DryRunResults
                t={t}
                results={dry.value}
                policyName={policyName}
              />
            )}
          </>
        )}

        {!loading.value && team && tab.value === "automation" && (
          <section aria-label={t("rules_tab_automation")}>
            <p class="muted">{t("rules_automationHelp")}</p>
            {rules.value.length === 0 && editingRule.value === null && (
              <p class="empty">
                {canManage ? t("rules_noAutomation") : t("rules_noAutomationRead")}
              </p>
            )}
            {rules.value.length > 0 && (
              <ul class="card-list">
                {rules.value.map((r) => (
                  <li
                    key={r.id}
                    class={`rule-card ${r.enabled ? "" : "is-disabled"}`}
                    data-testid="automation-rule"
                    data-name={r.name}
                    data-enabled={String(r.enabled)}
                  >
                    <div class="rule-head">
                      <strong>{r.name}</strong>
                      <span class={`tag ${r.enabled ? "on" : "off"}`}>
                        {r.enabled ? t("rules_on") : t("rules_off")}
                      </span>
                    </div>
                    <p>{t("rules_whenLabel")}: {whenText(r)}</p>
                    <p>{t("rules_thenLabel")}: {actionText(r)}</p>
                    <p class="muted" data-testid="last-fired">
                      {t("rules_lastFired")}: {when(r.lastFiredAt)}
                    </p>
                    {canManage && (
                      <div class="row-actions">
                        <button
                          type="button"
                          onClick={() =>
                            run(async () => {
                              await api("PUT", `/api/v1/automation-rules/${r.id}/enabled`, {
                                enabled: !r.enabled,
                              });
                              await loadRules(teamId.value);
                            }, r.enabled ? t("rules_disabledMsg") : t("rules_enabledMsg"))}
                        >
                          {r.enabled ? t("rules_disable") : t("rules_enable")}
                        </button>
                        <button
                          type="button"
                          onClick={() => editingRule.value = r}
                        >
                          {t("rules_edit")}
                        </button>
                        <button
                          type="button"
                          class="danger"
                          onClick={() => {
                            if (!confirm(t("rules_confirmDelete", { name: r.name }))) {
                              return;
                            }
                            run(async () => {
                              await api("DELETE", `/api/v1/automation-rules/${r.id}`);
                              await loadRules(teamId.value);
                            }, t("rules_deleted"));
                          }}
                        >
                          {t("rules_delete")}
                        </button>
                      </div>
                    )}
                  </li>
                ))}
              </ul>
            )}
            {canManage && editingRule.value === null && (
              <p>
                <button
                  type="button"
                  class="primary"
                  onClick={() => editingRule.value = "new"}
                >
                  + {t("rules_newAutomation")}
                </button>
              </p>
            )}
            {editingRule.value !== null && (
              <AutomationForm
                key={editingRule.value === "new" ? "new" : editingRule.value.id}
                t={t}
                initial={editingRule.value === "new" ? null : editingRule.value}
                members={members.value}
                busy={busy.value}
                onSubmit={saveRule}
                onCancel={() => editingRule.value = null}
              />
            )}
          </section>
        )}

        {!loading.value && team && tab.value === "robots" && (
          <section aria-label={t("rules_tab_robots")}>
            <p class="muted">{t("rules_robotsHelp")}</p>
            {robots.value.length === 0 && editingRobot.value === null && (
              <p class="empty">{canManage ? t("rules_noRobots") : t("rules_noRobotsRead")}</p>
            )}
            {robots.value.length > 0 && (
              <ul class="card-list">
                {robots.value.map((r) => (
                  <li key={r.id} class="rule-card" data-testid="robot" data-name={r.name}>
                    <div class="rule-head">
                      <strong>{r.name}</strong>
                      <span class="tag">{t(`rules_robot_${r.kind}`)}</span>
                    </div>
                    <p class="muted url" data-testid="robot-url">{maskUrl(r.url)}</p>
                    {robotResult.value[r.id] && (
                      <p
                        class={robotResult.value[r.id].ok ? "ok" : "error"}
                        role="status"
                        data-testid="robot-result"
                      >
                        {robotResult.value[r.id].ok
                          ? t("rules_testOk")
                          : t("rules_testFailed", { detail: robotResult.value[r.id].detail })}
                      </p>
                    )}
                    {canManage && (
                      <div class="row-actions">
                        <button
                          type="button"
                          disabled={busy.value}
                          onClick={() =>
                            run(async () => {
                              const { [r.id]: _, ...others } = robotResult.value;
                              robotResult.value = others;
                              const res = await api<{ result: { ok: boolean; detail: string } }>(
                                "POST",
                                `/api/v1/robots/${r.id}/test`,
                              );
                              robotResult.value = { ...robotResult.value, [r.id]: res.result };
                            })}
                        >
                          {t("rules_sendTest")}
                        </button>
                        <button
                          type="button"
                          onClick={() => editingRobot.value = r}
                        >
                          {t("rules_edit")}
                        </button>
                        <button
                          type="button"
                          class="danger"
                          onClick={() => {
                            if (!confirm(t("rules_confirmDelete", { name: r.name }))) {
                              return;
                            }
                            run(async () => {
                              await api("DELETE", `/api/v1/robots/${r.id}`);
                              await loadRobots(teamId.value);
                            }, t("rules_deleted"));
                          }}
                        >
                          {t("rules_delete")}
                        </button>
                      </div>
                    )}
                  </li>
                ))}
              </ul>
            )}
            {canManage && editingRobot.value === null && (
              <p>
                <button
                  type="button"
                  class="primary"
                  onClick={() => editingRobot.value = "new"}
                >
                  + {t("rules_newRobot")}
                </button>
              </p>
            )}
            {editingRobot.value !== null && (
              <RobotForm
                key={editingRobot.value === "new" ? "new" : editingRobot.value.id}
                t={t}
                initial={editingRobot.value === "new" ? null : editingRobot.value}
                busy={busy.value}
                onSubmit={saveRobot}
                onCancel={() => editingRobot.value = null}
              />
            )}
          </section>
        )}
      </main>
    </div>
  );
}
