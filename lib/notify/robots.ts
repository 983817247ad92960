/**
 * Chat robots: a team's alerts posted to a DingTalk, Feishu/Lark, WeCom or
 * Slack group (or any signed webhook) as they open, are acknowledged and
 * resolve. Events go to a per-robot outbox in the alert's own commit; one
 * durable flush timer per robot sends everything pending as one message,
 * never more than the platform's messages per minute (DingTalk and WeCom
 * allow 20), and retries transient failures.
 */
import { auditedAtomic } from "../audit/chain.ts";
import { z } from "zod";
import type { Alert } from "../alerts/model.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { checkAbsent, commitOrConflict, listAll, listByIndex } from "../core/kv_util.ts";
import { hmacSha256Base64, hmacSha256Hex } from "../core/crypto.ts";
import { checkOutboundUrl, sendOutbound } from "./outbound.ts";
import type { User } from "../accounts/model.ts";
import { assertTeamAccess, requireTeamManager } from "../accounts/teams.ts";
import { stageDeleteTimer, stageTimer, type Timer } from "../jobs/timers.ts";
import { log } from "../core/log.ts";

export const RobotInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  teamId: z.string().min(1).max(64),
  kind: z.enum(["dingtalk", "feishu", "wecom", "slack", "webhook"]),
  url: z.string().max(2048),
  /** DingTalk and Feishu signing secret; HMAC key for "webhook". */
  secret: z.string().max(256).optional(),
});
export type RobotInput = z.infer<typeof RobotInputSchema>;
/** A stored robot (`robots/<id>`). */
export const RobotSchema = RobotInputSchema.extend({ id: z.string(), createdAt: z.number() });
export type Robot = z.infer<typeof RobotSchema>;

/** Messages per rolling minute each platform accepts from one robot. */
export const ROBOT_PER_MINUTE: Record<Robot["kind"], number> = {
  dingtalk: 20,
  wecom: 20,
  feishu: 100,
  slack: 60,
  webhook: 600,
};
/** Events folded into one message at most. */
const BATCH_MAX = 20;
/** Waits after transient failures. */
const ROBOT_BACKOFF_MS = [10_000, 60_000, 300_000];

/** A pending event in a robot's outbox (`robot_outbox/<robot>/<id>`). */
const OutboxItemSchema = z.object({
  event: z.enum(["opened", "acknowledged", "resolved"]),
  alertId: z.string(),
  title: z.string(),
  priority: z.string(),
  url: z.string(),
  at: z.number(),
});
type OutboxItem = z.infer<typeof OutboxItemSchema>;

/**
 * A robot's URL as shown after its creation: for DingTalk, WeCom, Slack and Feishu the URL
 * itself is the credential (`access_token=`, `key=`, the hooks path), so only its scheme, host
 * and last 4 characters are shown, enough to tell robots apart.
 */
