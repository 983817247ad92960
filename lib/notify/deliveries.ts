/**
 * Out-of-app notifications. When a user is first notified about an alert,
 * their personal rules for its priority become durable timers ("e-mail
 * after 1 minute"). When one is due and the alert is still unacknowledged
 * (and, below urgent, still unread by them, and outside their quiet hours),
 * the notification goes through the channel's providers in failover order.
 * Every attempt is recorded on a delivery record and on the alert's
 * timeline ("proof of attention"). Transient failures are retried by a
 * durable timer; permanent ones fall through to the next provider. E-mails
 * carry a signed, expiring, single-use link that acknowledges the alert
 * without logging in.
 */
import { named, readPeople, stagePeople } from "../alerts/people.ts";
import type { Alert, TimelineEntry } from "../alerts/model.ts";
import { makeAckLink } from "./ack_links.ts";
import { DEFAULT_NOTIFICATION_RULES, DELIVERY_BACKOFF_MS } from "../core/config.ts";
import { z } from "zod";
import {
  type Channel,
  ChannelSchema,
  type Contact,
  getNotifyRulesMany,
  type NotifyRules,
  reachableChannelsMany,
  verifiedContact,
} from "./contacts.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { listAll, listByIndex, u64 } from "../core/kv_util.ts";
import { listProviders, sendEmail, type SendResult, takeRate } from "./providers.ts";
import { postSigned } from "./outbound.ts";
import { sendPhone } from "./sms.ts";
import { providerBudgetSpent, takeProviderVerifySend } from "./verify_limits.ts";
import { quietUntil } from "../paging/schedules.ts";
import { getTemplate, render, type TemplateChannel } from "./templates.ts";
import type { User } from "../accounts/model.ts";
import { stageDeleteTimer, stageSweepWake, stageTimer, type Timer } from "../jobs/timers.ts";

