import type { Signal } from "@preact/signals";
import type { Lang, Translate } from "../../client/i18n.ts";

/** What the rules page's tabs share: the language, the one busy flag and message line. */
export interface RulesUi {
  t: Translate;
  lang: Lang;
  busy: Signal<boolean>;
  error: Signal<string>;
  status: Signal<string>;
  /** Runs an API call; its error is shown by code. Returns false when it failed. */
  run: (f: () => Promise<unknown>, done?: string) => Promise<boolean>;
}

/** Asks before deleting `name`, then deletes it and reloads the list. */
export function confirmDelete(ui: RulesUi, name: string, del: () => Promise<unknown>) {
  if (!confirm(ui.t("rules_confirmDelete", { name }))) return;
  ui.run(del, ui.t("rules_deleted"));
}
