import type { ComponentChildren, JSX } from "preact";
import { useState } from "preact/hooks";

/** Moves item `from` to position `to` (a copy). */
export function moved<T>(list: T[], from: number, to: number): T[] {
  if (to < 0 || to >= list.length || from === to) return list;
  const out = [...list];
  const [x] = out.splice(from, 1);
  out.splice(to, 0, x);
  return out;
}

/** `list` with item `i` changed by `patch` (a copy). */
export function patched<T>(list: T[], i: number, patch: Partial<T>): T[] {
  return list.map((x, j) => j === i ? { ...x, ...patch } : x);
}

/** `list` without item `i` (a copy). */
export function without<T>(list: T[], i: number): T[] {
  return list.filter((_, j) => j !== i);
}

/**
 * A list whose rows the user reorders and removes: the participants of a
 * schedule layer (drag and drop, or the up/down buttons) and the targets of
 * an escalation level (remove only). Each row ends with its buttons.
 */
export function OrderedList<T>(props: {
  items: T[];
  keyOf: (x: T) => string;
  /** The list's accessible name. */
  label: string;
  class: string;
  /** `<ol>` when the order means something, else `<ul>`. */
  ordered?: boolean;
  /** Extra attributes of a row (its class, data-* for tests and styles). */
  rowProps?: (x: T) => { class?: string } & Record<`data-${string}`, string>;
  row: (x: T) => ComponentChildren;
  onChange: (items: T[]) => void;
  /** The up/down buttons' names; without them a row has no up/down buttons and no dragging. */
  move?: { up: (x: T) => string; down: (x: T) => string };
  remove: { label: (x: T) => string; class: string };
}) {
  const { items, move, onChange } = props;
  const [drag, setDrag] = useState<number | null>(null);
  const dragProps = (k: number): JSX.HTMLAttributes<HTMLLIElement> => ({
    draggable: true,
    class: drag === k ? "dragging" : "",
    onDragStart: (e) => {
      e.dataTransfer?.setData("text/plain", props.keyOf(items[k]));
      setDrag(k);
    },
    onDragOver: (e) => e.preventDefault(),
    onDrop: (e) => {
      e.preventDefault();
      if (drag !== null) onChange(moved(items, drag, k));
      setDrag(null);
    },
    onDragEnd: () => setDrag(null),
  });
  const rows = items.map((x, k) => (
    <li key={props.keyOf(x)} {...(move ? dragProps(k) : {})} {...props.rowProps?.(x)}>
      {props.row(x)}
      {move && (
        <>
          <button
            type="button"
            class="icon"
            aria-label={move.up(x)}
            disabled={k === 0}
            onClick={() => onChange(moved(items, k, k - 1))}
          >
            ↑
          </button>
          <button
            type="button"
            class="icon"
            aria-label={move.down(x)}
            disabled={k === items.length - 1}
            onClick={() =>
              onChange(moved(items, k, k + 1))}
          >
            ↓
          </button>
        </>
      )}
      <button
        type="button"
        class={props.remove.class}
        aria-label={props.remove.label(x)}
        onClick={() =>
          onChange(without(items, k))}
      >
        ✕
      </button>
    </li>
  ));
  return props.ordered
    ? <ol class={props.class} aria-label={props.label}>{rows}</ol>
    : <ul class={props.class} aria-label={props.label}>{rows}</ul>;
}
