/** Who is online (GET /presence), refreshed while people are on screen. */
import { signal } from "@preact/signals";
import { api } from "./api.ts";

export const presence = signal<Record<string, boolean>>({});

export async function loadPresence(ids: string[]): Promise<void> {
  const want = [...new Set(ids)].slice(0, 200);
  if (!want.length) return;
  const { items } = await api<{ items: Record<string, boolean> }>(
    "GET",
    `/api/v1/presence?ids=${want.join(",")}`,
  );
  presence.value = { ...presence.value, ...items };
}
