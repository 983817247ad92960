/**
 * Silences (maintenance windows) per team: matchers as Alertmanager's, a start and an end, a
 * comment and a creator. A new alert that an active silence of its team matches is stored and
 * shown as silenced (`alert.silencedBy`) but pages nobody (ingest.ts). The team's conversation
 * hears when a silence starts and TOCSIN_SILENCE_END_NOTICE_MINUTES before it ends: two durable
 * timers (kind "silence") staged in the commit that creates or edits the silence.
 */
import { auditedAtomic } from "../audit/chain.ts";
import { z } from "zod";
import type { Alert } from "./model.ts";
import { type Matcher, MatcherSchema, matches, regexCost } from "./routing.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { checkAbsent, commitOrConflict, listByIndex } from "../core/kv_util.ts";
import {
  ROUTING_PROGRAM_MAX,
  SILENCE_KEEP_EXPIRED_DAYS,
  SILENCE_MAX_DAYS,
} from "../core/config.ts";
import type { Team, User } from "../accounts/model.ts";
import { assertTeamAccess, ensureTeamConversation } from "../accounts/teams.ts";
import { stageDeleteTimer, stageTimer, type Timer, timersOf } from "../jobs/timers.ts";
import { stageAppend } from "../chat/messages.ts";
import type { Head } from "../chat/model.ts";

const DAY_MS = 86_400_000;

/**
 * Parses matchers in Alertmanager's syntax (`{service="db", severity=~"crit.*"}`, braces
 * optional, values quoted or bare) into label matchers. Throws invalid_input on anything else.
 */
export function parseMatchers(text: string): Matcher[] {
  let s = text.trim();
  if (s.startsWith("{") && s.endsWith("}")) s = s.slice(1, -1);
  const out: Matcher[] = [];
  const re =
    /\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^,"]*?))\s*(,|$)/y;
  let i = 0;
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m || m[0].length === 0) {
      throw new ApiError("invalid_input", `matchers: cannot read ${JSON.stringify(s.slice(i))}`);
    }
    const value = m[3] !== undefined
      ? m[3].replace(/\\(.)/g, (_, c) => c === "n" ? "\n" : c)
      : m[4];
    out.push({ field: "label", label: m[1], op: m[2] as Matcher["op"], value });
    i = re.lastIndex;
    if (!m[5]) break;
  }
  return out;
}

/** Matchers as Alertmanager writes them: `{service="db", severity=~"crit.*"}` (other fields by name). */
export function formatMatchers(matchers: Matcher[]): string {
  return "{" +
    matchers.map((m) =>
      `${m.field === "label" ? m.label : m.field}${m.op}${JSON.stringify(m.value)}`
    ).join(", ") + "}";
}

const TimeSchema = z.union([z.number().int().positive(), z.iso.datetime({ offset: true })])
  .transform((v) => typeof v === "number" ? v : Date.parse(v));

/** Matchers: the routing editor's list, or one string in Alertmanager's syntax. */
const MatchersSchema = z.union([
  z.array(MatcherSchema).min(1).max(20),
  z.string().trim().min(1).max(2_000).transform((s, ctx) => {
    try {
      const parsed = z.array(MatcherSchema).min(1).max(20).safeParse(parseMatchers(s));
      if (parsed.success) return parsed.data;
      ctx.addIssue({ code: "custom", message: parsed.error.issues[0]?.message ?? "invalid" });
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
    }
    return z.NEVER;
  }),
]).superRefine((ms, ctx) => {
  if (regexCost(ms) > ROUTING_PROGRAM_MAX) {
    ctx.addIssue({ code: "custom", message: "the regexes are too complex together" });
  }
});

export const SilenceInputSchema = z.strictObject({
  teamId: z.string().min(1).max(64),
  matchers: MatchersSchema,
  /** Omitted: now. */
  startsAt: TimeSchema.optional(),
  endsAt: TimeSchema,
  comment: z.string().trim().min(1).max(1_000),
});
export type SilenceInput = z.infer<typeof SilenceInputSchema>;

/** An edit: matchers, times and comment (the team cannot change). */
export const SilenceUpdateSchema = SilenceInputSchema.omit({ teamId: true });
export type SilenceUpdate = z.infer<typeof SilenceUpdateSchema>;

export interface Silence {
  id: string;
  teamId: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  comment: string;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  updatedBy: string;
  /** Set when someone expired it early (endsAt is then that moment). */
  expiredAt: number | null;
}

export type SilenceState = "pending" | "active" | "expired";

export function silenceState(s: Silence, now: number): SilenceState {
  if (s.endsAt <= now) return "expired";
  return s.startsAt > now ? "pending" : "active";
}

