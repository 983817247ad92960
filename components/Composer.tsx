import { useRef } from "preact/hooks";
import type { Translate } from "../client/i18n.ts";

/**
 * Enter sends, Shift+Enter adds a line (and Enter while an IME is composing does nothing).
 * `onSend` may hand the text back (a command that did nothing): it returns to the box if the box
 * is still empty. `hint` is a local note about the last send, never a message.
 */
export function Composer(props: {
  t: Translate;
  hint?: string | null;
  onSend: (text: string) => void | Promise<string | void>;
  /** The message being replied to, shown over the box with a way to cancel. */
  replying?: { name: string; excerpt: string } | null;
  onCancelReply?: () => void;
  /** One-tap answers ("On it", "Looking", "Done"), sent as they are. */
  quickReplies?: string[];
}) {
  const { t } = props;
  const ref = useRef<HTMLTextAreaElement>(null);
  const grow = () => {
    const el = ref.current!;
    el.style.height = "auto";
    el.style.height = Math.min(el.scrollHeight, 200) + "px";
  };
  const submit = async () => {
    const el = ref.current!;
    if (!el.value.trim()) return;
    const back = props.onSend(el.value);
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
      <form
        class="composer"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <textarea
          ref={ref}
          rows={1}
          name="text"
          maxLength={8000}
          placeholder={t("composer")}
          aria-label={t("composer")}
          onInput={grow}
          onKeyDown={(e) => {
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
