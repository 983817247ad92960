/**
 * On-call schedules: rotations with ordered participants, a shift length
 * (daily, weekly, N hours), a hand-off time in the schedule's time zone,
 * several layers (a higher layer wins where it applies) and overrides
 * ("I cover Tuesday night"). Daily and weekly shifts are counted in local
 * calendar days, so a 09:00 hand-off stays at 09:00 across DST changes.
 */
import { auditedAtomic } from "../audit/chain.ts";
import { z } from "zod";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { checkAbsent, commitOrConflict, listByIndex } from "../core/kv_util.ts";
import { HhMmSchema, TimeZoneSchema } from "../core/schemas.ts";
import { type User } from "../accounts/model.ts";
import { assertTeamAccess, requireTeamManager, teamRole } from "../accounts/teams.ts";
import { dayNumber, fromDayNumber, localParts, minutes, zonedInstant } from "./zoned_time.ts";

const DATE = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "YYYY-MM-DD");

export const LayerSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  participants: z.array(z.string().min(1).max(64)).min(1).max(100),
  rotation: z.enum(["daily", "weekly", "hours"]),
  /** Shift length for rotation "hours". */
  hours: z.number().int().min(1).max(24 * 28).optional(),
  /** Local hand-off time. */
  handoff: HhMmSchema.default("09:00"),
  /** Local date of the first shift (for weekly: its weekday is the hand-off day). */
  startDate: DATE,
  /** Only applies on these weekdays (0 = Sunday) and/or between these local times. */
  restrict: z.strictObject({
    days: z.array(z.number().int().min(0).max(6)).min(1).max(7).optional(),
    from: HhMmSchema.optional(),
    to: HhMmSchema.optional(),
  }).optional(),
}).refine(
  (l) => l.rotation !== "hours" || l.hours !== undefined,
  "hours: required for rotation hours",
);
export type Layer = z.infer<typeof LayerSchema>;

export const ScheduleInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  teamId: z.string().min(1).max(64),
  timeZone: TimeZoneSchema,
  /** Lowest first: a later layer wins where it applies. */
  layers: z.array(LayerSchema).min(1).max(10),
});
export type ScheduleInput = z.infer<typeof ScheduleInputSchema>;

/** An edit replaces name, zone and layers; the team stays, and so do the overrides. */
export const ScheduleUpdateSchema = ScheduleInputSchema.omit({ teamId: true });
export type ScheduleUpdate = z.infer<typeof ScheduleUpdateSchema>;

export const OverrideInputSchema = z.strictObject({
  userId: z.string().min(1).max(64),
  start: z.iso.datetime({ offset: true }),
  end: z.iso.datetime({ offset: true }),
});

export const OverrideSchema = z.object({
  id: z.string(),
  userId: z.string(),
  start: z.number(),
  end: z.number(),
  createdBy: z.string(),
  createdAt: z.number(),
});
export type Override = z.infer<typeof OverrideSchema>;

/** A stored schedule (`schedules/<id>`), its overrides inside it. */
export const ScheduleSchema = ScheduleInputSchema.extend({
  id: z.string(),
  overrides: z.array(OverrideSchema),
  createdAt: z.number(),
});
export type Schedule = z.infer<typeof ScheduleSchema>;

export interface Shift {
  userId: string;
  start: number;
  end: number;
}

/** Who a layer puts on call at `at`, with that shift's bounds; null before its start or outside its restriction. */
export function layerShift(layer: Layer, at: number, tz: string): Shift | null {
  const local = localParts(at, tz);
  const r = layer.restrict;
  if (r) {
    if (r.days && !r.days.includes(local.wd)) return null;
    const now = local.h * 60 + local.mi;
    const from = r.from ? minutes(r.from) : 0;
    const to = r.to ? minutes(r.to) : 24 * 60;
    const inside = from <= to ? now >= from && now < to : now >= from || now < to;
    if (!inside) return null;
  }
  const [sy, sm, sd] = layer.startDate.split("-").map(Number);
  const hand = minutes(layer.handoff);
  const n = layer.participants.length;
  if (layer.rotation === "hours") {
    const epoch = zonedInstant(sy, sm, sd, Math.floor(hand / 60), hand % 60, tz);
    const len = layer.hours! * 3_600_000;
    const k = Math.floor((at - epoch) / len);
    if (k < 0) return null;
    return {
      userId: layer.participants[k % n],
      start: epoch + k * len,
      end: epoch + (k + 1) * len,
    };
  }
  // Daily and weekly: count local calendar days since the first shift's date.
  const shiftDay = dayNumber(local.y, local.m, local.d) - (local.h * 60 + local.mi < hand ? 1 : 0);
  const days = shiftDay - dayNumber(sy, sm, sd);
  if (days < 0) return null;
  const span = layer.rotation === "daily" ? 1 : 7;
  const k = Math.floor(days / span);
  const firstDay = dayNumber(sy, sm, sd) + k * span;
  const at0 = (day: number) => {
    const [y, m, d] = fromDayNumber(day);
    return zonedInstant(y, m, d, Math.floor(hand / 60), hand % 60, tz);
  };
  return { userId: layer.participants[k % n], start: at0(firstDay), end: at0(firstDay + span) };
}

