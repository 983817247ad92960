/**
 * A DING's steps outside the app, for a recipient who has not confirmed: step 1 pushes to their
 * devices, step 2 sends an SMS, step 3 calls, as far as the sender chose (lib/chat/ding.ts). Each
 * step is a durable timer; firing it sends, then one commit deletes the timer (checked, so no
 * wake-up fires it twice), records the step on the DING and stages the next one. A confirmation
 * or a newer DING in between makes the step do nothing. Push and SMS carry a single-use link that
 * confirms without logging in.
 */
import type { User } from "../accounts/model.ts";
import type { Deps } from "../core/deps.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import type { TimelineEntry } from "../alerts/model.ts";
import { type Ding, type DingStep, lastStep } from "../chat/ding.ts";
import { stageDeleteTimer, stageTimer, type Timer } from "../jobs/timers.ts";
import { makeDingLink, readDingLink } from "./ack_links.ts";
import { verifiedContact } from "./contacts.ts";
import { listProviders } from "./providers.ts";
import { listDevices, pushToDevice } from "./push.ts";
import { sendPhone } from "./sms.ts";

type DingTimer = Extract<Timer, { kind: "ding" }>;

const CHANNEL: Record<number, DingStep["channel"]> = { 1: "push", 2: "sms", 3: "voice" };

/** Sends step `n` to the recipient; what happened, in a line. */
async function sendStep(
  deps: Deps,
  d: Ding,
  user: User,
  channel: DingStep["channel"],
): Promise<{ ok: boolean; detail: string }> {
  const { kv } = deps;
  const sender = (await kv.get<User>(keys.user(d.senderId))).value;
  const from = sender?.name ?? "Tocsin";
  if (channel === "push") {
    const devices = await listDevices(kv, user.id);
    if (!devices.length) return { ok: false, detail: "no push device" };
    const link = await makeDingLink(deps, d.id, user.id);
    let ok = false;
    const details: string[] = [];
    for (const dev of devices) {
      const r = await pushToDevice(deps, dev, {
        title: `DING · ${from}`,
        body: d.text,
        url: `/c/${d.conversationId}`,
        ackUrl: link,
        action: "confirm",
        tag: `ding-${d.id}`,
        priority: "urgent",
        requireInteraction: true,
      });
      ok ||= r.ok;
      details.push(r.detail);
    }
    return { ok, detail: details.join("; ") };
  }
  const contact = await verifiedContact(kv, user.id, channel) ??
    (channel === "voice" ? await verifiedContact(kv, user.id, "sms") : null);
  if (!contact) return { ok: false, detail: `no verified ${channel} contact` };
  const providers = await listProviders(kv, channel === "voice" ? "sms" : channel);
  if (!providers.length) return { ok: false, detail: `no ${channel} provider configured` };
  const text = channel === "sms"
    ? `DING from ${from}: ${d.text.slice(0, 100)} Confirm: ${await makeDingLink(
      deps,
      d.id,
      user.id,
    )}`
    : `Urgent message from ${from} in Tocsin: ${d.text.slice(0, 200)}`;
  const details: string[] = [];
  for (const p of providers) {
    const r = await sendPhone(deps, p, channel, contact.address, text);
    details.push(`${p.name}: ${r.detail}`);
    if (r.ok) return { ok: true, detail: details.join("; ") };
  }
  return { ok: false, detail: details.join("; ") };
}

/** A due DING step (the timer dispatcher calls this). True when something was sent. */
export async function fireDingStep(deps: Deps, timerId: string): Promise<boolean> {
  const { kv, clock, fanout, config } = deps;
  const t = await kv.get<Timer>(keys.timer(timerId));
  if (t.value?.kind !== "ding" || t.value.dueAt > clock.now()) return false;
  const timer: DingTimer = t.value;
  const first = (await kv.get<Ding>(keys.ding(timer.dingId))).value;
  const r = first?.recipients.find((x) => x.userId === timer.userId);
  const user = (await kv.get<User>(keys.user(timer.userId))).value;
  const live = first && r && r.confirmedAt === null && r.lastDingAt === timer.round && user &&
    !user.disabled;
  const channel = CHANNEL[timer.n];
  const sent = live && channel ? await sendStep(deps, first, user, channel) : null;
  await fanout.commit(fanout.shard(first?.conversationId ?? timer.dingId), async (op) => {
    const cur = await kv.get<Timer>(keys.timer(timerId));
    if (cur.versionstamp !== t.versionstamp) return { done: null };
    op.check(cur);
    stageDeleteTimer(op, timer);
    const e = await kv.get<Ding>(keys.ding(timer.dingId));
    if (!sent || !e.value) return { hints: [], result: null };
    const now = clock.now();
    const d = structuredClone(e.value);
    const rec = d.recipients.find((x) => x.userId === timer.userId)!;
    rec.steps = [...rec.steps, { at: now, channel: channel!, ok: sent.ok, detail: sent.detail }]
      .slice(-20);
    op.check(e).set(e.key, d);
    if (timer.n < lastStep(d.mode) && rec.confirmedAt === null && rec.lastDingAt === timer.round) {
      stageTimer(op, now, {
        ...timer,
        id: ulid(now),
        n: timer.n + 1,
        dueAt: now + config.dingStepMs,
      });
    }
    if (d.alertId) {
      const entry: TimelineEntry = {
        id: ulid(now),
        at: now,
        kind: "ding",
        by: null,
        via: channel!,
        detail: { dingId: d.id, userId: timer.userId, channel, ok: sent.ok },
      };
      op.set(keys.alertTimeline(d.alertId, entry.id), entry);
      return { hints: [{ t: "alert", c: d.conversationId, a: d.alertId }], result: null };
    }
    return { hints: [], result: null };
  });
  return sent?.ok ?? false;
}

/** What a confirm link shows before it is used: the DING's text and whether it is confirmed. */
export async function dingForLink(
  deps: Deps,
  token: string,
): Promise<{ text: string; confirmed: boolean } | null> {
  const link = await readDingLink(deps, token);
  const d = link ? (await deps.kv.get<Ding>(keys.ding(link.dingId))).value : null;
  if (!link || !d) return null;
  const r = d.recipients.find((x) => x.userId === link.userId);
  return { text: d.text, confirmed: r?.confirmedAt !== null && r?.confirmedAt !== undefined };
}
