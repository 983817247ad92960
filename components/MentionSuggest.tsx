import { type Signal, useSignal } from "@preact/signals";
import type { RefObject } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { Translate } from "../client/i18n.ts";
import {
  keptMentions,
  matchCandidates,
  type MentionCandidate,
  mentionQuery,
} from "../client/mentions.ts";

/** The open "@" suggestions: where the "@" is, the matches, and the highlighted one. */
interface Suggest {
  start: number;
  items: MentionCandidate[];
  active: number;
}

/** The "@" autocomplete of a text box, as `useMentionSuggest` hands it to the box. */
export interface MentionAutocomplete {
  /** The open suggestions, or null when none are shown. */
  suggest: Signal<Suggest | null>;
  /** Opens, narrows or closes the suggestions after the text or the caret moved. */
  lookup: () => void;
  /** Puts "@label " in place of the typed "@query" and remembers the pick. */
  pick: (c: MentionCandidate) => void;
  /** Handles the arrow keys, Enter, Tab and Escape while suggestions are open; true if it did. */
  onKey: (e: KeyboardEvent) => boolean;
  /** The picks the text still names, then forgets every pick and closes the suggestions. */
  take: (text: string) => string[];
}

/**
 * The "@" autocomplete over the text box `ref`: suggests from `candidates`, calls `onStart` when
 * an "@" query opens (so that the members can be loaded), and keeps the picks until `take`.
 */
export function useMentionSuggest(
  ref: RefObject<HTMLTextAreaElement>,
  candidates: MentionCandidate[] | undefined,
  onStart: (() => void) | undefined,
): MentionAutocomplete {
  const suggest = useSignal<Suggest | null>(null);
  const chosen = useRef<MentionCandidate[]>([]);
  const lookup = () => {
    const el = ref.current!;
    const q = mentionQuery(el.value, el.selectionStart ?? el.value.length);
    if (!q) {
      suggest.value = null;
      return;
    }
    onStart?.();
    const items = matchCandidates(candidates ?? [], q.query);
    suggest.value = items.length ? { start: q.start, items, active: 0 } : null;
  };
  // The members arrive after the first "@" (it is what loads them), and who may use @all can
  // change: an open query is looked up again when the candidates change, not only on the next key.
  const known = (candidates ?? []).map((c) => c.id).join(" ");
  useEffect(() => {
    const el = ref.current;
    if (el && document.activeElement === el && mentionQuery(el.value, el.selectionStart ?? 0)) {
      lookup();
    }
  }, [known]);
  const pick = (c: MentionCandidate) => {
    const el = ref.current!;
    const s = suggest.value;
    if (!s) return;
    const caret = el.selectionStart ?? el.value.length;
    const insert = `@${c.label} `;
    el.value = el.value.slice(0, s.start) + insert + el.value.slice(caret);
    const at = s.start + insert.length;
    el.setSelectionRange(at, at);
    chosen.current = [...chosen.current, c];
    suggest.value = null;
    el.focus();
  };
  const onKey = (e: KeyboardEvent) => {
    const s = suggest.value;
    if (!s || e.isComposing) return false;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      const n = s.items.length;
      suggest.value = { ...s, active: (s.active + (e.key === "ArrowDown" ? 1 : n - 1)) % n };
    } else if (e.key === "Enter" || e.key === "Tab") {
      pick(s.items[s.active]);
    } else if (e.key === "Escape") {
      suggest.value = null;
    } else {
      return false;
    }
    e.preventDefault();
    return true;
  };
  const take = (text: string) => {
    const mentions = keptMentions(text, chosen.current);
    chosen.current = [];
    suggest.value = null;
    return mentions;
  };
  return { suggest, lookup, pick, onKey, take };
}

/** The "@" suggestions over the box: arrow keys move, Enter or Tab or a click picks. */
export function MentionSuggest(props: {
  t: Translate;
  items: MentionCandidate[];
  active: number;
  onPick: (c: MentionCandidate) => void;
}) {
  return (
    <ul class="mention-suggest" role="listbox" aria-label={props.t("mn_suggest")}>
      {props.items.map((c, i) => (
        <li
          key={c.id}
          role="option"
          aria-selected={i === props.active}
          class={i === props.active ? "active" : ""}
          data-mention-option={c.id}
          // mousedown, not click: the box keeps its focus and caret.
          onMouseDown={(e) => {
            e.preventDefault();
            props.onPick(c);
          }}
        >
          <span class="mention-label">@{c.label}</span>
          <span class="muted">{c.detail}</span>
        </li>
      ))}
    </ul>
  );
}
