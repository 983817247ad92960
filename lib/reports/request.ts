/**
 * Who may see which report, and over which days: a team's report for its members (and admins),
 * every team's for admins only. A range is whole calendar days of the reports' zone
 * (TOCSIN_REPORT_TIME_ZONE, the rollups' unit).
 */
import { z } from "zod";
import type { User } from "../accounts/model.ts";
import type { Team } from "../accounts/model.ts";
import { getTeam } from "../accounts/teams.ts";
import type { Config } from "../core/config.ts";
import { ApiError } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import { listAll } from "../core/kv_util.ts";
import { dayOf } from "./rollups.ts";
import { buildReport, type Report } from "./report.ts";

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
/** A day (2026-11-30) or an instant in ms since the epoch (its day in the reports' zone). */
const DaySchema = z.union([z.iso.date(), z.string().regex(/^\d{1,15}$/)]);

export const ReportQuerySchema = z.strictObject({
  /** A team's id; absent: every team (admins only). */
  team: z.string().regex(ULID, "must be a team id").optional(),
  /** First day covered; default: six days before `to`. */
  from: DaySchema.optional(),
  /** Last day covered (inclusive); default: today (in the reports' zone). */
  to: DaySchema.optional(),
});
export type ReportQuery = z.infer<typeof ReportQuerySchema>;

/** The day number of a calendar date, or of an instant's date in zone `tz`. */
function toDay(v: string, tz: string): number {
  return /^\d+$/.test(v) ? dayOf(Number(v), tz) : dayOf(Date.parse(v + "T00:00:00Z"));
}

/** The report `user` asked for: 404 for a team they are not in, 403 across teams unless admin. */
export async function reportFor(
  deps: {
    kv: Deno.Kv;
    config: Pick<Config, "reportMaxDays" | "reportTimeZone">;
    clock: { now(): number };
  },
  user: User,
  q: ReportQuery,
): Promise<Report> {
  const { kv, config } = deps;
  const tz = config.reportTimeZone;
  const to = q.to !== undefined ? toDay(q.to, tz) : dayOf(deps.clock.now(), tz);
  const from = q.from !== undefined ? toDay(q.from, tz) : to - 6;
  if (from > to) throw new ApiError("invalid_input", "from: must not be after to");
  if (to - from + 1 > config.reportMaxDays) {
    throw new ApiError("invalid_input", `the range is longer than ${config.reportMaxDays} days`);
  }
  let teams: Team[];
  if (q.team) teams = [await getTeam(kv, user, q.team)];
  else if (user.role === "admin") {
    teams = (await listAll<Team>(kv, keys.teams())).map((e) => e.value);
  } else throw new ApiError("forbidden", "only admins see the report across teams");
  const names = new Map(teams.map((t) => [t.id, t.name]));
  return await buildReport(kv, teams.map((t) => t.id), from, to, names, tz);
}
