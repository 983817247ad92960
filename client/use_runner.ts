/**
 * The one way a page runs an API call: a busy flag while it runs, the error shown by its code
 * (translated), and a status line when it worked.
 */
import { type Signal, useSignal } from "@preact/signals";
import { errorText } from "./api_errors.ts";
import type { Translate } from "./i18n.ts";

export interface Runner {
  busy: Signal<boolean>;
  error: Signal<string>;
  status: Signal<string>;
  /** Runs `f`; shows `done` when it worked. Returns false when it failed. */
  run: (f: () => Promise<unknown>, done?: string) => Promise<boolean>;
}

export function useRunner(t: Translate): Runner {
  const busy = useSignal(false);
  const error = useSignal("");
  const status = useSignal("");
  const run = async (f: () => Promise<unknown>, done?: string): Promise<boolean> => {
    error.value = "";
    status.value = "";
    busy.value = true;
    try {
      await f();
      if (done) status.value = done;
      return true;
    } catch (e) {
      error.value = errorText(t, e);
      return false;
    } finally {
      busy.value = false;
    }
  };
  return { busy, error, status, run };
}
