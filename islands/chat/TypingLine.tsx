import { useEffect } from "preact/hooks";
import { useSignal } from "@preact/signals";
import type { Translate } from "../../client/i18n.ts";
import { throttleTyping, typists } from "../../client/typing.ts";
import { sendTyping } from "../../client/store.ts";

/**
 * "Bob is typing…" above the composer, and my own typing notices: typing in the composer sends
 * one at most every few seconds.
 */
export function TypingLine(props: {
  t: Translate;
  convId: string;
  userName: (userId: string) => string;
}) {
  const { t, convId } = props;
  const tick = useSignal(0);
  useEffect(() => {
    const onInput = (e: Event) => {
      const el = e.target as Element | null;
      if (el?.closest?.(".composer")) throttleTyping(convId, () => sendTyping(convId));
    };
    document.addEventListener("input", onInput);
    // Notices end on their own: re-check every second.
    const timer = setInterval(() => tick.value++, 1000);
    return () => {
      document.removeEventListener("input", onInput);
      clearInterval(timer);
    };
  }, [convId]);
  void tick.value;
  const names = typists(convId).map(props.userName);
  return (
    <p class="typing-line" aria-live="polite" data-testid="typing">
      {names.length === 0
        ? ""
        : names.length === 1
        ? t("pr_typing_one", { name: names[0] })
        : t("pr_typing_many", { names: names.join(", ") })}
    </p>
  );
}