export function maskRobotUrl(url: string): string {
  const tail = url.length > 12 ? url.slice(-4) : "";
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…${tail}`;
  } catch {
    return `…${tail}`;
  }
}

/** A robot as every read shows it: URL masked, signing secret never returned. */
export function publicRobot(r: Robot) {
  return { ...r, url: maskRobotUrl(r.url), secret: r.secret ? "********" : undefined };
}

/** The create answer: the only time the full URL is returned (the secret still is not). */
export function createdRobot(r: Robot) {
  return { ...publicRobot(r), url: r.url };
}

async function checkRobot(deps: Deps, input: RobotInput): Promise<void> {
  await checkOutboundUrl(input.url, deps.config);
  if (
    (input.kind === "dingtalk" || input.kind === "feishu" || input.kind === "webhook") &&
    !input.secret
  ) {
    throw new ApiError("invalid_input", `secret: ${input.kind} robots are signed`);
  }
}

export async function createRobot(deps: Deps, actor: User, input: RobotInput): Promise<Robot> {
  await requireTeamManager(deps.kv, actor, input.teamId);
  await checkRobot(deps, input);
  const r: Robot = { ...input, id: ulid(deps.clock.now()), createdAt: deps.clock.now() };
  const op = checkAbsent(
    auditedAtomic(deps.kv, deps.clock, {
      action: "robot.create",
      target: { type: "robot", id: r.id },
    }),
    keys.robot(r.id),
  )
    .set(keys.robot(r.id), r)
    .set(keys.robotByTeam(r.teamId, r.id), r.id);
  await commitOrConflict(op, "could not create the robot; retry");
  return r;
}

export async function listRobots(kv: Deno.Kv, teamId: string): Promise<Robot[]> {
  return await listByIndex<Robot>(kv, keys.robotsByTeam(teamId), keys.robot);
}

export async function deleteRobot(deps: Deps, actor: User, id: string): Promise<void> {
  const r = (await deps.kv.get<Robot>(keys.robot(id))).value;
  if (!r) throw notFound("robot");
  await assertTeamAccess(deps.kv, actor, r.teamId, "member", "robot");
  await requireTeamManager(deps.kv, actor, r.teamId);
  await auditedAtomic(deps.kv, deps.clock, {
    action: "robot.delete",
    target: { type: "robot", id: id },
  }).delete(keys.robot(id)).delete(keys.robotByTeam(r.teamId, id)).commit();
}

/**
 * The edit of a robot: its URL and secret are credentials the API does not
 * show back, so leaving either out (or empty) keeps the saved one.
 */
export const RobotUpdateSchema = RobotInputSchema.omit({ teamId: true }).extend({
  url: RobotInputSchema.shape.url.optional(),
});
export type RobotUpdate = z.infer<typeof RobotUpdateSchema>;

/** Loads a robot its team's admins (or an admin) may change or test. */
async function getRobotToChange(deps: Deps, actor: User, id: string) {
  const e = await deps.kv.get<Robot>(keys.robot(id));
  if (!e.value) throw notFound("robot");
  await assertTeamAccess(deps.kv, actor, e.value.teamId, "member", "robot");
  await requireTeamManager(deps.kv, actor, e.value.teamId);
  return e as Deno.KvEntry<Robot>;
}

export async function updateRobot(
  deps: Deps,
  actor: User,
  id: string,
  update: RobotUpdate,
): Promise<Robot> {
  const e = await getRobotToChange(deps, actor, id);
  const r: Robot = {
    ...e.value,
    name: update.name,
    kind: update.kind,
    url: update.url || e.value.url,
    secret: update.secret || e.value.secret,
  };
  await checkRobot(deps, r);
  await commitOrConflict(
    auditedAtomic(deps.kv, deps.clock, {
      action: "robot.update",
      target: { type: "robot", id: id },
    }).check(e).set(e.key, r),
    "the robot changed meanwhile; reload and retry",
  );
  return r;
}

/**
 * Sends one test message through a robot now (not through its outbox) and
 * answers what the platform said.
 */
export async function testRobot(
  deps: Deps,
  actor: User,
  id: string,
): Promise<{ ok: boolean; detail: string }> {
  const r = (await getRobotToChange(deps, actor, id)).value;
  const now = deps.clock.now();
  // The test takes a slot of the platform's per-minute rate like any message.
  const sent = await deps.kv.get<number[]>(keys.robotSent(r.id));
  const recent = (sent.value ?? []).filter((x) => x > now - 60_000);
  if (recent.length >= ROBOT_PER_MINUTE[r.kind]) {
    throw new ApiError("rate_limited", "this robot's messages for this minute are used up");
  }
  await deps.kv.atomic().check(sent).set(sent.key, [...recent, now].slice(-100)).commit();
  const origin = deps.config.publicOrigin ?? `http://localhost:${deps.config.port}`;
  const res = await post(deps, r, [{
    event: "opened",
    alertId: "test",
    title: "Tocsin test message: this robot works",
    priority: "low",
    url: origin,
    at: now,
  }]);
  return { ok: res.ok, detail: res.detail.slice(0, 300) };
}

const flushTimerId = (robotId: string) => `robot-${robotId}`;

