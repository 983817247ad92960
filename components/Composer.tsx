import { useSignal } from "@preact/signals";
import type { RefObject } from "preact";
import { useRef } from "preact/hooks";
import type { Translate } from "../client/i18n.ts";
import type { MentionCandidate } from "../client/mentions.ts";
import { MentionSuggest, useMentionSuggest } from "./MentionSuggest.tsx";

/** What goes with a message besides its text. */
export interface SendExtras {
  /** User ids and special targets ("all", "team", "oncall") picked after "@". */
  mentions?: string[];
  burn?: boolean;
}

/** What the composer shows over and in the box, and where what is typed goes. */
export interface ComposerProps {
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
}

/**
 * Enter sends, Shift+Enter adds a line (and Enter while an IME is composing does nothing).
 * `onSend` may hand the text back (a command that did nothing): it returns to the box if the box
 * is still empty. `hint` is a local note about the last send, never a message.
 */
export function Composer(props: ComposerProps) {
  const { t } = props;
  const ref = useRef<HTMLTextAreaElement>(null);
  const mention = useMentionSuggest(ref, props.candidates, props.onMentionStart);
  const suggest = mention.suggest.value;
  const burn = useSignal(false);
  const submit = () => {
    const el = ref.current!;
    if (!el.value.trim()) return;
    const mentions = mention.take(el.value);
    const extras: SendExtras = {
      ...(mentions.length ? { mentions } : {}),
      ...(burn.value ? { burn: true } : {}),
    };
    burn.value = false;
    sendFromBox(ref, extras, props.onSend);
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
        <BurnToggle
          t={t}
          checked={burn.value}
          onChange={(on) => burn.value = on}
        />
      )}
      <form
        class="composer mention-host"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        {suggest && (
          <MentionSuggest
            t={t}
            items={suggest.items}
            active={suggest.active}
            onPick={mention.pick}
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
          aria-expanded={suggest ? "true" : "false"}
          onInput={() => {
            fitHeight(ref.current!);
            mention.lookup();
          }}
          onKeyDown={(e) => {
            if (mention.onKey(e)) return;
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

/** Grows the box with its text, up to 200 px (then it scrolls). */
function fitHeight(el: HTMLTextAreaElement): void {
  el.style.height = "auto";
  el.style.height = Math.min(el.scrollHeight, 200) + "px";
}

/**
 * Sends the box's text and empties the box; a text that `onSend` hands back returns to the box
 * if the box is still empty by then.
 */
async function sendFromBox(
  ref: RefObject<HTMLTextAreaElement>,
  extras: SendExtras,
  onSend: ComposerProps["onSend"],
): Promise<void> {
  const el = ref.current!;
  const back = onSend(el.value, extras);
  el.value = "";
  fitHeight(el);
  el.focus();
  const text = await back;
  if (typeof text === "string" && ref.current && !ref.current.value) {
    ref.current.value = text;
    fitHeight(ref.current);
  }
}

/** The "burn after reading" switch for the next message. */
function BurnToggle(props: { t: Translate; checked: boolean; onChange: (on: boolean) => void }) {
  return (
    <label class="burn-toggle">
      <input
        type="checkbox"
        data-burn-toggle
        checked={props.checked}
        onChange={(e) => props.onChange((e.target as HTMLInputElement).checked)}
      />{" "}
      {props.t("mn_burn_toggle")}
    </label>
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
