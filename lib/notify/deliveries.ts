/**
 * Out-of-app notifications. A personal notification timer (personal_timers.ts) is due: when the
 * alert is still unacknowledged (and, below urgent, still unread by the user, and outside their
 * quiet hours), the notification goes through the channel's providers in failover order.
 * Every attempt is recorded on a delivery record and on the alert's
 * timeline ("proof of attention"). Transient failures are retried by a
 * durable timer; permanent ones fall through to the next provider. E-mails
 * carry a signed, expiring, single-use link that acknowledges the alert
 * without logging in.
 */
import type { Alert, TimelineEntry } from "../alerts/model.ts";
import { makeAckLink } from "./ack_links.ts";
import { DELIVERY_BACKOFF_MS } from "../core/config.ts";
import { z } from "zod";
import { ChannelSchema, type Contact, verifiedContact } from "./contacts.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { listAll, listByIndex, u64 } from "../core/kv_util.ts";
import { listProviders, type Provider, sendEmail, type SendResult, takeRate } from "./providers.ts";
import { postSigned } from "./outbound.ts";
import { sendPhone } from "./sms.ts";
import { providerBudgetSpent, takeProviderVerifySend } from "./verify_limits.ts";
import { quietUntil } from "../paging/zoned_time.ts";
import { getTemplate, render, type TemplateChannel } from "./templates.ts";
import type { User } from "../accounts/model.ts";
import { stageDeleteTimer, stageTimer, type Timer } from "../jobs/timers.ts";
import { listDevices, pushAlert, type PushDevice } from "./push.ts";
import { noteNotification } from "../ops/metrics.ts";

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

/** A due personal notification timer. */
type PersonalTimer = Extract<Timer, { kind: "personal" }>;

/** What a due notification found: why it is skipped or deferred, or to whom and how it goes. */
interface Plan {
  alert: Alert | null;
  user: User | null;
  contact: Contact | null;
  /** Push: the person's devices. */
  devices: PushDevice[];
  providers: Provider[];
  skip: string | null;
  deferTo: number | null;
}

/** The attempts of one send, whether one worked, and whether a failure was transient. */
interface Outcome {
  attempts: Delivery["attempts"];
  sent: boolean;
  transient: boolean;
}

/** The rendered notification: subject and HTML for e-mail, text for the rest, the ack link. */
type Message = Awaited<ReturnType<typeof messageFor>>;

/**
 * A personal notification timer is due. The message leaves before the
 * commit that records it, so a crash in between sends it again (with the
 * same Message-ID, which mail clients de-duplicate).
 */
export async function deliverPersonal(deps: Deps, timerId: string): Promise<boolean> {
  const { kv, clock, config } = deps;
  const t = await kv.get<Timer>(keys.timer(timerId));
  if (t.value?.kind !== "personal" || t.value.dueAt > clock.now()) return false;
  const timer = t.value;
  const plan = await planDelivery(deps, timer);
  const outcome: Outcome = plan.skip || plan.deferTo
    ? { attempts: [], sent: false, transient: false }
    : await sendPlanned(deps, timer, plan);
  const retry = !outcome.sent && outcome.transient && timer.n < config.deliveryMaxAttempts;
  await recordDelivery(deps, t, timer, plan, outcome, retry);
  return outcome.sent;
}

/** Decides whether a due notification goes now, waits for quiet hours to end, or is skipped. */
async function planDelivery(deps: Deps, timer: PersonalTimer): Promise<Plan> {
  const { kv, clock } = deps;
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
  if (channel === "push") {
    const devices = skip || deferTo ? [] : await listDevices(kv, userId);
    if (!skip && !deferTo && devices.length === 0) skip = "no push device";
    return { alert, user, contact: null, devices, providers: [], skip, deferTo };
  }
  const contact = skip || deferTo ? null : await verifiedContact(kv, userId, channel) ??
    (channel === "voice" ? await verifiedContact(kv, userId, "sms") : null);
  if (!skip && !deferTo && !contact) skip = `no verified ${channel} contact`;
  const providers = skip || deferTo ? [] : await listProviders(kv, channel);
  if (!skip && !deferTo && providers.length === 0 && channel !== "webhook") {
    skip = `no ${channel} provider configured`;
  }
  return { alert, user, contact, devices: [], providers, skip, deferTo };
}

