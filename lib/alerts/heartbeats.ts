/**
 * Heartbeats (dead-man's switches) per team. A job pings `/ping/<id>` (GET or POST, its token
 * in `?token=` or an `Authorization: Bearer` header) at least every interval; when no ping
 * came within interval + grace, an alert opens through the team's routing and paging (the
 * normal ingest, as if an integration of the heartbeat had triggered), and the next ping
 * resolves it.
 *
 * The deadline is a durable timer (kind "heartbeat") replaced by each ping in one atomic commit
 * that checks the heartbeat it read. The missed-ping alert is committed together with the
 * timer's deletion and the heartbeat's "down" state (applyEvent's `stage`), so a heartbeat
 * missed across a crash or restart alerts exactly once: whichever process sweeps the timer.
 */
import { auditedAtomic } from "../audit/chain.ts";
import { z } from "zod";
import type { AlertEvent } from "./model.ts";
import { PrioritySchema } from "./model.ts";
import { applyEvent } from "./ingest.ts";
import type { Integration } from "./integrations.ts";
import { randomToken, sha256Hex, timingSafeEqual } from "../core/crypto.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { checkAbsent, listByIndex } from "../core/kv_util.ts";
import { NameSchema } from "../core/schemas.ts";
import type { Team, User } from "../accounts/model.ts";
import { assertTeamAccess, ensureTeamConversation, requireTeamManager } from "../accounts/teams.ts";
import { stageDeleteTimer, stageTimer, type Timer } from "../jobs/timers.ts";

/** Prefix of heartbeat tokens. */
export const HEARTBEAT_TOKEN_PREFIX = "thb_";
/** Shortest interval and grace: a ping a minute is the usual cron granularity; seconds are for tests and tight loops. */
const SECONDS_MIN = 1;
/** Longest interval and grace: a monthly job. */
const SECONDS_MAX = 31 * 86_400;

export const HeartbeatInputSchema = z.strictObject({
  teamId: z.string().min(1).max(64),
  name: NameSchema,
  intervalSeconds: z.number().int().min(SECONDS_MIN).max(SECONDS_MAX),
  graceSeconds: z.number().int().min(0).max(SECONDS_MAX),
  priority: PrioritySchema.default("high"),
});
export type HeartbeatInput = z.infer<typeof HeartbeatInputSchema>;
export const HeartbeatUpdateSchema = HeartbeatInputSchema.omit({ teamId: true }).partial();
export type HeartbeatUpdate = z.infer<typeof HeartbeatUpdateSchema>;

export interface Heartbeat {
  id: string;
  teamId: string;
  name: string;
  intervalSeconds: number;
  graceSeconds: number;
  priority: z.infer<typeof PrioritySchema>;
  tokenHash: string;
  createdAt: number;
  createdBy: string;
  /** "new": never pinged (no deadline yet); "up": pinged in time; "down": missed, alert open. */
  status: "new" | "up" | "down";
  lastPingAt: number | null;
  /** The pending deadline timer and when it is due (null while new or down). */
  timerId: string | null;
  dueAt: number | null;
  /** The alert a missed deadline opened (kept after it resolves, for the page's link). */
  alertId: string | null;
}

/** What the API shows of a heartbeat: never its token hash. */
export function publicHeartbeat(h: Heartbeat) {
  const { tokenHash: _t, ...rest } = h;
  return { ...rest, url: `/ping/${h.id}` };
}

const owner = (id: string) => `heartbeat:${id}`;

/** The integration a heartbeat's alerts come from, as ingest sees it (never stored). */
function asIntegration(h: Heartbeat): Integration {
  return {
    id: h.id,
    name: h.name,
    type: "events",
    teamId: h.teamId,
    tokenHash: "",
    signingSecret: null,
    severityMap: {},
    createdAt: h.createdAt,
    createdBy: h.createdBy,
  };
}

function event(h: Heartbeat, action: "trigger" | "resolve", now: number): AlertEvent {
  const late = h.lastPingAt ? new Date(h.lastPingAt).toISOString() : "never";
  return {
    key: "heartbeat",
    action,
    title: `Heartbeat missed: ${h.name}`,
    summary: action === "trigger"
      ? `No ping within ${h.intervalSeconds} s (+${h.graceSeconds} s grace). Last ping: ${late}.`
      : "",
    source: "heartbeat",
    severity: null,
    priority: h.priority,
    labels: { heartbeat: h.name },
    annotations: {},
    links: [],
    images: [],
    note: action === "resolve" ? `ping received at ${new Date(now).toISOString()}` : undefined,
  };
}

export async function listHeartbeats(kv: Deno.Kv, teamId: string): Promise<Heartbeat[]> {
  return await listByIndex<Heartbeat>(kv, keys.heartbeatsByTeam(teamId), keys.heartbeat);
}

export async function getHeartbeatFor(kv: Deno.Kv, user: User, id: string): Promise<Heartbeat> {
  const h = (await kv.get<Heartbeat>(keys.heartbeat(id))).value;
  if (!h) throw notFound("heartbeat");
  await assertTeamAccess(kv, user, h.teamId, "member", "heartbeat");
  return h;
}