/** The first silence of the alert's team active at `now` whose matchers all match the alert. */
export async function activeSilence(
  kv: Deno.Kv,
  alert: Pick<Alert, "teamId" | "labels" | "source" | "priority" | "title" | "integrationId">,
  now: number,
): Promise<Silence | null> {
  for (const s of await listSilences(kv, alert.teamId)) {
    if (silenceState(s, now) !== "active") continue;
    if (s.matchers.every((m) => matches(alert, m))) return s;
  }
  return null;
}

export async function listSilences(kv: Deno.Kv, teamId: string): Promise<Silence[]> {
  return await listByIndex<Silence>(kv, keys.silencesByTeam(teamId), keys.silence);
}

/** Loads a silence the user may see (a member of its team, or an admin). */
export async function getSilenceFor(kv: Deno.Kv, user: User, id: string): Promise<Silence> {
  const s = (await kv.get<Silence>(keys.silence(id))).value;
  if (!s) throw notFound("silence");
  await assertTeamAccess(kv, user, s.teamId, "member", "silence");
  return s;
}

function checkTimes(startsAt: number, endsAt: number, now: number): void {
  if (!Number.isFinite(startsAt) || !Number.isFinite(endsAt)) {
    throw new ApiError("invalid_input", "startsAt, endsAt: not a time");
  }
  if (endsAt <= startsAt) throw new ApiError("invalid_input", "endsAt: must be after startsAt");
  if (endsAt <= now) throw new ApiError("invalid_input", "endsAt: must be in the future");
  if (endsAt - startsAt > SILENCE_MAX_DAYS * DAY_MS) {
    throw new ApiError("invalid_input", `a silence lasts at most ${SILENCE_MAX_DAYS} days`);
  }
}

/** The key its timers are listed under (timers_by_alert). */
const timerOwner = (id: string) => `silence:${id}`;

/** Stages the start notice (unless it started already) and the ending notice. */
function stageNotices(
  deps: Deps,
  op: Deno.AtomicOperation,
  s: Silence,
  now: number,
  /** Whether to announce the start (at once when it starts now). */
  announce: boolean,
): void {
  const base = { alertId: timerOwner(s.id), kind: "silence" as const, ruleId: s.id, round: 0 };
  if (announce) {
    stageTimer(op, now, { ...base, id: ulid(now), dueAt: Math.max(s.startsAt, now), n: 0 });
  }
  const notice = Math.max(s.startsAt, s.endsAt - deps.config.silenceEndNoticeMinutes * 60_000);
  stageTimer(op, now, { ...base, id: ulid(now), dueAt: Math.max(notice, now), n: 1 });
}

async function stageCancelNotices(kv: Deno.Kv, op: Deno.AtomicOperation, id: string) {
  for (const e of await timersOf(kv, timerOwner(id))) {
    op.check(e);
    stageDeleteTimer(op, e.value);
  }
}

/** Creates a silence (any member of the team: silencing is part of handling alerts). */
export async function createSilence(
  deps: Deps,
  actor: User,
  input: SilenceInput,
): Promise<Silence> {
  const { kv, clock, config } = deps;
  await assertTeamAccess(kv, actor, input.teamId, "member");
  const now = clock.now();
  const startsAt = input.startsAt ?? now;
  checkTimes(startsAt, input.endsAt, now);
  // Its notices go to the team's alert conversation.
  await ensureTeamConversation(deps, input.teamId);
  const existing = await listSilences(kv, input.teamId);
  if (existing.filter((s) => silenceState(s, now) !== "expired").length >= config.silencesPerTeam) {
    throw new ApiError(
      "conflict",
      `a team has at most ${config.silencesPerTeam} active or future silences`,
    );
  }
  const s: Silence = {
    id: ulid(now),
    teamId: input.teamId,
    matchers: input.matchers,
    startsAt,
    endsAt: input.endsAt,
    comment: input.comment,
    createdBy: actor.id,
    createdAt: now,
    updatedAt: now,
    updatedBy: actor.id,
    expiredAt: null,
  };
  const op = checkAbsent(
    auditedAtomic(kv, deps.clock, {
      action: "silence.create",
      target: { type: "silence", id: s.id },
    }),
    keys.silence(s.id),
  )
    .set(keys.silence(s.id), s)
    .set(keys.silenceByTeam(s.teamId, s.id), s.id);
  // Silences that ended long ago leave the list in the same commit (a few at a time).
  const old = existing.filter((x) => x.endsAt < now - SILENCE_KEEP_EXPIRED_DAYS * DAY_MS);
  for (const x of old.slice(0, 20)) {
    op.delete(keys.silence(x.id)).delete(keys.silenceByTeam(x.teamId, x.id));
  }
  stageNotices(deps, op, s, now, true);
  const res = await deps.fanout.commitUnlogged(op);
  if (!res.ok) throw new ApiError("conflict", "could not create the silence; retry");
  return s;
}

