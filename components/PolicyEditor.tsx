import { useState } from "preact/hooks";
import type { Translate } from "../client/i18n.ts";
import type { Person } from "./ScheduleEditor.tsx";
import { OrderedList, patched, without } from "./OrderedList.tsx";

export interface Target {
  type: "user" | "schedule" | "team";
  id: string;
}
export interface PolicyDraft {
  name: string;
  repeat: number;
  levels: { delayMinutes: number; targets: Target[] }[];
}

type Level = PolicyDraft["levels"][number];
interface Choices {
  people: Person[];
  schedules: { id: string; name: string }[];
  team: { id: string; name: string };
}

/** The picker that adds a target to a level: a schedule's on-call, the whole team, a person. */
function AddTarget(
  props: Choices & {
    t: Translate;
    name: string;
    targets: Target[];
    onAdd: (x: Target) => void;
  },
) {
  const { t } = props;
  const has = (x: Target) => props.targets.some((y) => y.type === x.type && y.id === x.id);
  return (
    <select
      name={props.name}
      value=""
      onChange={(e) => {
        const v = (e.target as HTMLSelectElement).value;
        if (!v) return;
        const [type, id] = v.split(":") as [Target["type"], string];
        props.onAdd({ type, id });
      }}
    >
      <option value="">—</option>
      <optgroup label={t("oc_schedules")}>
        {props.schedules.filter((s) => !has({ type: "schedule", id: s.id })).map((s) => (
          <option key={s.id} value={`schedule:${s.id}`}>
            {t("oc_onCallOf", { name: s.name })}
          </option>
        ))}
      </optgroup>
      {!has({ type: "team", id: props.team.id }) && (
        <option value={`team:${props.team.id}`}>
          {t("oc_wholeTeam", { team: props.team.name })}
        </option>
      )}
      <optgroup label={t("oc_people")}>
        {props.people.filter((p) => !has({ type: "user", id: p.id })).map((p) => (
          <option key={p.id} value={`user:${p.id}`}>{p.name}</option>
        ))}
      </optgroup>
    </select>
  );
}

/** One level of a policy: whom it pages, and how long it waits before the next level. */
function LevelFields(
  props: Choices & {
    t: Translate;
    level: Level;
    index: number;
    last: boolean;
    onChange: (patch: Partial<Level>) => void;
    onRemove?: () => void;
  },
) {
  const { t, level: l, index: i, onChange } = props;
  const label = (x: Target) =>
    x.type === "team"
      ? t("oc_wholeTeam", { team: props.team.name })
      : x.type === "schedule"
      ? t("oc_onCallOf", { name: props.schedules.find((s) => s.id === x.id)?.name ?? x.id })
      : props.people.find((p) => p.id === x.id)?.name ?? x.id;
  return (
    <fieldset class="oc-layer" aria-label={`${t("level")} ${i + 1}`}>
      <legend>{t("oc_levelN", { n: i + 1 })}</legend>
      <OrderedList
        class="oc-chips"
        label={t("oc_targets")}
        items={l.targets}
        keyOf={(x) => x.type + x.id}
        rowProps={(x) => ({ class: "oc-chip", "data-target": `${x.type}:${x.id}` })}
        row={label}
        remove={{ label: (x) => t("oc_removeTarget", { name: label(x) }), class: "icon" }}
        onChange={(targets) => onChange({ targets })}
      />
      {l.targets.length === 0 && <p class="muted">{t("oc_noTargets")}</p>}
      <div class="oc-row">
        <label>
          {t("oc_addTarget")}
          <AddTarget
            t={t}
            people={props.people}
            schedules={props.schedules}
            team={props.team}
            name={`level${i}.add`}
            targets={l.targets}
            onAdd={(x) => onChange({ targets: [...l.targets, x] })}
          />
        </label>
        <label>
          {props.last ? t("oc_delayLast") : t("oc_delay")}
          <input
            type="number"
            name={`level${i}.delay`}
            min={1}
            max={1440}
            required
            value={l.delayMinutes}
            onInput={(e) =>
              onChange({ delayMinutes: Number((e.target as HTMLInputElement).value) })}
          />
        </label>
        {props.onRemove && (
          <button type="button" class="danger-link" onClick={props.onRemove}>
            {t("oc_removeLevel")}
          </button>
        )}
      </div>
    </fieldset>
  );
}

/**
 * An escalation policy's form: levels in order, each with whom it pages
 * (people, schedules' on-call, the whole team) and how long it waits for an
 * acknowledgement before the next level; and how often the whole runs again.
 */
export function PolicyEditor(props: {
  t: Translate;
  people: Person[];
  schedules: { id: string; name: string }[];
  team: { id: string; name: string };
  initial: PolicyDraft;
  busy: boolean;
  onSave: (d: PolicyDraft) => void;
  onCancel: () => void;
}) {
  const { t } = props;
  const [d, setD] = useState<PolicyDraft>(props.initial);
  return (
    <form
      class="oc-editor"
      aria-label={t("oc_policyEditor")}
      onSubmit={(e) => {
        e.preventDefault();
        props.onSave(d);
      }}
    >
      <div class="oc-row">
        <label>
          {t("oc_name")}
          <input
            name="name"
            required
            maxLength={100}
            value={d.name}
            onInput={(e) => setD({ ...d, name: (e.target as HTMLInputElement).value })}
          />
        </label>
      </div>
      {d.levels.map((l, i) => (
        <LevelFields
          key={i}
          t={t}
          people={props.people}
          schedules={props.schedules}
          team={props.team}
          level={l}
          index={i}
          last={i === d.levels.length - 1}
          onChange={(patch) => setD({ ...d, levels: patched(d.levels, i, patch) })}
          onRemove={d.levels.length > 1
            ? () => setD({ ...d, levels: without(d.levels, i) })
            : undefined}
        />
      ))}
      <div class="oc-row">
        <button
          type="button"
          onClick={() => setD({ ...d, levels: [...d.levels, { delayMinutes: 10, targets: [] }] })}
        >
          {t("oc_addLevel")}
        </button>
        <label>
          {t("oc_repeat")}
          <input
            type="number"
            name="repeat"
            min={0}
            max={9}
            value={d.repeat}
            onInput={(e) => setD({ ...d, repeat: Number((e.target as HTMLInputElement).value) })}
          />
        </label>
        <span class="grow" />
        <button type="button" onClick={props.onCancel}>{t("oc_cancel")}</button>
        <button type="submit" class="primary" disabled={props.busy}>{t("oc_savePolicy")}</button>
      </div>
    </form>
  );
}