/** Creates a heartbeat (admins and team admins); returns it with its token, shown once. */
export async function createHeartbeat(
  deps: Deps,
  actor: User,
  input: HeartbeatInput,
): Promise<{ heartbeat: Heartbeat; token: string }> {
  const { kv, clock, config } = deps;
  await requireTeamManager(kv, actor, input.teamId);
  if ((await listHeartbeats(kv, input.teamId)).length >= config.heartbeatsPerTeam) {
    throw new ApiError("conflict", `a team has at most ${config.heartbeatsPerTeam} heartbeats`);
  }
  // Its alerts go to the team's alert conversation, as an integration's do.
  await ensureTeamConversation(deps, input.teamId);
  const now = clock.now();
  const token = randomToken(HEARTBEAT_TOKEN_PREFIX);
  const h: Heartbeat = {
    id: ulid(now),
    ...input,
    tokenHash: await sha256Hex(token),
    createdAt: now,
    createdBy: actor.id,
    status: "new",
    lastPingAt: null,
    timerId: null,
    dueAt: null,
    alertId: null,
  };
  const res = await checkAbsent(
    auditedAtomic(kv, deps.clock, {
      action: "heartbeat.create",
      target: { type: "heartbeat", id: h.id },
    }),
    keys.heartbeat(h.id),
  )
    .set(keys.heartbeat(h.id), h).set(keys.heartbeatByTeam(h.teamId, h.id), h.id).commit();
  if (!res.ok) throw new ApiError("conflict", "could not create the heartbeat; retry");
  return { heartbeat: h, token };
}

/** The heartbeat's pending deadline timer, as stageDeleteTimer needs it. */
function deadline(h: Heartbeat): Timer | null {
  return h.timerId && h.dueAt !== null
    ? {
      id: h.timerId,
      alertId: owner(h.id),
      kind: "heartbeat",
      ruleId: h.id,
      dueAt: h.dueAt,
      n: 0,
      round: 0,
    }
    : null;
}

/** Edits name, interval, grace or priority; a pending deadline moves to the new interval. */
export async function updateHeartbeat(
  deps: Deps,
  actor: User,
  id: string,
  input: HeartbeatUpdate,
): Promise<Heartbeat> {
  const { kv, clock } = deps;
  for (let attempt = 0; attempt < 5; attempt++) {
    const e = await kv.get<Heartbeat>(keys.heartbeat(id));
    if (!e.value) throw notFound("heartbeat");
    await requireTeamManager(kv, actor, e.value.teamId);
    const now = clock.now();
    const h: Heartbeat = { ...e.value, ...input };
    const op = auditedAtomic(kv, deps.clock, {
      action: "heartbeat.update",
      target: { type: "heartbeat", id: id },
    }).check(e);
    const old = deadline(e.value);
    if (old && e.value.lastPingAt !== null) {
      stageDeleteTimer(op, old);
      stageDeadline(op, h, Math.max(now, e.value.lastPingAt), now);
    }
    op.set(keys.heartbeat(id), h);
    if ((await deps.fanout.commitUnlogged(op)).ok) return h;
  }
  throw new ApiError("conflict", "the heartbeat changed meanwhile; retry");
}

/** Replaces the token; the old one stops working at once. */
export async function rotateHeartbeatToken(deps: Deps, actor: User, id: string): Promise<string> {
  const { kv } = deps;
  const e = await kv.get<Heartbeat>(keys.heartbeat(id));
  if (!e.value) throw notFound("heartbeat");
  await requireTeamManager(kv, actor, e.value.teamId);
  const token = randomToken(HEARTBEAT_TOKEN_PREFIX);
  const res = await auditedAtomic(kv, deps.clock, {
    action: "heartbeat.rotate_token",
    target: { type: "heartbeat", id: id },
  }).check(e)
    .set(e.key, { ...e.value, tokenHash: await sha256Hex(token) }).commit();
  if (!res.ok) throw new ApiError("conflict", "the heartbeat changed meanwhile; retry");
  return token;
}

/** Deletes a heartbeat and its deadline (an alert it opened stays, to be resolved by hand). */
export async function deleteHeartbeat(deps: Deps, actor: User, id: string): Promise<void> {
  const { kv } = deps;
  const e = await kv.get<Heartbeat>(keys.heartbeat(id));
  if (!e.value) throw notFound("heartbeat");
  await requireTeamManager(kv, actor, e.value.teamId);
  const op = auditedAtomic(kv, deps.clock, {
    action: "heartbeat.delete",
    target: { type: "heartbeat", id: id },
  }).check(e).delete(e.key).delete(keys.heartbeatByTeam(e.value.teamId, id));
  const old = deadline(e.value);
  if (old) stageDeleteTimer(op, old);
  if (!(await op.commit()).ok) throw new ApiError("conflict", "the heartbeat changed; retry");
}

