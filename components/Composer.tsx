import { useRef } from "preact/hooks";
import type { Translate } from "../client/i18n.ts";

/** Enter sends, Shift+Enter adds a line (and Enter while an IME is composing does nothing). */
export function Composer(props: { t: Translate; onSend: (text: string) => void }) {
  const { t } = props;
  const ref = useRef<HTMLTextAreaElement>(null);
  const grow = () => {
    const el = ref.current!;
    el.style.height = "auto";
    el.style.height = Math.min(el.scrollHeight, 200) + "px";
  };
  const submit = () => {
    const el = ref.current!;
    if (!el.value.trim()) return;
    props.onSend(el.value);
    el.value = "";
    grow();
    el.focus();
  };
  return (
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
  );
}
