import { useState } from "preact/hooks";
import type { Translate } from "../client/i18n.ts";
import { OrderedList, patched, without } from "./OrderedList.tsx";

export interface LayerDraft {
  name: string;
  rotation: "daily" | "weekly" | "hours";
  hours?: number;
  handoff: string;
  startDate: string;
  participants: string[];
  restrict?: { days?: number[]; from?: string; to?: string };
}
export interface ScheduleDraft {
  name: string;
  timeZone: string;
  layers: LayerDraft[];
}
export interface Person {
  id: string;
  name: string;
}

/** Monday first, as most of the world's calendars show it (0 = Sunday in the model). */
const WEEK = [1, 2, 3, 4, 5, 6, 0];

export function newLayer(n: number, today: string): LayerDraft {
  return {
    name: `Layer ${n}`,
    rotation: "weekly",
    handoff: "09:00",
    startDate: today,
    participants: [],
  };
}

/** When a layer is on call: on these weekdays, between these times. */
function RestrictFields(props: {
  t: Translate;
  i: number;
  restrict: NonNullable<LayerDraft["restrict"]>;
  onChange: (r: NonNullable<LayerDraft["restrict"]>) => void;
}) {
  const { t, i, restrict: r } = props;
  return (
    <div class="oc-row" role="group" aria-label={t("oc_restrict")}>
      {WEEK.map((wd) => (
        <label key={wd} class="oc-check">
          <input
            type="checkbox"
            name={`layer${i}.day${wd}`}
            checked={r.days?.includes(wd) ?? true}
            onChange={(e) => {
              const on = (e.target as HTMLInputElement).checked;
              const days = r.days ?? [0, 1, 2, 3, 4, 5, 6];
              const next = on ? [...days, wd] : days.filter((x) => x !== wd);
              props.onChange({ ...r, days: [...new Set(next)].sort() });
            }}
          />
          {t(`oc_wd${wd}` as Parameters<Translate>[0])}
        </label>
      ))}
      <label>
        {t("from")}
        <input
          type="time"
          name={`layer${i}.from`}
          value={r.from ?? "00:00"}
          onInput={(e) => props.onChange({ ...r, from: (e.target as HTMLInputElement).value })}
        />
      </label>
      <label>
        {t("to")}
        <input
          type="time"
          name={`layer${i}.to`}
          value={r.to ?? "00:00"}
          onInput={(e) => props.onChange({ ...r, to: (e.target as HTMLInputElement).value })}
        />
      </label>
    </div>
  );
}

/** A layer's name and its rotation: how long a turn lasts, when it hands off, the first day. */
function LayerTiming(props: {
  t: Translate;
  layer: LayerDraft;
  index: number;
  onChange: (patch: Partial<LayerDraft>) => void;
}) {
  const { t, layer: l, index: i, onChange } = props;
  return (
    <div class="oc-row">
      <label>
        {t("oc_name")}
        <input
          name={`layer${i}.name`}
          required
          value={l.name}
          onInput={(e) => onChange({ name: (e.target as HTMLInputElement).value })}
        />
      </label>
      <label>
        {t("oc_rotation")}
        <select
          name={`layer${i}.rotation`}
          value={l.rotation}
          onChange={(e) => {
            const rotation = (e.target as HTMLSelectElement).value as LayerDraft["rotation"];
            onChange({
              rotation,
              hours: rotation === "hours" ? l.hours ?? 12 : undefined,
            });
          }}
        >
          <option value="daily">{t("oc_daily")}</option>
          <option value="weekly">{t("oc_weekly")}</option>
          <option value="hours">{t("oc_everyHours")}</option>
        </select>
      </label>
      {l.rotation === "hours" && (
        <label>
          {t("oc_hours")}
          <input
            type="number"
            name={`layer${i}.hours`}
            min={1}
            max={672}
            required
            value={l.hours ?? 12}
            onInput={(e) => onChange({ hours: Number((e.target as HTMLInputElement).value) })}
          />
        </label>
      )}
      <label>
        {t("oc_handoff")}
        <input
          type="time"
          name={`layer${i}.handoff`}
          required
          value={l.handoff}
          onInput={(e) => onChange({ handoff: (e.target as HTMLInputElement).value })}
        />
      </label>
      <label>
        {t("oc_startDate")}
        <input
          type="date"
          name={`layer${i}.startDate`}
          required
          value={l.startDate}
          onInput={(e) => onChange({ startDate: (e.target as HTMLInputElement).value })}
        />
      </label>
    </div>
  );
}