/** Stages a new deadline from `from` into `h` (mutated) and the timer. */
function stageDeadline(op: Deno.AtomicOperation, h: Heartbeat, from: number, now: number): void {
  const dueAt = from + (h.intervalSeconds + h.graceSeconds) * 1000;
  const t: Timer = {
    id: ulid(now),
    alertId: owner(h.id),
    kind: "heartbeat",
    ruleId: h.id,
    dueAt,
    n: 0,
    round: 0,
  };
  h.timerId = t.id;
  h.dueAt = dueAt;
  stageTimer(op, now, t);
}

/** What a ping did. */
export interface PingResult {
  status: Heartbeat["status"];
  /** The alert the ping resolved, if it was down. */
  resolved: string | null;
}

/**
 * A ping: checks the token, then in one commit replaces the deadline and marks the heartbeat up;
 * when it was down, that commit also resolves its open alert. 404 for an unknown id and 401 for
 * a wrong token (both safe for a sender to give up on).
 */
export async function pingHeartbeat(
  deps: Deps,
  id: string,
  token: string | null,
): Promise<PingResult> {
  const { kv, clock } = deps;
  for (let attempt = 0; attempt < 10; attempt++) {
    const e = await kv.get<Heartbeat>(keys.heartbeat(id));
    if (!e.value) throw new ApiError("not_found", "no such heartbeat");
    if (!token || !timingSafeEqual(await sha256Hex(token), e.value.tokenHash)) {
      throw new ApiError("unauthorized", "missing or invalid token");
    }
    const stagePing = (op: Deno.AtomicOperation, h0: Heartbeat, now: number) => {
      const h: Heartbeat = { ...h0, status: "up", lastPingAt: now };
      const old = deadline(h0);
      if (old) stageDeleteTimer(op, old);
      stageDeadline(op, h, now, now);
      op.set(keys.heartbeat(id), h);
    };
    if (e.value.status === "down") {
      const team = (await kv.get<Team>(keys.team(e.value.teamId))).value;
      if (team?.conversationId) {
        const r = await applyEvent(
          deps,
          asIntegration(e.value),
          event(e.value, "resolve", clock.now()),
          "",
          {
            stage: async (op, now) => {
              const cur = await kv.get<Heartbeat>(keys.heartbeat(id));
              if (cur.versionstamp !== e.versionstamp || !cur.value) return false;
              op.check(cur);
              stagePing(op, cur.value, now);
              return true;
            },
          },
        );
        if (r.outcome !== "ignored") return { status: "up", resolved: r.alertId };
      }
      // Nothing open to resolve (someone resolved it by hand), or the heartbeat changed: a plain ping.
    }
    const op = kv.atomic().check(e);
    stagePing(op, e.value, clock.now());
    if ((await deps.fanout.commitUnlogged(op)).ok) return { status: "up", resolved: null };
  }
  throw new ApiError("unavailable", "the heartbeat is busy; retry", 1);
}

/**
 * A heartbeat's deadline passed: in one commit, the timer goes, the heartbeat turns "down" and
 * the alert opens (or the open one repeats) through the team's routing and paging. True when
 * it alerted.
 */
export async function fireHeartbeat(deps: Deps, timerId: string): Promise<boolean> {
  const { kv, clock } = deps;
  const t = await kv.get<Timer>(keys.timer(timerId));
  if (t.value?.kind !== "heartbeat" || t.value.dueAt > clock.now()) return false;
  const h = await kv.get<Heartbeat>(keys.heartbeat(t.value.ruleId));
  const team = h.value ? (await kv.get<Team>(keys.team(h.value.teamId))).value : null;
  if (
    !h.value || h.value.timerId !== timerId || !team?.conversationId ||
    team.archivedAt !== undefined
  ) {
    // A deadline a ping replaced, of a deleted heartbeat, or of a team that pages nobody.
    const op = kv.atomic().check(t);
    stageDeleteTimer(op, t.value);
    if (h.value?.timerId === timerId) {
      op.check(h).set(h.key, { ...h.value, timerId: null, dueAt: null });
    }
    await op.commit();
    return false;
  }
  const hb = h.value;
  const r = await applyEvent(deps, asIntegration(hb), event(hb, "trigger", clock.now()), "", {
    stage: async (op) => {
      const [t2, h2] = await kv.getMany<[Timer, Heartbeat]>([keys.timer(timerId), h.key]);
      if (!t2.value || h2.value?.timerId !== timerId) return false;
      op.check(t2).check(h2);
      stageDeleteTimer(op, t2.value);
      // The alert's id is known only inside applyEvent; the dedup key finds it, and the page
      // reads it from the index below after the commit.
      op.set(h.key, { ...h2.value, status: "down", timerId: null, dueAt: null });
      return true;
    },
  });
  if (r.outcome === "ignored" || !r.alertId) return false;
  // Remember which alert it opened (for the page's link); best effort, the state is already down.
  const cur = await kv.get<Heartbeat>(h.key);
  if (cur.value && cur.value.alertId !== r.alertId) {
    await kv.atomic().check(cur).set(cur.key, { ...cur.value, alertId: r.alertId }).commit();
  }
  return true;
}