/** Sends a planned notification: to the user's own webhook, or through the channel's providers. */
async function sendPlanned(deps: Deps, timer: PersonalTimer, plan: Plan): Promise<Outcome> {
  const { channel } = timer;
  if (channel === "push") return await pushAlert(deps, plan.alert!, plan.user!, plan.devices);
  const msg = await messageFor(
    deps,
    channel === "webhook" ? "sms" : channel,
    plan.alert!,
    plan.user!,
  );
  if (channel === "webhook") return await sendOwnWebhook(deps, timer, plan, msg);
  return await sendThroughProviders(deps, timer, plan, msg);
}

/** Posts the alert to the user's own webhook, signed with the contact's secret. */
async function sendOwnWebhook(
  deps: Deps,
  timer: PersonalTimer,
  plan: Plan,
  msg: Message,
): Promise<Outcome> {
  const r = await postSigned(
    plan.contact!.address,
    plan.contact!.secret ?? "",
    JSON.stringify({ event: "alert", alert: plan.alert, ackUrl: msg.ackUrl, text: msg.text }),
    { ...webhookOpts(deps), deliveryId: timer.delivery ?? timer.id },
  );
  const attempt = { at: deps.clock.now(), provider: "webhook", ok: r.ok, detail: r.detail };
  noteNotification("webhook", "webhook", r.ok, r.detail, attempt.at);
  return { attempts: [attempt], sent: r.ok, transient: r.transient };
}

/** Tries the channel's providers in failover order until one sends (rate-limited ones are passed). */
async function sendThroughProviders(
  deps: Deps,
  timer: PersonalTimer,
  plan: Plan,
  msg: Message,
): Promise<Outcome> {
  const { kv, clock } = deps;
  const { channel } = timer;
  const contact = plan.contact!;
  const out: Outcome = { attempts: [], sent: false, transient: false };
  for (const p of plan.providers) {
    if (!(await takeRate(kv, p, clock.now()))) {
      out.attempts.push({ at: clock.now(), provider: p.name, ok: false, detail: "rate limited" });
      out.transient = true;
      continue;
    }
    const r: SendResult = channel === "email"
      ? await sendEmail(deps, p, {
        to: contact.address,
        messageId: timer.delivery ?? timer.id,
        ...msg,
      })
      : channel === "sms" || channel === "voice"
      ? await sendPhone(deps, p, channel, contact.address, msg.text)
      : { ok: false, permanent: true, detail: `${channel} is not supported yet` };
    out.attempts.push({ at: clock.now(), provider: p.name, ok: r.ok, detail: r.detail });
    noteNotification(channel, p.name, r.ok, r.detail, clock.now());
    if (r.ok) {
      out.sent = true;
      break;
    }
    if (!r.permanent) out.transient = true;
  }
  return out;
}

/**
 * Records a notification in one commit: the timer is deleted (and re-staged for the end of quiet
 * hours, or for a retry), the delivery record gets the attempts, and the alert's timeline an entry.
 */
async function recordDelivery(
  deps: Deps,
  t: Deno.KvEntryMaybe<Timer>,
  timer: PersonalTimer,
  plan: Plan,
  outcome: Outcome,
  retry: boolean,
): Promise<void> {
  const { kv, fanout, clock } = deps;
  const { alert, contact, skip, deferTo } = plan;
  const { userId, channel } = timer;
  const { attempts, sent } = outcome;
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
      to: contact
        ? mask(contact.address)
        : channel === "push" && plan.devices.length
        ? `${plan.devices.length} device(s)`
        : "",
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
    noteNotification(kind === "email" ? "email" : "sms", p.name, r.ok, r.detail, deps.clock.now());
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
