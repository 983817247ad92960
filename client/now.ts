/** The time alert cards count their durations up to, refreshed while the island is mounted. */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

/** How often alert cards recount "open for": a minute is their finest unit that changes. */
export const CARD_TICK_MS = 20_000;

/** Now, in ms, re-read every `tickMs` while the calling component is mounted. */
export function useNow(tickMs = CARD_TICK_MS): number {
  const now = useSignal(Date.now());
  useEffect(() => {
    const tick = setInterval(() => now.value = Date.now(), tickMs);
    return () => clearInterval(tick);
  }, [tickMs]);
  return now.value;
}
