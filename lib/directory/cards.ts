/**
 * The directory's people: search, a person's card (department, title, teams, the contacts they
 * chose to show, local time, on call now or next, status) and the card fields people set on
 * themselves (status text, time zone).
 */
import { z } from "zod";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import { getManyChunked, listAll } from "../core/kv_util.ts";
import { lineSchema, TimeZoneSchema } from "../core/schemas.ts";
import { type PublicUser, publicUser, type Team, type User } from "../accounts/model.ts";
import { listContacts } from "../notify/contacts.ts";
import { listSchedules, onCallAt, segments } from "../paging/schedules.ts";
import { type Department, listDepartments, subtreeIds } from "./departments.ts";

export const PeopleQuerySchema = z.strictObject({
  q: z.string().max(100).optional(),
  /** Only people in this department or below it. */
  departmentId: z.string().max(40).optional(),
});

/** What a person sets on their own card. Null clears a field. */
export const CardInputSchema = z.strictObject({
  status: z.strictObject({
    // The configured limit (TOCSIN_STATUS_MAX_CHARS) is checked in updateCard.
    text: lineSchema(1000),
    emoji: lineSchema(16).default(""),
  }).nullable().optional(),
  timeZone: TimeZoneSchema.nullable().optional(),
});
export type CardInput = z.infer<typeof CardInputSchema>;

/** Sets the caller's status and/or time zone. */
export async function updateCard(deps: Deps, userId: string, input: CardInput): Promise<User> {
  const { kv, config } = deps;
  const s = input.status;
  if (s && [...s.text].length > config.statusMaxChars) {
    throw new ApiError("invalid_input", `status: at most ${config.statusMaxChars} characters`);
  }
  // One emoji (possibly several code points joined); letters are not an emoji.
  if (s?.emoji && (/[\p{L}\p{N}\s]/u.test(s.emoji) || [...s.emoji].length > 8)) {
    throw new ApiError("invalid_input", "status: the emoji must be one emoji");
  }
  const entry = await kv.get<User>(keys.user(userId));
  if (!entry.value) throw notFound("user");
  const user: User = {
    ...entry.value,
    ...(s !== undefined ? { status: s && (s.text || s.emoji) ? s : null } : {}),
    ...(input.timeZone !== undefined ? { timeZone: input.timeZone } : {}),
  };
  if (!(await kv.atomic().check(entry).set(entry.key, user).commit()).ok) {
    throw new ApiError("conflict", "your profile changed meanwhile; retry");
  }
  return user;
}

/** People matching `q` (name, e-mail or title), optionally within a department's subtree. */
export async function searchPeople(
  deps: Deps,
  q: string,
  departmentId: string | undefined,
  limit: number,
): Promise<PublicUser[]> {
  const needle = q.trim().toLowerCase();
  const within = departmentId ? subtreeIds(await listDepartments(deps.kv), departmentId) : null;
  const out: PublicUser[] = [];
  for await (const e of deps.kv.list<User>({ prefix: keys.users() }, { batchSize: 500 })) {
    const u = e.value;
    if (u.disabled) continue;
    if (within && !(u.departmentId && within.has(u.departmentId))) continue;
    const hay = `${u.name}\n${u.email}\n${u.title ?? ""}`.toLowerCase();
    if (needle && !hay.includes(needle)) continue;
    out.push(publicUser(u));
  }
  out.sort((a, b) => a.name.localeCompare(b.name));
  return out.slice(0, limit);
}

export interface OnCallShift {
  teamName: string;
  scheduleName: string;
  /** When this stretch began (now) or begins (next). */
  start: number;
  /** When it ends; null when beyond a week. */
  end: number | null;
}

export interface PersonCard {
  user: PublicUser;
  /** The department's path from the top: ["Engineering", "SRE"]. */
  departmentPath: string[];
  /** Teams the viewer may see (shared ones; all for admins). */
  teams: { id: string; name: string }[];
  /** Contacts the person chose to show (verified e-mail and phone numbers only). */
  contacts: { kind: string; address: string }[];
  onCallNow: OnCallShift[];
  onCallNext: OnCallShift | null;
}

const WEEK_MS = 7 * 86_400_000;

/** A person's card as `viewer` sees it; 404 for an unknown or disabled person (non-admins). */
export async function getCard(deps: Deps, viewer: User, userId: string): Promise<PersonCard> {
  const { kv, clock } = deps;
  const user = (await kv.get<User>(keys.user(userId))).value;
  if (!user || (user.disabled && viewer.role !== "admin")) throw notFound("user");
  const depts = new Map<string, Department>(
    (await listDepartments(kv)).map((d) => [d.id, d]),
  );
  const departmentPath: string[] = [];
  for (let d = user.departmentId ?? null; d && departmentPath.length <= depts.size;) {
    const dept = depts.get(d);
    if (!dept) break;
    departmentPath.unshift(dept.name);
    d = dept.parentId;
  }
  const theirs = (await listAll(kv, keys.teamsByUser(user.id))).map((e) => String(e.key[2]));
  const mine = new Set(
    viewer.role === "admin"
      ? theirs
      : (await listAll(kv, keys.teamsByUser(viewer.id))).map((e) => String(e.key[2])),
  );
  const shared = theirs.filter((id) => mine.has(id));
  const teams = (await getManyChunked<Team>(kv, shared.map((id) => keys.team(id))))
    .flatMap((e) => e.value && !e.value.archivedAt ? [{ id: e.value.id, name: e.value.name }] : []);
  const contacts = (await listContacts(kv, user.id))
    .filter((c) => c.showInDirectory && c.verified && c.kind !== "webhook")
    .map((c) => ({ kind: c.kind, address: c.address }));
  const now = clock.now();
  const onCallNow: OnCallShift[] = [];
  let onCallNext: OnCallShift | null = null;
  for (const team of teams) {
    for (const s of await listSchedules(kv, team.id)) {
      const segs = segments(s, now, now + WEEK_MS);
      const at = onCallAt(s, now);
      if (at?.userId === user.id) {
        const end = segs[0]?.end;
        onCallNow.push({
          teamName: team.name,
          scheduleName: s.name,
          start: segs[0]?.start ?? now,
          end: end !== undefined && end < now + WEEK_MS ? end : null,
        });
        continue;
      }
      const next = segs.find((g) => g.userId === user.id && g.start > now);
      if (next && (!onCallNext || next.start < onCallNext.start)) {
        onCallNext = {
          teamName: team.name,
          scheduleName: s.name,
          start: next.start,
          end: next.end < now + WEEK_MS ? next.end : null,
        };
      }
    }
  }
  return {
    user: publicUser(user),
    departmentPath,
    teams,
    contacts,
    onCallNow,
    onCallNext,
  };
}
