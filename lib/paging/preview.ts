/**
 * What a policy would do from now on: who each step pages and when, if
 * nobody acknowledges, with schedules resolved at each step's own time
 * (a hand-off inside the window shows up).
 */
import type { Deps } from "../core/deps.ts";
import { POLICY_PREVIEW_STEPS_MAX } from "../core/config.ts";
import { type EscalationPolicy, resolveTargets } from "./policies.ts";

export interface PreviewStep {
  /** ISO time of the step. */
  at: string;
  /** 0-based level. */
  level: number;
  /** 0 for the first pass, then each repeat. */
  round: number;
  userIds: string[];
}

/** The steps of `policy` from `now` to `now + minutes`, in the order the timers would fire them. */
export async function previewPolicy(
  deps: Deps,
  policy: EscalationPolicy,
  now: number,
  minutes: number,
): Promise<PreviewStep[]> {
  const end = now + minutes * 60_000;
  const out: PreviewStep[] = [];
  let t = now, level = 0, round = 0;
  while (t <= end && out.length < POLICY_PREVIEW_STEPS_MAX) {
    const l = policy.levels[level];
    out.push({
      at: new Date(t).toISOString(),
      level,
      round,
      userIds: (await resolveTargets(deps.kv, policy.teamId, l.targets, t)).userIds,
    });
    // The same rule as nextEscalation: after the last level, start over while repeats remain.
    const last = level >= policy.levels.length - 1;
    if (last && round >= policy.repeat) break;
    t += l.delayMinutes * 60_000;
    if (last) {
      level = 0;
      round++;
    } else level++;
  }
  return out;
}
