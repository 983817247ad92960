/** Who is on call now in each of a team's schedules (the team page, the alert conversation). */
import { keys } from "../core/keys.ts";
import { getManyChunked } from "../core/kv_util.ts";
import type { User } from "../accounts/model.ts";
import { listSchedules, onCallAt, type Schedule, segments } from "./schedules.ts";

export interface OnCallNow {
  scheduleId: string;
  scheduleName: string;
  timeZone: string;
  /** Null: nobody (before the first shift, or outside every layer's restriction). */
  userId: string | null;
  name: string | null;
  /** "override" or the deciding layer's name. */
  source: string | null;
  /** When this stretch ends (epoch ms), if within the next week. */
  until: number | null;
}

const UNTIL_HORIZON_MS = 7 * 86_400_000;

export async function onCallNow(kv: Deno.Kv, teamId: string, now: number): Promise<OnCallNow[]> {
  const schedules: Schedule[] = await listSchedules(kv, teamId);
  const who = schedules.map((s) => onCallAt(s, now));
  const ids = [...new Set(who.flatMap((w) => w ? [w.userId] : []))];
  const users = await getManyChunked<User>(kv, ids.map((id) => keys.user(id)));
  const names = new Map(ids.map((id, i) => [id, users[i].value?.name ?? id]));
  return schedules.map((s, i) => {
    const w = who[i];
    const seg = w ? segments(s, now, now + UNTIL_HORIZON_MS)[0] : null;
    return {
      scheduleId: s.id,
      scheduleName: s.name,
      timeZone: s.timeZone,
      userId: w?.userId ?? null,
      name: w ? names.get(w.userId) ?? w.userId : null,
      source: w?.source ?? null,
      until: seg && seg.end < now + UNTIL_HORIZON_MS ? seg.end : null,
    };
  });
}
