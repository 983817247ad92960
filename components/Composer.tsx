import { useSignal } from "@preact/signals";
import { useRef } from "preact/hooks";
import type { Translate } from "../client/i18n.ts";
import {
  keptMentions,
  matchCandidates,
  type MentionCandidate,
  mentionQuery,
} from "../client/mentions.ts";

/** What goes with a message besides its text. */
export interface SendExtras {
  /** User ids and special targets ("all", "team", "oncall") picked after "@". */
  mentions?: string[];
  burn?: boolean;
}

/** The open "@" suggestions: where the "@" is, the matches, and the highlighted one. */
interface Suggest {
  start: number;
  items: MentionCandidate[];
  active: number;
}

/**
 * Enter sends, Shift+Enter adds a line (and Enter while an IME is composing does nothing).
 * `onSend` may hand the text back (a command that did nothing): it returns to the box if the box
 * is still empty. `hint` is a local note about the last send, never a message.
 */
export function Composer(props: {
  t: Translate;
  hint?: string | null;
  onSend: (text: string, extras?: SendExtras) => void | Promise<string | void>;
  /** The message being replied to, shown over the box with a way to cancel. */
  replying?: { name: string; excerpt: string } | null;
  onCancelReply?: () => void;
  /** One-tap answers ("On it", "Looking", "Done"), sent as they are. */
  quickReplies?: string[];
  /** Who "@" may mention (members, then @all / @team / @oncall where they apply). */
  candidates?: MentionCandidate[];
  /** Called on the first "@", so that the members can be loaded. */
  onMentionStart?: () => void;
  /** Whether the sender may mark a message as burn after reading. */
  allowBurn?: boolean;
}) {
  const { t } = props;
  const ref = useRef<HTMLTextAreaElement>(null);
  const suggest = useSignal<Suggest | null>(null);
  const chosen = useRef<MentionCandidate[]>([]);
  const burn = useSignal(false);
  const lookup = () => {
    const el = ref.current!;
    const q = mentionQuery(el.value, el.selectionStart ?? el.value.length);
    if (!q) {
      suggest.value = null;
      return;
    }
    props.onMentionStart?.();
    const items = matchCandidates(props.candidates ?? [], q.query);
    suggest.value = items.length ? { start: q.start, items, active: 0 } : null;
  };
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
  const grow = () => {
    const el = ref.current!;
    el.style.height = "auto";
    el.style.height = Math.min(el.scrollHeight, 200) + "px";
  };
  const submit = async () => {
    const el = ref.current!;
    if (!el.value.trim()) return;
    const mentions = keptMentions(el.value, chosen.current);
    const extras: SendExtras = {
      ...(mentions.length ? { mentions } : {}),
      ...(burn.value ? { burn: true } : {}),
    };
    chosen.current = [];
    burn.value = false;
    suggest.value = null;
    const back = props.onSend(el.value, extras);
    el.value = "";
    grow();
    el.focus();
    const text = await back;
    if (typeof text === "string" && ref.current && !ref.current.value) {
      ref.current.value = text;
      grow();
    }
  };
  return (
    <>
      {props.hint && <p class="composer-hint" role="status">{props.hint}</p>}
      <ComposerExtras
        t={t}
        replying={props.replying}
        onCancelReply={props.onCancelReply}
        quickReplies={props.quickReplies}
        onQuick={(q) => props.onSend(q)}
      />
      {props.allowBurn && (
        <label class="burn-toggle">
          <input
            type="checkbox"
            data-burn-toggle
            checked={burn.value}
            onChange={(e) => burn.value = (e.target as HTMLInputElement).checked}
          />{" "}
          {t("mn_burn_toggle")}
        </label>
      )}
      <form
        class="composer mention-host"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        {suggest.value && (
          <MentionSuggest
            t={t}
            items={suggest.value.items}
            active={suggest.value.active}
            onPick={pick}
          />
        )}
        <textarea
          ref={ref}
          rows={1}
          name="text"
          maxLength={8000}
          placeholder={t("composer")}
          aria-label={t("composer")}
          aria-autocomplete="list"
          aria-expanded={suggest.value ? "true" : "false"}
          onInput={() => {
            grow();
            lookup();
          }}
          onKeyDown={(e) => {
            const s = suggest.value;
            if (s && !e.isComposing) {
              if (e.key === "ArrowDown" || e.key === "ArrowUp") {
                e.preventDefault();
                const n = s.items.length;
                const active = (s.active + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
                suggest.value = { ...s, active };
                return;
              }
              if (e.key === "Enter" || e.key === "Tab") {
                e.preventDefault();
                pick(s.items[s.active]);
                return;
              }
              if (e.key === "Escape") {
                e.preventDefault();
                suggest.value = null;
                return;
              }
            }
            if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              submit();
            }
          }}
        />
        <button type="submit" class="primary">{t("send")}</button>
      </form>
    </>
  );
}

/** Over the box: what is being replied to, and the quick replies. */
function ComposerExtras(props: {
  t: Translate;
  replying?: { name: string; excerpt: string } | null;
  onCancelReply?: () => void;
  quickReplies?: string[];
  onQuick: (text: string) => void;
}) {
  const { t } = props;
  return (
    <>
      {props.replying && (
        <div class="replying" data-replying>
          <span>
            {t("ch_replying", { name: props.replying.name })}:{" "}
            <span class="muted">{props.replying.excerpt}</span>
          </span>
          <button type="button" class="linkish" onClick={props.onCancelReply}>
            {t("ch_cancel")}
          </button>
        </div>
      )}
      {props.quickReplies && props.quickReplies.length > 0 && (
        <div class="quick-replies" role="group" aria-label={t("ch_quick_replies")}>
          {props.quickReplies.map((q) => (
            <button
              key={q}
              type="button"
              class="chip"
              onClick={() => props.onQuick(q)}
            >
              {q}
            </button>
          ))}
        </div>
      )}
    </>
  );
}

/** The "@" suggestions over the box: arrow keys move, Enter or Tab or a click picks. */
function MentionSuggest(props: {
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
