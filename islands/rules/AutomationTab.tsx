import { useSignal } from "@preact/signals";
import { api } from "../../client/api.ts";
import type { Translate } from "../../client/i18n.ts";
import type { AutomationRule } from "../../lib/protocol.ts";
import { type AutomationDraft, AutomationForm, inputOf } from "../../components/AutomationForm.tsx";
import { describeMatchers } from "../../components/MatcherEditor.tsx";
import { maskUrl } from "../../components/RobotForm.tsx";
import type { NamedItem } from "../../components/RoutingEditor.tsx";
import { confirmDelete, type RulesUi } from "./ui.ts";

/** A team's automation rules and the one being edited. */
export function useAutomation(ui: RulesUi) {
  const teamId = useSignal("");
  const rules = useSignal<AutomationRule[]>([]);
  const editing = useSignal<AutomationRule | null | "new">(null);
  const load = async (id: string) => {
    teamId.value = id;
    rules.value = (await api<{ items: AutomationRule[] }>(
      "GET",
      `/api/v1/automation-rules?teamId=${id}`,
    )).items;
  };
  const save = (d: AutomationDraft) => {
    const current = editing.value;
    return ui.run(async () => {
      const body = { ...inputOf(d), teamId: teamId.value };
      if (current && current !== "new") {
        await api("PUT", `/api/v1/automation-rules/${current.id}`, body);
      } else await api("POST", "/api/v1/automation-rules", body);
      editing.value = null;
      await load(teamId.value);
    }, ui.t("rules_saved"));
  };
  const toggle = (r: AutomationRule) =>
    ui.run(async () => {
      await api("PUT", `/api/v1/automation-rules/${r.id}/enabled`, { enabled: !r.enabled });
      await load(teamId.value);
    }, r.enabled ? ui.t("rules_disabledMsg") : ui.t("rules_enabledMsg"));
  const remove = (r: AutomationRule) =>
    confirmDelete(ui, r.name, async () => {
      await api("DELETE", `/api/v1/automation-rules/${r.id}`);
      await load(teamId.value);
    });
  return { rules, editing, load, save, toggle, remove };
}

export type Automation = ReturnType<typeof useAutomation>;

/** A rule's trigger in words: "unacknowledged for 15 min · Urgent · env = prod". */
function whenText(t: Translate, r: AutomationRule): string {
  const w = r.when;
  const base = w.firedAtLeast
    ? t("rules_firedText", { n: w.firedAtLeast.count, m: w.firedAtLeast.withinMinutes })
    : t("rules_unackText", { m: w.unacknowledgedForMinutes ?? 0 });
  const prios = w.priorities?.length
    ? ` · ${w.priorities.map((p) => t(`rules_prio_${p}`)).join("/")}`
    : "";
  return base + prios + (w.matchers?.length ? ` · ${describeMatchers(t, w.matchers)}` : "");
}

/** A rule's actions in words, in order. */
function actionText(t: Translate, r: AutomationRule, members: NamedItem[]): string {
  return r.actions.map((a) => {
    if (a.type === "escalate") return t("rules_actText_escalate", { n: a.level + 1 });
    if (a.type === "priority") {
      return t("rules_actText_priority", { p: t(`rules_prio_${a.priority}`) });
    }
    if (a.type === "notify") {
      return t("rules_actText_notify", {
        who: members.find((m) => m.id === a.userId)?.name ?? t("rules_aConversation"),
      });
    }
    return t("rules_actText_webhook", { url: maskUrl(a.url) });
  }).join(", ");
}

/** One automation rule in words, with its on/off tag, last firing and a manager's buttons. */
function RuleCard(props: {
  ui: RulesUi;
  rule: AutomationRule;
  members: NamedItem[];
  canManage: boolean;
  automation: Automation;
}) {
  const { ui: { t, lang }, rule: r, automation } = props;
  const when = (ms: number | null) =>
    ms === null ? t("rules_never") : new Date(ms).toLocaleString(lang === "zh" ? "zh-CN" : "en");
  return (
    <li
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
      <p>{t("rules_whenLabel")}: {whenText(t, r)}</p>
      <p>{t("rules_thenLabel")}: {actionText(t, r, props.members)}</p>
      <p class="muted" data-testid="last-fired">
        {t("rules_lastFired")}: {when(r.lastFiredAt)}
      </p>
      {props.canManage && (
        <div class="row-actions">
          <button type="button" onClick={() => automation.toggle(r)}>
            {r.enabled ? t("rules_disable") : t("rules_enable")}
          </button>
          <button type="button" onClick={() => automation.editing.value = r}>
            {t("rules_edit")}
          </button>
          <button type="button" class="danger" onClick={() => automation.remove(r)}>
            {t("rules_delete")}
          </button>
        </div>
      )}
    </li>
  );
}

/** The automation tab: the team's rules as cards, and the rule form. */
export function AutomationTab(props: {
  ui: RulesUi;
  canManage: boolean;
  members: NamedItem[];
  automation: Automation;
}) {
  const { ui, canManage, automation: { rules, editing } } = props;
  const { t } = ui;
  return (
    <section aria-label={t("rules_tab_automation")}>
      <p class="muted">{t("rules_automationHelp")}</p>
      {rules.value.length === 0 && editing.value === null && (
        <p class="empty">
          {canManage ? t("rules_noAutomation") : t("rules_noAutomationRead")}
        </p>
      )}
      {rules.value.length > 0 && (
        <ul class="card-list">
          {rules.value.map((r) => (
            <RuleCard
              key={r.id}
              ui={ui}
              rule={r}
              members={props.members}
              canManage={canManage}
              automation={props.automation}
            />
          ))}
        </ul>
      )}
      {canManage && editing.value === null && (
        <p>
          <button type="button" class="primary" onClick={() => editing.value = "new"}>
            + {t("rules_newAutomation")}
          </button>
        </p>
      )}
      {editing.value !== null && (
        <AutomationForm
          key={editing.value === "new" ? "new" : editing.value.id}
          t={t}
          initial={editing.value === "new" ? null : editing.value}
          members={props.members}
          busy={ui.busy.value}
          onSubmit={props.automation.save}
          onCancel={() => editing.value = null}
        />
      )}
    </section>
  );
}