/** Changes a silence's matchers, times and comment; its notices are scheduled afresh. */
export async function updateSilence(
  deps: Deps,
  actor: User,
  id: string,
  input: SilenceUpdate,
): Promise<Silence> {
  const { kv, clock } = deps;
  const e = await kv.get<Silence>(keys.silence(id));
  if (!e.value) throw notFound("silence");
  await assertTeamAccess(kv, actor, e.value.teamId, "member", "silence");
  const now = clock.now();
  if (silenceState(e.value, now) === "expired") {
    throw new ApiError("conflict", "the silence has expired; create a new one");
  }
  const startsAt = input.startsAt ?? e.value.startsAt;
  checkTimes(startsAt, input.endsAt, now);
  const s: Silence = {
    ...e.value,
    matchers: input.matchers,
    startsAt,
    endsAt: input.endsAt,
    comment: input.comment,
    updatedAt: now,
    updatedBy: actor.id,
  };
  const op = auditedAtomic(kv, deps.clock, {
    action: "silence.update",
    target: { type: "silence", id: id },
  }).check(e).set(keys.silence(id), s);
  await stageCancelNotices(kv, op, id);
  // A silence that had started already does not announce its start again.
  stageNotices(deps, op, s, now, silenceState(e.value, now) === "pending");
  const res = await deps.fanout.commitUnlogged(op);
  if (!res.ok) throw new ApiError("conflict", "the silence changed meanwhile; retry");
  return s;
}

/** Ends a silence now (kept in the list as expired). */
export async function expireSilence(deps: Deps, actor: User, id: string): Promise<Silence> {
  const { kv, clock } = deps;
  const e = await kv.get<Silence>(keys.silence(id));
  if (!e.value) throw notFound("silence");
  await assertTeamAccess(kv, actor, e.value.teamId, "member", "silence");
  const now = clock.now();
  if (silenceState(e.value, now) === "expired") {
    throw new ApiError("conflict", "the silence has expired already");
  }
  const s: Silence = {
    ...e.value,
    startsAt: Math.min(e.value.startsAt, now),
    endsAt: now,
    expiredAt: now,
    updatedAt: now,
    updatedBy: actor.id,
  };
  const op = auditedAtomic(kv, deps.clock, {
    action: "silence.expire",
    target: { type: "silence", id: id },
  }).check(e).set(keys.silence(id), s);
  await stageCancelNotices(kv, op, id);
  await commitOrConflict(op, "the silence changed meanwhile; retry");
  return s;
}

/** Deletes a silence (alerts it silenced stay silenced; their record names the id). */
export async function deleteSilence(deps: Deps, actor: User, id: string): Promise<void> {
  const { kv } = deps;
  const e = await kv.get<Silence>(keys.silence(id));
  if (!e.value) throw notFound("silence");
  await assertTeamAccess(kv, actor, e.value.teamId, "member", "silence");
  const op = auditedAtomic(kv, deps.clock, {
    action: "silence.delete",
    target: { type: "silence", id: id },
  }).check(e).delete(e.key).delete(keys.silenceByTeam(e.value.teamId, id));
  await stageCancelNotices(kv, op, id);
  await commitOrConflict(op, "the silence changed meanwhile; retry");
}

/**
 * Fires a silence notice: check-and-set on the timer, and in the same commit a system message
 * in the team's conversation ("silence started", "silence ends soon"). True when it posted.
 */
export async function fireSilenceNotice(deps: Deps, timerId: string): Promise<boolean> {
  const { kv, clock, fanout } = deps;
  const first = await kv.get<Timer>(keys.timer(timerId));
  if (first.value?.kind !== "silence" || first.value.dueAt > clock.now()) return false;
  const s = (await kv.get<Silence>(keys.silence(first.value.ruleId))).value;
  const team = s ? (await kv.get<Team>(keys.team(s.teamId))).value : null;
  if (!s || !team?.conversationId) {
    const op = kv.atomic().check(first);
    stageDeleteTimer(op, first.value);
    await op.commit();
    return false;
  }
  const convId = team.conversationId;
  return await fanout.commit<boolean>(fanout.shard(convId), async (op) => {
    const now = clock.now();
    const [t, cur, head] = await kv.getMany<[Timer, Silence, Head]>([
      keys.timer(timerId),
      keys.silence(s.id),
      keys.head(convId),
    ]);
    if (t.value?.kind !== "silence") return { done: false };
    op.check(t).check(cur);
    stageDeleteTimer(op, t.value);
    const state = cur.value ? silenceState(cur.value, now) : "expired";
    if (state !== "active") return { hints: [], result: false };
    const msg = stageAppend(op, head, convId, {
      kind: "system",
      senderId: null,
      text: cur.value!.comment,
      system: {
        event: t.value.n === 0 ? "silence_started" : "silence_ending",
        actorId: cur.value!.createdBy,
        title: `${formatMatchers(cur.value!.matchers)} ${cur.value!.comment}`.slice(0, 500),
      },
    }, now);
    return { hints: [{ t: "msg", c: convId, s: msg.seq }], result: true };
  });
}
