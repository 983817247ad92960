import type { Translate } from "../../client/i18n.ts";
import { wordWarning } from "../../client/word_warning.ts";

/** Says that my last message was sent but contains sensitive words; a click dismisses it. */
export function WordWarning(props: { t: Translate; convId: string }) {
  const w = wordWarning.value;
  if (!w || w.convId !== props.convId) return null;
  return (
    <p class="word-warning" role="status" onClick={() => wordWarning.value = null}>
      {props.t("sw_warned", { words: w.words.join(", ") })}
    </p>
  );
}