export interface OnCall {
  userId: string;
  /** "override" or the name of the layer that decided. */
  source: string;
}

/** Who is on call at `at`: an override covering it (the latest made wins), else the highest layer that applies. */
export function onCallAt(
  schedule: Pick<Schedule, "layers" | "overrides" | "timeZone">,
  at: number,
): OnCall | null {
  const ov = schedule.overrides.filter((o) => o.start <= at && at < o.end)
    .sort((a, b) => b.createdAt - a.createdAt)[0];
  if (ov) return { userId: ov.userId, source: "override" };
  for (let i = schedule.layers.length - 1; i >= 0; i--) {
    const s = layerShift(schedule.layers[i], at, schedule.timeZone);
    if (s) return { userId: s.userId, source: schedule.layers[i].name };
  }
  return null;
}

/** Sampling step when laying out the final schedule; changes are then located to the minute. */
const STEP_MS = 15 * 60_000;

/** The final schedule between `from` and `to` as contiguous segments (for calendars and iCal). */
export function segments(
  schedule: Schedule,
  from: number,
  to: number,
): (OnCall & { start: number; end: number })[] {
  const same = (a: OnCall | null, b: OnCall | null) =>
    a?.userId === b?.userId && a?.source === b?.source;
  // Override edges are sampled too, so that an override shorter than a step is not missed.
  const edges = schedule.overrides.flatMap((o) => [o.start, o.end]).filter((e) =>
    e > from && e < to
  );
  const out: (OnCall & { start: number; end: number })[] = [];
  let t = Math.floor(from / 60_000) * 60_000;
  let cur = onCallAt(schedule, t);
  let start = t;
  while (t < to) {
    const next = Math.min(t + STEP_MS, to, ...edges.filter((e) => e > t));
    if (same(onCallAt(schedule, next), cur)) {
      t = next;
      continue;
    }
    // Locate the first minute in (t, next] where it changes.
    let lo = t, hi = next;
    while (hi - lo > 60_000) {
      const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
      if (same(onCallAt(schedule, mid), cur)) lo = mid;
      else hi = mid;
    }
    if (cur) out.push({ ...cur, start, end: hi });
    cur = onCallAt(schedule, hi);
    start = t = hi;
  }
  if (cur && start < to) out.push({ ...cur, start, end: to });
  return out;
}

function icsTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}
function icsText(s: string): string {
  return s.replace(/[\\;,]/g, (c) => "\\" + c).replace(/\n/g, "\\n");
}

/** An iCalendar feed of the next `days` of the final schedule. */
export function toIcal(
  schedule: Schedule,
  names: Record<string, string>,
  now: number,
  days = 28,
): string {
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Tocsin//On-call//EN",
    "CALSCALE:GREGORIAN",
    `X-WR-CALNAME:${icsText(schedule.name)}`,
  ];
  for (const s of segments(schedule, now, now + days * 86_400_000)) {
    lines.push(
      "BEGIN:VEVENT",
      `UID:${schedule.id}-${s.start}-${s.userId}@tocsin`,
      `DTSTAMP:${icsTime(now)}`,
      `DTSTART:${icsTime(s.start)}`,
      `DTEND:${icsTime(s.end)}`,
      `SUMMARY:${icsText(`On call: ${names[s.userId] ?? s.userId}`)}`,
      `DESCRIPTION:${icsText(s.source === "override" ? "override" : `layer ${s.source}`)}`,
      "END:VEVENT",
    );
  }
  lines.push("END:VCALENDAR");
  return lines.join("\r\n") + "\r\n";
}

async function requireMembers(kv: Deno.Kv, teamId: string, userIds: string[]) {
  for (const u of new Set(userIds)) {
    if (!(await teamRole(kv, teamId, u))) {
      throw new ApiError("invalid_input", `user ${u} is not a member of the team`);
    }
  }
}

export async function createSchedule(
  deps: Deps,
  actor: User,
  input: ScheduleInput,
): Promise<Schedule> {
  const { kv, clock } = deps;
  await requireTeamManager(kv, actor, input.teamId);
  await requireMembers(kv, input.teamId, input.layers.flatMap((l) => l.participants));
  const schedule: Schedule = {
    ...input,
    id: ulid(clock.now()),
    overrides: [],
    createdAt: clock.now(),
  };
  const op = checkAbsent(
    auditedAtomic(kv, deps.clock, {
      action: "schedule.create",
      target: { type: "schedule", id: schedule.id },
    }),
    keys.schedule(schedule.id),
  )
    .set(keys.schedule(schedule.id), schedule)
    .set(keys.scheduleByTeam(input.teamId, schedule.id), schedule.id);
  await commitOrConflict(op, "could not create the schedule; retry");
  return schedule;
}

