import { useState } from "preact/hooks";
import type { Translate } from "../client/i18n.ts";

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

/** Moves item `from` to position `to` (a copy). */
export function moved<T>(list: T[], from: number, to: number): T[] {
  if (to < 0 || to >= list.length || from === to) return list;
  const out = [...list];
  const [x] = out.splice(from, 1);
  out.splice(to, 0, x);
  return out;
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
  const [drag, setDrag] = useState<{ layer: number; index: number } | null>(null);
  const name = (id: string) => props.people.find((p) => p.id === id)?.name ?? id;
  const setLayer = (i: number, patch: Partial<LayerDraft>) =>
    setD({ ...d, layers: d.layers.map((l, j) => j === i ? { ...l, ...patch } : l) });
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
        <fieldset key={i} class="oc-layer" aria-label={l.name}>
          <legend>{t("oc_layer")} {i + 1}</legend>
          <div class="oc-row">
            <label>
              {t("oc_name")}
              <input
                name={`layer${i}.name`}
                required
                value={l.name}
                onInput={(e) => setLayer(i, { name: (e.target as HTMLInputElement).value })}
              />
            </label>
            <label>
              {t("oc_rotation")}
              <select
                name={`layer${i}.rotation`}
                value={l.rotation}
                onChange={(e) => {
                  const rotation = (e.target as HTMLSelectElement).value as LayerDraft["rotation"];
                  setLayer(i, {
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
                  onInput={(e) =>
                    setLayer(i, { hours: Number((e.target as HTMLInputElement).value) })}
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
                onInput={(e) => setLayer(i, { handoff: (e.target as HTMLInputElement).value })}
              />
            </label>
            <label>
              {t("oc_startDate")}
              <input
                type="date"
                name={`layer${i}.startDate`}
                required
                value={l.startDate}
                onInput={(e) => setLayer(i, { startDate: (e.target as HTMLInputElement).value })}
              />
            </label>
          </div>
          <p class="muted">{t("oc_participantsHelp")}</p>
          <ol class="oc-participants" aria-label={t("oc_participants")}>
            {l.participants.map((u, k) => (
              <li
                key={u}
                draggable
                data-user={u}
                class={drag?.layer === i && drag.index === k ? "dragging" : ""}
                onDragStart={(e) => {
                  e.dataTransfer?.setData("text/plain", u);
                  setDrag({ layer: i, index: k });
                }}
                onDragOver={(e) => e.preventDefault()}
                onDrop={(e) => {
                  e.preventDefault();
                  if (drag && drag.layer === i) {
                    setLayer(i, { participants: moved(l.participants, drag.index, k) });
                  }
                  setDrag(null);
                }}
                onDragEnd={() => setDrag(null)}
              >
                <span class="oc-grip" aria-hidden="true">⋮⋮</span>
                <span class="grow">{name(u)}</span>
                <button
                  type="button"
                  class="icon"
                  aria-label={t("oc_moveUp", { name: name(u) })}
                  disabled={k === 0}
                  onClick={() => setLayer(i, { participants: moved(l.participants, k, k - 1) })}
                >
                  ↑
                </button>
                <button
                  type="button"
                  class="icon"
                  aria-label={t("oc_moveDown", { name: name(u) })}
                  disabled={k === l.participants.length - 1}
                  onClick={() => setLayer(i, { participants: moved(l.participants, k, k + 1) })}
                >
                  ↓
                </button>
                <button
                  type="button"
                  class="danger-link"
                  aria-label={t("oc_removePerson", { name: name(u) })}
                  onClick={() =>
                    setLayer(i, { participants: l.participants.filter((x) => x !== u) })}
                >
                  ✕
                </button>
              </li>
            ))}
          </ol>
          {l.participants.length === 0 && <p class="muted">{t("oc_noParticipants")}</p>}
          <label class="oc-add">
            {t("oc_addPerson")}
            <select
              name={`layer${i}.add`}
              value=""
              onChange={(e) => {
                const v = (e.target as HTMLSelectElement).value;
                if (v) setLayer(i, { participants: [...l.participants, v] });
              }}
            >
              <option value="">—</option>
              {props.people.filter((p) => !l.participants.includes(p.id)).map((p) => (
                <option key={p.id} value={p.id}>{p.name}</option>
              ))}
            </select>
          </label>
          <label class="oc-check">
            <input
              type="checkbox"
              name={`layer${i}.restricted`}
              checked={!!l.restrict}
              onChange={(e) =>
                setLayer(i, {
                  restrict: (e.target as HTMLInputElement).checked
                    ? { days: [1, 2, 3, 4, 5], from: "09:00", to: "18:00" }
                    : undefined,
                })}
            />{" "}
            {t("oc_restrict")}
          </label>
          {l.restrict && (
            <div class="oc-row" role="group" aria-label={t("oc_restrict")}>
              {WEEK.map((wd) => (
                <label key={wd} class="oc-check">
                  <input
                    type="checkbox"
                    name={`layer${i}.day${wd}`}
                    checked={l.restrict?.days?.includes(wd) ?? true}
                    onChange={(e) => {
                      const on = (e.target as HTMLInputElement).checked;
                      const days = l.restrict?.days ?? [0, 1, 2, 3, 4, 5, 6];
                      const next = on ? [...days, wd] : days.filter((x) => x !== wd);
                      setLayer(i, { restrict: { ...l.restrict, days: [...new Set(next)].sort() } });
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
                  value={l.restrict.from ?? "00:00"}
                  onInput={(e) =>
                    setLayer(i, {
                      restrict: { ...l.restrict, from: (e.target as HTMLInputElement).value },
                    })}
                />
              </label>
              <label>
                {t("to")}
                <input
                  type="time"
                  name={`layer${i}.to`}
                  value={l.restrict.to ?? "00:00"}
                  onInput={(e) =>
                    setLayer(i, {
                      restrict: { ...l.restrict, to: (e.target as HTMLInputElement).value },
                    })}
                />
              </label>
            </div>
          )}
          {d.layers.length > 1 && (
            <button
              type="button"
              class="danger-link"
              onClick={() => setD({ ...d, layers: d.layers.filter((_, j) => j !== i) })}
            >
              {t("oc_removeLayer")}
            </button>
          )}
        </fieldset>
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