/** A stored delivery (`deliveries/<alert>/<id>`): every attempt of one personal notification. */
export const DeliverySchema = z.object({
  id: z.string(),
  alertId: z.string(),
  userId: z.string(),
  channel: ChannelSchema,
  /** The address, partly hidden. */
  to: z.string(),
  status: z.enum(["sent", "failed", "retrying", "skipped"]),
  reason: z.string().optional(),
  attempts: z.array(z.object({
    at: z.number(),
    provider: z.string(),
    ok: z.boolean(),
    detail: z.string(),
  })),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Delivery = z.infer<typeof DeliverySchema>;

function mask(address: string): string {
  const [name, domain] = address.split("@");
  if (domain) return `${name.slice(0, 2)}***@${domain}`;
  return address.slice(0, 4) + "***" + address.slice(-2);
}

/**
 * Schedules the personal notification rules of users who were just notified
 * in the app about `alert` for the first time (inside the caller's commit).
 */
export async function stagePersonal(
  deps: Deps,
  op: Deno.AtomicOperation,
  alert: Alert,
  userIds: string[],
  now: number,
): Promise<string[]> {
  const before = alert.people.personal ? await readPeople(deps.kv, alert, "personal") : [];
  const seen = new Set(before);
  const fresh = userIds.filter((u) => !seen.has(u));
  if (!fresh.length) return [];
  const r = await stageUsers(deps, op, alert, fresh, now, PERSONAL_INLINE_MUTATIONS);
  stageBatches(op, alert, r.rest, now);
  stagePeople(op, alert.id, alert.people, "personal", [...before, ...fresh]);
  return r.unreachable;
}

/** Whether people without verified contacts are worth naming at this priority (default rules). */
export function reportsUnreachable(alert: Alert): boolean {
  return DEFAULT_NOTIFICATION_RULES[alert.priority].length > 0;
}

/**
 * A timeline entry for people of a batch who have no verified contact at all: their rule steps
 * are not scheduled (each would only record "skipped"), but the alert says who could not be
 * reached. (Those of the paging commit itself are named in its "notified" entry.)
 */
function stageUnreachable(op: Deno.AtomicOperation, alert: Alert, userIds: string[], now: number) {
  if (!userIds.length || !reportsUnreachable(alert)) return;
  const e: TimelineEntry = {
    id: ulid(now),
    at: now,
    kind: "delivery",
    by: null,
    via: "personal",
    detail: { status: "skipped", reason: "no verified contact", ...named(userIds) },
  };
  op.set(keys.alertTimeline(alert.id, e.id), e);
}

/**
 * Mutations a paging commit spends on personal timers (four each); users
 * beyond it are handed to "personal_batch" timers, so paging a team of any
 * size stays inside KV's 1,000 mutations per commit.
 */
const PERSONAL_INLINE_MUTATIONS = 300;
/** The same budget for a batch timer's own commit. */
const PERSONAL_BATCH_MUTATIONS = 800;
/** For users who cannot be reached outside the app: no steps. */
const NO_RULES: NotifyRules = { urgent: [], high: [], medium: [], low: [] };
/** Users whose notification rules are read at once. */
const RULES_READ = 100;
/** Users one batch timer carries. */
const PERSONAL_BATCH_USERS = 100;

/**
 * Stages users' rule timers up to `budget` mutations; returns the users left
 * over. Their rules are read together; the timers carry no queue message of
 * their own: one sweep wake-up per distinct due time covers them all.
 */
async function stageUsers(
  deps: Deps,
  op: Deno.AtomicOperation,
  alert: Alert,
  userIds: string[],
  now: number,
  budget: number,
): Promise<{ rest: string[]; unreachable: string[] }> {
  let spent = 0;
  const wakes = new Set<number>();
  let rules: NotifyRules[] = [];
  let reachable: Set<Channel>[] = [];
  const unreachable: string[] = [];
  const done = (rest: string[]) => {
    for (const at of wakes) stageSweepWake(op, now, at);
    return { rest, unreachable };
  };
  for (let i = 0; i < userIds.length; i++) {
    const userId = userIds[i];
    // Rules are read RULES_READ at a time (in parallel), not all: the budget may stop early.
    if (i % RULES_READ === 0) {
      const slice = userIds.slice(i, i + RULES_READ);
      reachable = await reachableChannelsMany(deps.kv, slice);
      // Rules only of those who can be reached at all (often few in a large team).
      const some = slice.filter((_, k) => reachable[k].size > 0);
      const read = await getNotifyRulesMany(deps.kv, some);
      const byUser = new Map(some.map((u, k) => [u, read[k]]));
      rules = slice.map((u) => byUser.get(u) ?? NO_RULES);
    }
    // Someone with no verified contact at all gets no timers (each would only record "skipped"
    // when due: one timer and two commits each, for nothing, in a team of thousands).
    if (reachable[i % RULES_READ].size === 0) {
      unreachable.push(userId);
      continue;
    }
    const steps = rules[i % RULES_READ][alert.priority];
    // Three mutations a timer (no queue message), and a wake-up per due time.
    if (i > 0 && spent + steps.length * 4 + 3 > budget) return done(userIds.slice(i));
    spent += steps.length * 3;
    for (const step of steps) {
      const dueAt = now + step.afterMinutes * 60_000;
      if (!wakes.has(dueAt)) spent++;
      wakes.add(dueAt);
      stageTimer(op, now, {
        id: ulid(now),
        alertId: alert.id,
        kind: "personal",
        dueAt,
        n: 1,
        round: alert.epoch ?? 0,
        userId,
        channel: step.channel,
        delivery: ulid(now),
      }, { wake: false });
    }
  }
  return done([]);
}

function stageBatches(op: Deno.AtomicOperation, alert: Alert, userIds: string[], now: number) {
  for (let i = 0; i < userIds.length; i += PERSONAL_BATCH_USERS) {
    stageTimer(op, now, {
      id: ulid(now),
      alertId: alert.id,
      kind: "personal_batch",
      dueAt: now,
      n: 1,
      round: alert.epoch ?? 0,
      userIds: userIds.slice(i, i + PERSONAL_BATCH_USERS),
    });
  }
}

/**
 * A batch of users paged with an alert whose rule timers did not fit the
 * paging commit: stages theirs now (and hands any rest to a further batch).
 * Dropped when the alert was acknowledged, resolved or reopened meanwhile.
 */
export async function stagePersonalBatch(deps: Deps, timerId: string): Promise<boolean> {
  const { kv, clock } = deps;
  const t = await kv.get<Timer>(keys.timer(timerId));
  if (t.value?.kind !== "personal_batch" || t.value.dueAt > clock.now()) return false;
  const a = await kv.get<Alert>(keys.alert(t.value.alertId));
  const now = clock.now();
  const op = kv.atomic().check(t);
  stageDeleteTimer(op, t.value);
  const alert = a.value;
  if (alert && alert.status === "triggered" && (alert.epoch ?? 0) === t.value.round) {
    const r = await stageUsers(deps, op, alert, t.value.userIds, now, PERSONAL_BATCH_MUTATIONS);
    stageBatches(op, alert, r.rest, now);
    stageUnreachable(op, alert, r.unreachable, now);
  }
  return (await deps.fanout.commitUnlogged(op)).ok;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function messageFor(deps: Deps, channel: TemplateChannel, alert: Alert, user: User) {
  const origin = deps.config.publicOrigin ?? `http://localhost:${deps.config.port}`;
  const lang = user.lang ?? deps.config.defaultLang;
  const ctx = {
    alert,
    alertUrl: `${origin}/c/${alert.conversationId}`,
    // Voice cannot carry a link; e-mail and SMS get a single-use one.
    ackUrl: channel === "voice" ? "" : await makeAckLink(deps, alert.id, user.id),
  };
  const t = await getTemplate(deps.kv, channel, lang);
  const text = render(t.body, ctx);
  const subject = render(t.subject ?? "{{alert.title}}", ctx);
  // HTML: the same text, escaped, with its links made clickable.
  const html = `<div style="font-family:sans-serif;white-space:pre-wrap">${
    escapeHtml(text).replace(/https?:\/\/[^\s<]+/g, (u) => `<a href="${u}">${u}</a>`)
  }</div>`;
  return { subject, text, html, ackUrl: ctx.ackUrl };
}

/**
 * A personal notification timer is due. The message leaves before the
 * commit that records it, so a crash in between sends it again (with the
 * same Message-ID, which mail clients de-duplicate).
 */
export async function deliverPersonal(deps: Deps, timerId: string): Promise<boolean> {
  const { kv, fanout, clock, config } = deps;
  const t = await kv.get<Timer>(keys.timer(timerId));
  if (t.value?.kind !== "personal" || t.value.dueAt > clock.now()) return false;
  const timer = t.value;
  const { userId, channel } = timer;
  const alert = (await kv.get<Alert>(keys.alert(timer.alertId))).value;
  const user = (await kv.get<User>(keys.user(userId))).value;
  const now = clock.now();
  let skip: string | null = null;
  let deferTo: number | null = null;
  if (!alert || alert.status !== "triggered" || (alert.epoch ?? 0) !== timer.round) {
    skip = "acknowledged or resolved";
  } else if (!user || user.disabled) skip = "no such user";
  else if (alert.priority !== "urgent") {
    // Looking = a live socket here and the card read; anyone else is "not looking".
    const read = u64(await kv.get<Deno.KvU64>(keys.read(alert.conversationId, userId)));
    if (read >= alert.seq && deps.presence.isConnected(userId)) {
      skip = "looking at it in the app";
    } else deferTo = quietUntil(user.quietHours, now);
  }
  const contact = skip || deferTo ? null : await verifiedContact(kv, userId, channel) ??
    (channel === "voice" ? await verifiedContact(kv, userId, "sms") : null);
  if (!skip && !deferTo && !contact) skip = `no verified ${channel} contact`;
  const providers = skip || deferTo ? [] : await listProviders(kv, channel);
  if (!skip && !deferTo && providers.length === 0 && channel !== "webhook") {
    skip = `no ${channel} provider configured`;
  }

  const attempts: Delivery["attempts"] = [];
  let sent = false;
  let transient = false;
  if (!skip && !deferTo) {
    const msg = await messageFor(deps, channel === "webhook" ? "sms" : channel, alert!, user!);
    const mail = channel === "email" ? msg : null;
    const short = msg?.text ?? "";
    if (channel === "webhook") {
      const r = await postSigned(
        contact!.address,
        contact!.secret ?? "",
        JSON.stringify({ event: "alert", alert, ackUrl: msg.ackUrl, text: short }),
        { ...webhookOpts(deps), deliveryId: timer.delivery ?? timer.id },
      );
      attempts.push({ at: clock.now(), provider: "webhook", ok: r.ok, detail: r.detail });
      sent = r.ok;
      transient = r.transient;
    }
    for (const p of channel === "webhook" ? [] : providers) {
      if (!(await takeRate(kv, p, clock.now()))) {
        attempts.push({ at: clock.now(), provider: p.name, ok: false, detail: "rate limited" });
        transient = true;
        continue;
      }
      const r: SendResult = mail
        ? await sendEmail(deps, p, {
          to: contact!.address,
          messageId: timer.delivery ?? timer.id,
          ...mail,
        })
        : channel === "sms" || channel === "voice"
        ? await sendPhone(deps, p, channel, contact!.address, short)
        : { ok: false, permanent: true, detail: `${channel} is not supported yet` };
      attempts.push({ at: clock.now(), provider: p.name, ok: r.ok, detail: r.detail });
      if (r.ok) {
        sent = true;
        break;
      }
      if (!r.permanent) transient = true;
    }
  }
  const retry = !sent && transient && timer.n < config.deliveryMaxAttempts;
  const deliveryId = timer.delivery ?? timer.id;
  await fanout.commit(fanout.shard(alert?.conversationId ?? timer.alertId), async (op) => {
    const at = clock.now();
    op.check(t);
    stageDeleteTimer(op, timer);
    if (deferTo) {
      // Quiet hours: the same notification, when the window ends.
      stageTimer(op, at, { ...timer, id: ulid(at), dueAt: deferTo });
      return { hints: [], result: null };
    }
    if (retry) {
      const wait = DELIVERY_BACKOFF_MS[Math.min(timer.n - 1, DELIVERY_BACKOFF_MS.length - 1)];
      stageTimer(op, at, { ...timer, id: ulid(at), dueAt: at + wait, n: timer.n + 1 });
    }
    const previous = (await kv.get<Delivery>(keys.delivery(timer.alertId, deliveryId))).value;
    const d: Delivery = {
      id: deliveryId,
      alertId: timer.alertId,
      userId,
      channel,
      to: contact ? mask(contact.address) : "",
      status: sent ? "sent" : skip ? "skipped" : retry ? "retrying" : "failed",
      ...(skip ? { reason: skip } : {}),
      attempts: [...(previous?.attempts ?? []), ...attempts].slice(-20),
      createdAt: previous?.createdAt ?? at,
      updatedAt: at,
    };
    op.set(keys.delivery(timer.alertId, deliveryId), d).set(
      keys.deliveryByUser(userId, deliveryId),
      timer.alertId,
    );
    if (alert) {
      const e: TimelineEntry = {
        id: ulid(at),
        at,
        kind: "delivery",
        by: null,
        via: channel,
        detail: {
          userId,
          channel,
          status: d.status,
          to: d.to,
          attempt: timer.n,
          ...(skip ? { reason: skip } : {}),
          providers: attempts.map((x) => `${x.provider}:${x.ok ? "ok" : x.detail}`),
        },
      };
      op.set(keys.alertTimeline(alert.id, e.id), e);
      return { hints: [{ t: "alert", c: alert.conversationId, a: alert.id }], result: null };
    }
    return { hints: [], result: null };
  });
  return sent;
}

/** A user's own webhook is signed with the contact's secret, like automation webhooks. */
function webhookOpts(deps: Deps) {
  return {
    now: deps.clock.now(),
    timeoutMs: deps.config.webhookTimeoutMs,
    policy: deps.config,
  };
}

/** Sends a contact's verification code through its channel's providers (first that works). */
export async function sendVerification(deps: Deps, contact: Contact, code: string): Promise<void> {
  const { kind, address } = contact;
  if (kind === "webhook") {
    // The verification request comes before the user has the secret.
    const r = await postSigned(
      address,
      contact.secret ?? "",
      JSON.stringify({ event: "verification", code }),
      webhookOpts(deps),
    );
    if (!r.ok) {
      throw new ApiError("invalid_input", `the webhook did not accept the code (${r.detail})`);
    }
    return;
  }
  const providers = await listProviders(deps.kv, kind === "voice" ? "sms" : kind);
  if (providers.length === 0) {
    throw new ApiError(
      "unavailable",
      `no ${kind === "email" ? "e-mail" : "SMS"} provider is configured; ask an admin`,
    );
  }
  // Each provider's verification budget is counted before its send; one past it is skipped.
  let budgetWait = 0;
  for (const p of providers) {
    const wait = await takeProviderVerifySend(deps, p.id);
    if (wait > 0) {
      budgetWait = budgetWait ? Math.min(budgetWait, wait) : wait;
      continue;
    }
    budgetWait = 0;
    const r = kind === "email"
      ? await sendEmail(deps, p, {
        to: address,
        subject: `Tocsin verification code ${code}`,
        text: `Your Tocsin verification code is ${code}. It works for a few minutes.`,
        html: `<p>Your Tocsin verification code is <strong>${code}</strong>.</p>`,
        messageId: ulid(deps.clock.now()),
      })
      : await sendPhone(deps, p, "sms", address, `Tocsin verification code: ${code}`);
    if (r.ok) return;
  }
  if (budgetWait > 0) throw providerBudgetSpent(kind, budgetWait, deps);
  throw new ApiError("unavailable", "the verification message could not be sent; try again later");
}

/** Every delivery made for an alert (the caller checks that the alert is visible). */
export async function listAlertDeliveries(kv: Deno.Kv, alertId: string): Promise<Delivery[]> {
  return (await listAll<Delivery>(kv, keys.deliveries(alertId))).map((e) => e.value);
}

/** Deliveries to a user, newest first (their "proof of attention"). */
export async function listDeliveriesOf(
  kv: Deno.Kv,
  userId: string,
  limit = 100,
): Promise<Delivery[]> {
  return await listByIndex<Delivery, string>(
    kv,
    keys.deliveriesByUser(userId),
    (id, alertId) => keys.delivery(alertId, id),
    { reverse: true, limit },
  );
}
