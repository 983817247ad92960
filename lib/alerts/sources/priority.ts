/** Severity words and numbers from sources mapped to Tocsin's four priorities. */
import type { AlertEvent, IntegrationType, Priority } from "../model.ts";
import { PrioritySchema } from "../model.ts";

/** Maps a word or number to a priority (used for explicit priorities). */
export function normalizePriority(s: string): Priority | undefined {
  const v = s.trim().toLowerCase();
  if (PrioritySchema.safeParse(v).success) return v as Priority;
  return own(DEFAULT_SEVERITY_MAP, v);
}

/** Default severity -> priority mapping; an integration may override entries. */
export const DEFAULT_SEVERITY_MAP: Record<string, Priority> = {
  critical: "urgent",
  p1: "urgent",
  "1": "urgent",
  disaster: "urgent",
  error: "high",
  high: "high",
  p2: "high",
  "2": "high",
  warning: "medium",
  average: "medium",
  p3: "medium",
  "3": "medium",
  info: "low",
  information: "low",
  low: "low",
  p4: "low",
  p5: "low",
  "4": "low",
  "5": "low",
};

/** Zabbix NSEVERITY: 5 disaster, 4 high, 3 average, 2 warning, 1 information, 0 not classified. */
const ZABBIX_SEVERITY: Record<string, Priority> = {
  "5": "urgent",
  "4": "high",
  "3": "medium",
  "2": "medium",
  "1": "low",
  "0": "low",
};

/** The priority of an event: explicit, else the integration's mapping of its severity, else medium. */
export function priorityOf(
  type: IntegrationType,
  event: AlertEvent,
  overrides: Record<string, Priority> = {},
): Priority {
  if (event.priority) return event.priority;
  const sev = (event.severity ?? "").toLowerCase();
  const override = own(overrides, sev);
  if (sev && override) return override;
  if (type === "zabbix") return own(ZABBIX_SEVERITY, sev) ?? "medium";
  return own(DEFAULT_SEVERITY_MAP, sev) ?? "medium";
}

/** `map[k]` for own entries only: a severity such as "constructor" must not find Object's. */
function own<T>(map: Record<string, T>, k: string): T | undefined {
  return Object.hasOwn(map, k) ? map[k] : undefined;
}