/** Queues an alert event for every robot of its team (inside the alert's commit). */
export async function stageRobotEvent(
  deps: Deps,
  op: Deno.AtomicOperation,
  alert: Alert,
  event: OutboxItem["event"],
  now: number,
): Promise<void> {
  const robots = await listRobots(deps.kv, alert.teamId);
  if (robots.length === 0) return;
  const origin = deps.config.publicOrigin ?? `http://localhost:${deps.config.port}`;
  for (const r of robots) {
    const item: OutboxItem = {
      event,
      alertId: alert.id,
      title: alert.title,
      priority: alert.priority,
      url: `${origin}/c/${alert.conversationId}`,
      at: now,
    };
    op.set(keys.robotOutbox(r.id, ulid(now)), item);
    // One flush timer per robot: (re)set it to now unless one is pending already.
    const existing = await deps.kv.get<Timer>(keys.timer(flushTimerId(r.id)));
    op.check(existing);
    if (!existing.value) {
      stageTimer(op, now, {
        id: flushTimerId(r.id),
        alertId: alert.id,
        kind: "robot",
        dueAt: now,
        n: 1,
        round: 0,
        ruleId: r.id,
      });
    }
  }
}

const LABEL: Record<OutboxItem["event"], string> = {
  opened: "🔴 opened",
  acknowledged: "🟠 acknowledged",
  resolved: "🟢 resolved",
};

function render(items: OutboxItem[]): { title: string; markdown: string; text: string } {
  const lines = items.map((i) => `[${i.priority.toUpperCase()}] ${i.title} — ${LABEL[i.event]}`);
  const title = items.length === 1 ? lines[0] : `Tocsin: ${items.length} alert updates`;
  return {
    title,
    markdown: items.map((i, n) => `- ${lines[n]} ([open](${i.url}))`).join("\n"),
    text: items.map((i, n) => `${lines[n]} ${i.url}`).join("\n"),
  };
}

/** What one post to a robot's platform came to: sent, worth retrying, or refused for good. */
interface PostResult {
  ok: boolean;
  transient: boolean;
  detail: string;
}

async function post(deps: Deps, r: Robot, items: OutboxItem[]): Promise<PostResult> {
  const { url, headers, body } = await platformRequest(deps, r, items);
  try {
    const res = await sendOutbound(
      url,
      { headers, body: JSON.stringify(body), timeoutMs: deps.config.webhookTimeoutMs },
      deps.config,
    );
    return platformAnswer(res.status, res.text.slice(0, 500));
  } catch (e) {
    // Only the SSRF check throws (a 400): the URL will not become acceptable by retrying.
    return { ok: false, transient: false, detail: e instanceof Error ? e.message : String(e) };
  }
}

/** The platform's request for `items`: its message format, signed the platform's way. */
async function platformRequest(
  deps: Deps,
  r: Robot,
  items: OutboxItem[],
): Promise<{ url: string; headers: Record<string, string>; body: unknown }> {
  const m = render(items);
  let url = r.url;
  let body: unknown;
  const headers: Record<string, string> = { "content-type": "application/json" };
  const now = deps.clock.now();
  if (r.kind === "dingtalk") {
    // DingTalk: sign = urlencode(base64(HMAC-SHA256(secret, timestamp + "\n" + secret))), timestamp in ms.
    const ts = String(now);
    const sig = await hmacSha256Base64(r.secret!, `${ts}\n${r.secret}`);
    url += (url.includes("?") ? "&" : "?") + `timestamp=${ts}&sign=${encodeURIComponent(sig)}`;
    body = {
      msgtype: "markdown",
      markdown: { title: m.title, text: `### ${m.title}\n${m.markdown}` },
    };
  } else if (r.kind === "feishu") {
    // Feishu/Lark: sign = base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = "")), timestamp in s.
    const ts = String(Math.floor(now / 1000));
    const sig = await hmacSha256Base64(`${ts}\n${r.secret}`, "");
    body = { timestamp: ts, sign: sig, msg_type: "text", content: { text: m.text } };
  } else if (r.kind === "wecom") {
    body = { msgtype: "markdown", markdown: { content: `**${m.title}**\n${m.markdown}` } };
  } else if (r.kind === "slack") {
    body = { text: m.text };
  } else {
    const ts = String(Math.floor(now / 1000));
    body = { event: "alerts", items };
    headers["x-tocsin-timestamp"] = ts;
    headers["x-tocsin-signature"] = "sha256=" +
      await hmacSha256Hex(r.secret!, `${ts}.${JSON.stringify(body)}`);
  }
  return { url, headers, body };
}

