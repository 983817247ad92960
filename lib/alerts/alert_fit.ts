/**
 * Shaping an alert record to KV: merging a group's items by fingerprint, and keeping the record
 * under KV's 64 KiB value limit whatever the sender put in it.
 */
import type { Alert, AlertItem } from "./model.ts";

/** Largest JSON size of an alert record (KV's value limit is 64 KiB; JSON is UTF-16-ish). */
const VALUE_MAX = 30_000;

/** The items after an event: incoming ones replace those with the same fingerprint. */
export function mergeItems(old: AlertItem[], incoming: AlertItem[]): AlertItem[] {
  const map = new Map(old.map((i) => [i.fingerprint, i]));
  for (const i of incoming) map.set(i.fingerprint, i);
  return [...map.values()];
}

/** Keeps an alert record under KV's 64 KiB value limit by itemising fewer group members. */
export function fit(alert: Alert, maxItems: number): Alert {
  if (alert.items.length > maxItems) {
    alert.itemsOmitted += alert.items.length - maxItems;
    alert.items = alert.items.slice(0, maxItems);
  }
  while (JSON.stringify(alert).length > VALUE_MAX && alert.items.length > 1) {
    const drop = Math.ceil(alert.items.length / 4);
    alert.items = alert.items.slice(0, alert.items.length - drop);
    alert.itemsOmitted += drop;
  }
  if (JSON.stringify(alert).length > VALUE_MAX) {
    alert.annotations = {};
    alert.summary = alert.summary.slice(0, 2_000);
  }
  if (JSON.stringify(alert).length > VALUE_MAX) {
    // Last resort: whatever the sender put in labels and links, the record must fit.
    alert.labels = Object.fromEntries(
      Object.entries(alert.labels).slice(0, 20).map(([k, v]) => [k.slice(0, 100), v.slice(0, 200)]),
    );
    alert.links = alert.links.slice(0, 10);
    alert.images = alert.images.slice(0, 5);
    alert.itemsOmitted += alert.items.length;
    alert.items = [];
    alert.title = alert.title.slice(0, 300);
  }
  return alert;
}