/** A layer's participants in order, and a picker to add one more. */
function Participants(props: {
  people: Person[];
  t: Translate;
  layer: LayerDraft;
  index: number;
  onChange: (patch: Partial<LayerDraft>) => void;
}) {
  const { t, layer: l, index: i, onChange } = props;
  const name = (id: string) => props.people.find((p) => p.id === id)?.name ?? id;
  return (
    <>
      <p class="muted">{t("oc_participantsHelp")}</p>
      <OrderedList
        ordered
        class="oc-participants"
        label={t("oc_participants")}
        items={l.participants}
        keyOf={(u) => u}
        rowProps={(u) => ({ "data-user": u })}
        row={(u) => (
          <>
            <span class="oc-grip" aria-hidden="true">⋮⋮</span>
            <span class="grow">{name(u)}</span>
          </>
        )}
        move={{
          up: (u) => t("oc_moveUp", { name: name(u) }),
          down: (u) => t("oc_moveDown", { name: name(u) }),
        }}
        remove={{ label: (u) => t("oc_removePerson", { name: name(u) }), class: "danger-link" }}
        onChange={(participants) => onChange({ participants })}
      />
      {l.participants.length === 0 && <p class="muted">{t("oc_noParticipants")}</p>}
      <label class="oc-add">
        {t("oc_addPerson")}
        <select
          name={`layer${i}.add`}
          value=""
          onChange={(e) => {
            const v = (e.target as HTMLSelectElement).value;
            if (v) onChange({ participants: [...l.participants, v] });
          }}
        >
          <option value="">—</option>
          {props.people.filter((p) => !l.participants.includes(p.id)).map((p) => (
            <option key={p.id} value={p.id}>{p.name}</option>
          ))}
        </select>
      </label>
    </>
  );
}

/** One layer of a schedule: its rotation, hand-off, first day, restriction and participants. */
function LayerFields(props: {
  t: Translate;
  people: Person[];
  layer: LayerDraft;
  index: number;
  onChange: (patch: Partial<LayerDraft>) => void;
  onRemove?: () => void;
}) {
  const { t, layer: l, index: i, onChange } = props;
  return (
    <fieldset class="oc-layer" aria-label={l.name}>
      <legend>{t("oc_layer")} {i + 1}</legend>
      <LayerTiming t={t} layer={l} index={i} onChange={onChange} />
      <Participants t={t} people={props.people} layer={l} index={i} onChange={onChange} />
      <label class="oc-check">
        <input
          type="checkbox"
          name={`layer${i}.restricted`}
          checked={!!l.restrict}
          onChange={(e) =>
            onChange({
              restrict: (e.target as HTMLInputElement).checked
                ? { days: [1, 2, 3, 4, 5], from: "09:00", to: "18:00" }
                : undefined,
            })}
        />{" "}
        {t("oc_restrict")}
      </label>
      {l.restrict && (
        <RestrictFields
          t={t}
          i={i}
          restrict={l.restrict}
          onChange={(restrict) => onChange({ restrict })}
        />
      )}
      {props.onRemove && (
        <button type="button" class="danger-link" onClick={props.onRemove}>
          {t("oc_removeLayer")}
        </button>
      )}
    </fieldset>
  );
}

/**
 * A schedule's form: name, time zone and layers, each with its rotation,
 * hand-off, first day, optional weekday/time restriction and participants
 * in order (drag and drop, or the up/down buttons).
 */
export function ScheduleEditor(props: {
  t: Translate;
  people: Person[];
  initial: ScheduleDraft;
  zones: string[];
  busy: boolean;
  onSave: (d: ScheduleDraft) => void;
  onCancel: () => void;
}) {
  const { t } = props;
  const [d, setD] = useState<ScheduleDraft>(props.initial);
  return (
    <form
      class="oc-editor"
      aria-label={t("oc_scheduleEditor")}
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
        <label>
          {t("timeZone")}
          <input
            name="timeZone"
            required
            list="oc-zones"
            value={d.timeZone}
            onInput={(e) => setD({ ...d, timeZone: (e.target as HTMLInputElement).value })}
          />
          <datalist id="oc-zones">
            {props.zones.map((z) => <option key={z} value={z} />)}
          </datalist>
        </label>
      </div>
      {d.layers.map((l, i) => (
        <LayerFields
          key={i}
          t={t}
          people={props.people}
          layer={l}
          index={i}
          onChange={(patch) => setD({ ...d, layers: patched(d.layers, i, patch) })}
          onRemove={d.layers.length > 1
            ? () => setD({ ...d, layers: without(d.layers, i) })
            : undefined}
        />
      ))}
      <p class="muted">{t("oc_layersHelp")}</p>
      <div class="oc-row">
        <button
          type="button"
          onClick={() =>
            setD({
              ...d,
              layers: [...d.layers, newLayer(d.layers.length + 1, d.layers[0].startDate)],
            })}
        >
          {t("oc_addLayer")}
        </button>
        <span class="grow" />
        <button type="button" onClick={props.onCancel}>{t("oc_cancel")}</button>
        <button type="submit" class="primary" disabled={props.busy}>{t("oc_saveSchedule")}</button>
      </div>
    </form>
  );
}