/** Reads the platform's answer: HTTP status first, then the error code some put in a 200. */
function platformAnswer(status: number, text: string): PostResult {
  if (status === 0) return { ok: false, transient: true, detail: text };
  if (status === 429 || status >= 500) {
    return { ok: false, transient: true, detail: `${status}` };
  }
  if (status < 200 || status >= 300) {
    return { ok: false, transient: false, detail: `${status} ${text}` };
  }
  // DingTalk and WeCom answer 200 with errcode; Feishu with code/StatusCode.
  let j: { errcode?: number; code?: number; StatusCode?: number; errmsg?: string; msg?: string } =
    {};
  try {
    j = JSON.parse(text);
  } catch {
    j = {};
  }
  const code = j.errcode ?? j.code ?? j.StatusCode ?? 0;
  if (code === 0) return { ok: true, transient: false, detail: "ok" };
  // 130101: DingTalk's "sending too fast"; 45009: WeCom's frequency limit; 9499/11232: Feishu's.
  return {
    ok: false,
    transient: [130101, 45009, 9499, 11232].includes(code),
    detail: `${code} ${j.errmsg ?? j.msg ?? ""}`,
  };
}

/**
 * The flush timer of a robot: sends what is pending, within the platform's
 * rate. The timer service fires one timer once at a time in this process;
 * across processes a batch may go out twice.
 */
export async function flushRobot(deps: Deps, timerId: string): Promise<boolean> {
  const { kv, clock } = deps;
  const t = await kv.get<Timer>(keys.timer(timerId));
  if (t.value?.kind !== "robot" || t.value.dueAt > clock.now()) return false;
  const robotId = t.value.ruleId;
  const robot = (await kv.get<Robot>(keys.robot(robotId))).value;
  const pending = await listAll<OutboxItem>(kv, keys.robotOutboxAll(robotId), BATCH_MAX);
  const now = clock.now();
  if (!robot || pending.length === 0) {
    const op = kv.atomic().check(t);
    stageDeleteTimer(op, t.value);
    for (const e of pending) op.delete(e.key);
    await op.commit();
    return false;
  }
  // Rate: the send times of the last minute.
  const sentAt = ((await kv.get<number[]>(keys.robotSent(robotId))).value ?? []).filter((x) =>
    x > now - 60_000
  );
  if (sentAt.length >= ROBOT_PER_MINUTE[robot.kind]) {
    const op = kv.atomic().check(t);
    stageDeleteTimer(op, t.value);
    stageTimer(op, now, { ...t.value, dueAt: sentAt[0] + 60_000 });
    await deps.fanout.commitUnlogged(op);
    return false;
  }
  const r = await post(deps, robot, pending.map((e) => e.value));
  const op = kv.atomic().check(t);
  stageDeleteTimer(op, t.value);
  if (r.ok || !r.transient || t.value.n >= deps.config.deliveryMaxAttempts) {
    // Sent, or given up on: the batch leaves the outbox either way (a 4xx will not get better).
    for (const e of pending) op.delete(e.key);
    op.set(keys.robotSent(robotId), [...sentAt, now].slice(-100));
    if (!r.ok) log.error(`robots: ${robot.name} refused a batch: ${r.detail}`);
    const more =
      (await listAll(kv, keys.robotOutboxAll(robotId), BATCH_MAX + 1)).length > pending.length;
    if (more) stageTimer(op, now, { ...t.value, dueAt: now, n: 1 });
  } else {
    const wait = ROBOT_BACKOFF_MS[Math.min(t.value.n - 1, ROBOT_BACKOFF_MS.length - 1)];
    stageTimer(op, now, { ...t.value, dueAt: now + wait, n: t.value.n + 1 });
  }
  await deps.fanout.commitUnlogged(op);
  return r.ok;
}
