import type { Signal } from "@preact/signals";
import type { Translate } from "../../client/i18n.ts";

/** What the notifications page's sections share: the language, busy flag and message lines. */
export interface NotifyUi {
  t: Translate;
  busy: Signal<boolean>;
  msg: Signal<string>;
  error: Signal<string>;
}
