/** The last send that contained sensitive words of a `warn` rule (shown under the composer). */
import { signal } from "@preact/signals";

export const wordWarning = signal<{ convId: string; words: string[] } | null>(null);

export function noteWordWarnings(convId: string, words: string[] | undefined): void {
  if (words?.length) wordWarning.value = { convId, words };
}
