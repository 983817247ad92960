/** Alert cards in the chat: loading the alerts behind them and acting on them. */
import type { Alert, TimelineEntry } from "../../lib/protocol.ts";
import { api } from "../api.ts";
import { alerts, hiddenAlerts, me } from "./state.ts";

const alertsInFlight = new Set<string>();
/** Loads the alerts behind cards (all of `ids` when `refresh`, else only unknown ones). */
export async function fetchAlerts(ids: string[], refresh: boolean): Promise<void> {
  const want = ids.filter((id) => (refresh || !alerts.value[id]) && !alertsInFlight.has(id));
  for (let i = 0; i < want.length; i += 100) {
    const chunk = want.slice(i, i + 100);
    chunk.forEach((id) => alertsInFlight.add(id));
    try {
      const { items } = await api<{ items: Alert[] }>(
        "GET",
        `/api/v1/alerts?ids=${chunk.join(",")}`,
      );
      const next = { ...alerts.value };
      for (const a of items) {
        // A frame may have brought something newer while this request was out.
        if (!next[a.id] || next[a.id].updatedAt <= a.updatedAt) next[a.id] = a;
      }
      alerts.value = next;
      const hidden = chunk.filter((id) => !next[id]);
      if (hidden.length) {
        hiddenAlerts.value = {
          ...hiddenAlerts.value,
          ...Object.fromEntries(hidden.map((id) => [id, true as const])),
        };
      }
    } catch {
      // shown as loading; the next ready frame retries
    } finally {
      chunk.forEach((id) => alertsInFlight.delete(id));
    }
  }
}

/** Opens the alert's war room (made on the first call; joined when I am not in it): its id. */
export async function openWarRoom(alertId: string, via: "card" | "page"): Promise<string> {
  const r = await api<{ conversationId: string }>(
    "POST",
    `/api/v1/alerts/${alertId}/war-room`,
    { via },
  );
  return r.conversationId;
}

/** Acts on an alert from its card; the card updates from the server's `alert` frame. */
export async function alertAction(
  alertId: string,
  action: "ack" | "resolve" | "reopen" | "assign" | "escalate",
): Promise<void> {
  const path = `/api/v1/alerts/${alertId}/${action}`;
  if (action === "escalate") {
    // The new state arrives as an `alert` frame.
    await api("POST", path, { via: "card" });
    return;
  }
  const body = action === "assign" ? { userId: me.value!.id, via: "card" } : { via: "card" };
  const r = await api<{ alert: Alert }>("POST", path, body);
  const cur = alerts.value[alertId];
  if (!cur || cur.updatedAt <= r.alert.updatedAt) {
    alerts.value = { ...alerts.value, [alertId]: r.alert };
  }
}

export function keepAlert(a: Alert): void {
  alerts.value = { ...alerts.value, [a.id]: a };
}

/** An alert's timeline; the alert itself is refreshed on the way. */
export async function loadAlertThread(alertId: string): Promise<TimelineEntry[]> {
  const r = await api<{ alert: Alert; timeline: TimelineEntry[] }>(
    "GET",
    `/api/v1/alerts/${alertId}`,
  );
  keepAlert(r.alert);
  return r.timeline;
}

/** Assigns an alert to a user, or unassigns it with "". */
export async function assignAlert(alertId: string, userId: string): Promise<void> {
  const r = await api<{ alert: Alert }>("POST", `/api/v1/alerts/${alertId}/assign`, {
    userId: userId || null,
    via: "card",
  });
  keepAlert(r.alert);
}

/** Adds a note (or a /ack, /resolve, /reopen command) to an alert's thread. */
export async function addAlertNote(alertId: string, text: string): Promise<void> {
  const r = await api<{ alert: Alert }>("POST", `/api/v1/alerts/${alertId}/notes`, { text });
  keepAlert(r.alert);
}

/**
 * The alerts of a conversation that a command typed there may be for: the open ones the server
 * knows of, and every card loaded here (the newer copy of each wins).
 */
export async function conversationAlerts(convId: string): Promise<Alert[]> {
  const r = await api<{ items: Alert[] }>("GET", "/api/v1/alerts?status=open&limit=500");
  const out = new Map<string, Alert>();
  for (const a of [...r.items, ...Object.values(alerts.value)]) {
    if (a.conversationId !== convId) continue;
    const had = out.get(a.id);
    if (!had || had.updatedAt < a.updatedAt) out.set(a.id, a);
  }
  return [...out.values()];
}

/** Open alerts assigned to me, with whether each is overdue. */
export async function listMyTasks(): Promise<(Alert & { overdue: boolean })[]> {
  const r = await api<{ items: (Alert & { overdue: boolean })[] }>(
    "GET",
    "/api/v1/alerts?assignee=me&status=open",
  );
  return r.items;
}
