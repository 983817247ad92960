import { useState } from "preact/hooks";
import { NameField, SaveCancel } from "./FormParts.tsx";
import { SecretField, UrlField } from "./SecretField.tsx";
import type { Translate } from "../client/i18n.ts";
import type { AutomationAction, AutomationRule, Matcher } from "../lib/protocol.ts";
import { MatcherEditor } from "./MatcherEditor.tsx";
import { type NamedItem, PRIORITIES } from "./RoutingEditor.tsx";

type Priority = typeof PRIORITIES[number];
/** An action as the form holds it: a webhook's secret may be empty (keep the saved one). */
type DraftAction =
  | Exclude<AutomationAction, { type: "webhook" }>
  | { type: "webhook"; url: string; secret: string };

export interface AutomationDraft {
  name: string;
  enabled: boolean;
  trigger: "unack" | "fired";
  minutes: number;
  count: number;
  priorities: Priority[];
  matchers: Matcher[];
  actions: DraftAction[];
}

export function draftOf(r: AutomationRule | null): AutomationDraft {
  if (!r) {
    return {
      name: "",
      enabled: true,
      trigger: "unack",
      minutes: 15,
      count: 3,
      priorities: [],
      matchers: [],
      actions: [{ type: "escalate", level: 1 }],
    };
  }
  const fired = r.when.firedAtLeast;
  return {
    name: r.name,
    enabled: r.enabled,
    trigger: fired ? "fired" : "unack",
    minutes: fired ? fired.withinMinutes : r.when.unacknowledgedForMinutes ?? 15,
    count: fired?.count ?? 3,
    priorities: (r.when.priorities ?? []) as Priority[],
    matchers: r.when.matchers ?? [],
    // The API shows a webhook secret as asterisks: empty here means "keep it".
    actions: r.actions.map((a) => a.type === "webhook" ? { ...a, secret: "" } : a),
  };
}

/** The API body for a draft (the island adds teamId). */
export function inputOf(d: AutomationDraft) {
  return {
    name: d.name,
    enabled: d.enabled,
    when: {
      ...(d.trigger === "fired"
        ? { firedAtLeast: { count: d.count, withinMinutes: d.minutes } }
        : { unacknowledgedForMinutes: d.minutes }),
      ...(d.priorities.length ? { priorities: d.priorities } : {}),
      ...(d.matchers.length ? { matchers: d.matchers } : {}),
    },
    actions: d.actions.map((a) =>
      a.type === "webhook" && !a.secret ? { type: "webhook", url: a.url } : a
    ),
  };
}

const ACTION_TYPES = ["escalate", "priority", "notify", "webhook"] as const;

function newAction(type: DraftAction["type"], members: NamedItem[]): DraftAction {
  switch (type) {
    case "escalate":
      return { type, level: 1 };
    case "priority":
      return { type, priority: "urgent" };
    case "notify":
      return { type, userId: members[0]?.id ?? "" };
    case "webhook":
      return { type, url: "https://", secret: "" };
  }
}

/** The "When" part of an automation rule: its trigger and the optional filters. */
function WhenFields(props: {
  t: Translate;
  d: AutomationDraft;
  set: (patch: Partial<AutomationDraft>) => void;
}) {
  const { t, d, set } = props;
  const num = (e: Event) => Number((e.target as HTMLInputElement).value);
  return (
    <fieldset>
      <legend>{t("rules_when")}</legend>
      <div class="inline-form">
        <select
          aria-label={t("rules_trigger")}
          name="trigger"
          value={d.trigger}
          onChange={(e) =>
            set({ trigger: (e.target as HTMLSelectElement).value as AutomationDraft["trigger"] })}
        >
          <option value="unack">{t("rules_trigger_unack")}</option>
          <option value="fired">{t("rules_trigger_fired")}</option>
        </select>
        {d.trigger === "fired" && (
          <label>
            {t("rules_times")}{" "}
            <input
              type="number"
              name="count"
              min={2}
              max={1000}
              value={d.count}
              onInput={(e) => set({ count: num(e) })}
            />
          </label>
        )}
        <label>
          {d.trigger === "fired" ? t("rules_withinMinutes") : t("rules_forMinutes")}{" "}
          <input
            type="number"
            name="minutes"
            min={0.01}
            step="any"
            max={10080}
            value={d.minutes}
            onInput={(e) => set({ minutes: num(e) })}
          />
        </label>
      </div>
      <div class="inline-form" role="group" aria-label={t("rules_onlyPriorities")}>
        <span>{t("rules_onlyPriorities")}</span>
        {PRIORITIES.map((p) => (
          <label key={p}>
            <input
              type="checkbox"
              name={`prio-${p}`}
              checked={d.priorities.includes(p)}
              onChange={(e) =>
                set({
                  priorities: (e.target as HTMLInputElement).checked
                    ? [...d.priorities, p]
                    : d.priorities.filter((x) => x !== p),
                })}
            />{" "}
            {t(`rules_prio_${p}`)}
          </label>
        ))}
      </div>
      <MatcherEditor
        t={t}
        name={t("rules_matchers")}
        matchers={d.matchers}
        onChange={(matchers) => set({ matchers })}
      />
    </fieldset>
  );
}