/**
 * Replaces a schedule's name, time zone and layers (team managers only);
 * overrides are kept. One commit, checked against the record it read.
 */
export async function updateSchedule(
  deps: Deps,
  actor: User,
  id: string,
  input: ScheduleUpdate,
): Promise<Schedule> {
  const { kv } = deps;
  const entry = await kv.get<Schedule>(keys.schedule(id));
  if (!entry.value) throw notFound("schedule");
  await assertTeamAccess(kv, actor, entry.value.teamId, "member", "schedule");
  await requireTeamManager(kv, actor, entry.value.teamId);
  await requireMembers(kv, entry.value.teamId, input.layers.flatMap((l) => l.participants));
  const updated: Schedule = { ...entry.value, ...input };
  await commitOrConflict(
    auditedAtomic(kv, deps.clock, {
      action: "schedule.update",
      target: { type: "schedule", id: id },
    }).check(entry).set(entry.key, updated),
    "the schedule changed; reload and retry",
  );
  return updated;
}

/**
 * Removes an override. Team managers may remove any; a member only one that
 * puts them on call or that they made.
 */
export async function deleteOverride(
  deps: Deps,
  actor: User,
  scheduleId: string,
  overrideId: string,
): Promise<Schedule> {
  const { kv } = deps;
  const entry = await kv.get<Schedule>(keys.schedule(scheduleId));
  if (!entry.value) throw notFound("schedule");
  const s = entry.value;
  await assertTeamAccess(kv, actor, s.teamId, "member", "schedule");
  const o = s.overrides.find((x) => x.id === overrideId);
  if (!o) throw notFound("override");
  const manager = actor.role === "admin" || (await teamRole(kv, s.teamId, actor.id)) === "admin";
  if (!manager && o.userId !== actor.id && o.createdBy !== actor.id) {
    throw new ApiError("forbidden", "members may only remove their own overrides");
  }
  const updated: Schedule = { ...s, overrides: s.overrides.filter((x) => x.id !== overrideId) };
  await commitOrConflict(
    auditedAtomic(kv, deps.clock, {
      action: "schedule.override_delete",
      target: { type: "schedule", id: scheduleId },
    }).check(entry).set(entry.key, updated),
    "the schedule changed; reload and retry",
  );
  return updated;
}

/** A schedule the user may see (a member of its team), or 404. */
export async function getScheduleFor(kv: Deno.Kv, user: User, id: string): Promise<Schedule> {
  const s = (await kv.get<Schedule>(keys.schedule(id))).value;
  if (!s) throw notFound("schedule");
  await assertTeamAccess(kv, user, s.teamId, "member", "schedule");
  return s;
}

export async function listSchedules(kv: Deno.Kv, teamId: string): Promise<Schedule[]> {
  return await listByIndex<Schedule>(kv, keys.schedulesByTeam(teamId), keys.schedule);
}

/**
 * Adds an override. Team managers may put anyone of the team on call; a
 * member may take a shift for themselves ("I cover Tuesday night").
 */
export async function addOverride(
  deps: Deps,
  actor: User,
  scheduleId: string,
  input: z.infer<typeof OverrideInputSchema>,
): Promise<Schedule> {
  const { kv, clock } = deps;
  const entry = await kv.get<Schedule>(keys.schedule(scheduleId));
  if (!entry.value) throw notFound("schedule");
  const s = entry.value;
  const role = await teamRole(kv, s.teamId, actor.id);
  if (!role && actor.role !== "admin") throw notFound("schedule");
  if (input.userId !== actor.id && role !== "admin" && actor.role !== "admin") {
    throw new ApiError("forbidden", "members may only take shifts for themselves");
  }
  await requireMembers(kv, s.teamId, [input.userId]);
  const start = Date.parse(input.start);
  const end = Date.parse(input.end);
  if (!(end > start)) throw new ApiError("invalid_input", "end must be after start");
  if (end - start > 31 * 86_400_000) {
    throw new ApiError("invalid_input", "an override lasts at most 31 days");
  }
  const now = clock.now();
  const o: Override = {
    id: ulid(now),
    userId: input.userId,
    start,
    end,
    createdBy: actor.id,
    createdAt: now,
  };
  // Old overrides drop off so that the record stays small.
  const kept = s.overrides.filter((x) => x.end > now - 7 * 86_400_000).slice(-200);
  const updated: Schedule = { ...s, overrides: [...kept, o] };
  const res = await auditedAtomic(kv, deps.clock, {
    action: "schedule.override_add",
    target: { type: "schedule", id: scheduleId },
  }).check(entry).set(entry.key, updated).commit();
  if (!res.ok) throw new ApiError("conflict", "the schedule changed; retry");
  return updated;
}