/** The settings of one action, by its type: a level, a priority, a person or a webhook. */
function ActionSettings(props: {
  t: Translate;
  action: DraftAction;
  members: NamedItem[];
  editing: boolean;
  onChange: (a: DraftAction) => void;
}) {
  const { t, action: a, editing, onChange } = props;
  const num = (e: Event) => Number((e.target as HTMLInputElement).value);
  return (
    <>
      {a.type === "escalate" && (
        <label>
          {t("rules_level")}{" "}
          <input
            type="number"
            min={1}
            max={10}
            value={a.level + 1}
            onInput={(e) => onChange({ ...a, level: num(e) - 1 })}
          />
        </label>
      )}
      {a.type === "priority" && (
        <select
          aria-label={t("rules_setPriority")}
          value={a.priority}
          onChange={(e) =>
            onChange({
              ...a,
              priority: (e.target as HTMLSelectElement).value as Priority,
            })}
        >
          {PRIORITIES.map((p) => <option key={p} value={p}>{t(`rules_prio_${p}`)}</option>)}
        </select>
      )}
      {a.type === "notify" && (
        <select
          aria-label={t("rules_person")}
          value={a.userId ?? ""}
          onChange={(e) =>
            onChange({ type: "notify", userId: (e.target as HTMLSelectElement).value })}
        >
          {a.conversationId && <option value="">{t("rules_aConversation")}</option>}
          {props.members.map((m) => <option key={m.id} value={m.id}>{m.name}</option>)}
        </select>
      )}
      {a.type === "webhook" && (
        <>
          <UrlField
            t={t}
            label={t("rules_webhookUrl")}
            isSet={false}
            value={a.url}
            onInput={(url) => onChange({ ...a, url })}
          />
          <SecretField
            t={t}
            label={t("rules_webhookSecret")}
            isSet={editing}
            hint={t("rules_webhookSecret")}
            minLength={16}
            value={a.secret}
            onInput={(secret) => onChange({ ...a, secret })}
          />
        </>
      )}
    </>
  );
}

/** One action of an automation rule: its type and that type's settings. */
function ActionRow(props: {
  t: Translate;
  action: DraftAction;
  members: NamedItem[];
  editing: boolean;
  onChange: (a: DraftAction) => void;
  onRemove?: () => void;
}) {
  const { t, action: a, onChange } = props;
  return (
    <div class="inline-form action-row" data-testid="action">
      <select
        aria-label={t("rules_actionType")}
        value={a.type}
        onChange={(e) =>
          onChange(
            newAction(
              (e.target as HTMLSelectElement).value as DraftAction["type"],
              props.members,
            ),
          )}
      >
        {ACTION_TYPES.map((x) => <option key={x} value={x}>{t(`rules_action_${x}`)}</option>)}
      </select>
      <ActionSettings
        t={t}
        action={a}
        members={props.members}
        editing={props.editing}
        onChange={onChange}
      />
      {props.onRemove && (
        <button
          type="button"
          class="danger-link"
          aria-label={t("rules_removeAction")}
          onClick={props.onRemove}
        >
          ×
        </button>
      )}
    </div>
  );
}

/** Create or edit an automation rule: a trigger, optional filters, and up to five actions. */
export function AutomationForm(props: {
  t: Translate;
  initial: AutomationRule | null;
  members: NamedItem[];
  busy: boolean;
  onSubmit: (d: AutomationDraft) => void;
  onCancel: () => void;
}) {
  const { t } = props;
  const [d, setD] = useState<AutomationDraft>(() => draftOf(props.initial));
  const set = (patch: Partial<AutomationDraft>) => setD({ ...d, ...patch });
  const setAction = (i: number, a: DraftAction) =>
    set({ actions: d.actions.map((x, j) => j === i ? a : x) });
  const editing = props.initial !== null;
  return (
    <form
      class="stack panel-form"
      aria-label={t("rules_automationForm")}
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit(d);
      }}
    >
      <h3>{editing ? t("rules_editAutomation") : t("rules_newAutomation")}</h3>
      <NameField t={t} value={d.name} onInput={(name) => setD({ ...d, name })} />
      <WhenFields t={t} d={d} set={set} />
      <fieldset>
        <legend>{t("rules_then")}</legend>
        {d.actions.map((a, i) => (
          <ActionRow
            key={i}
            t={t}
            action={a}
            members={props.members}
            editing={editing}
            onChange={(next) => setAction(i, next)}
            onRemove={d.actions.length > 1
              ? () => set({ actions: d.actions.filter((_, j) => j !== i) })
              : undefined}
          />
        ))}
        {d.actions.length < 5 && (
          <button
            type="button"
            class="linkish"
            onClick={() => set({ actions: [...d.actions, newAction("priority", props.members)] })}
          >
            + {t("rules_addAction")}
          </button>
        )}
      </fieldset>
      <label class="check">
        <span>
          <input
            type="checkbox"
            name="enabled"
            checked={d.enabled}
            onChange={(e) => set({ enabled: (e.target as HTMLInputElement).checked })}
          />{" "}
          {t("rules_enabled")}
        </span>
      </label>
      <SaveCancel t={t} busy={props.busy} onCancel={props.onCancel} />
    </form>
  );
}
