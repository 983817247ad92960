/**
 * Web Push (RFC 8030), with payload encryption (RFC 8291) and VAPID (RFC 8292) done by the
 * `web-push` library; the request it describes is sent through the one SSRF-checked client.
 * The server's VAPID key pair is made at first start and kept in KV (one commit that only
 * creates, so two processes starting together agree on one pair). Each person subscribes
 * devices (browsers) from the profile page; a device the push service answers 404 or 410 for
 * is gone and is dropped.
 */
import webpush from "web-push";
import { z } from "zod";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { listAll, u64 } from "../core/kv_util.ts";
import { log } from "../core/log.ts";
import { sendOutbound } from "./outbound.ts";
import { makeAckLink } from "./ack_links.ts";
import type { Alert } from "../alerts/model.ts";
import type { Team, User } from "../accounts/model.ts";

const VapidSchema = z.object({ publicKey: z.string(), privateKey: z.string() });
type Vapid = z.infer<typeof VapidSchema>;

/** What a browser's PushSubscription.toJSON() gives, plus a name for the device. */
export const PushSubscribeSchema = z.strictObject({
  endpoint: z.url({ protocol: /^https?$/ }).max(2048),
  keys: z.strictObject({
    p256dh: z.string().regex(/^[A-Za-z0-9_-]{80,100}={0,2}$/, "a P-256 public key, base64url"),
    auth: z.string().regex(/^[A-Za-z0-9_-]{16,32}={0,2}$/, "an auth secret, base64url"),
  }),
  expirationTime: z.number().nullable().optional(),
  label: z.string().trim().max(80).optional(),
});
export type PushSubscribeInput = z.infer<typeof PushSubscribeSchema>;

/** A stored device (`push_devices/<user>/<id>`). */
export const PushDeviceSchema = z.object({
  id: z.string(),
  userId: z.string(),
  endpoint: z.string(),
  p256dh: z.string(),
  auth: z.string(),
  label: z.string(),
  createdAt: z.number(),
  lastOkAt: z.number().nullable(),
  lastError: z.string().nullable(),
});
export type PushDevice = z.infer<typeof PushDeviceSchema>;

/** A device as its owner sees it: where it pushes to (the host only) and how it went. */
export function publicDevice(d: PushDevice) {
  return {
    id: d.id,
    label: d.label,
    service: new URL(d.endpoint).host,
    createdAt: d.createdAt,
    lastOkAt: d.lastOkAt,
    lastError: d.lastError,
  };
}

export type PushDeviceView = ReturnType<typeof publicDevice>;

/** The VAPID key pair, made and stored on first use (the first writer wins). */
export async function vapidKeys(kv: Deno.Kv): Promise<Vapid> {
  const got = await kv.get<Vapid>(keys.vapidKeys());
  if (got.value) return VapidSchema.parse(got.value);
  const fresh = webpush.generateVAPIDKeys();
  await kv.atomic().check({ key: keys.vapidKeys(), versionstamp: null }).set(
    keys.vapidKeys(),
    fresh,
  ).commit();
  return VapidSchema.parse((await kv.get<Vapid>(keys.vapidKeys())).value);
}

export async function listDevices(kv: Deno.Kv, userId: string): Promise<PushDevice[]> {
  return (await listAll<PushDevice>(kv, keys.pushDevices(userId))).map((e) => e.value);
}

/**
 * Subscribes a device (one commit: the device and the count paging reads). The same endpoint
 * again replaces its keys (a browser re-subscribes after its keys change).
 */
export async function subscribeDevice(
  deps: Deps,
  userId: string,
  input: PushSubscribeInput,
): Promise<PushDevice> {
  const { kv, clock, config } = deps;
  for (let attempt = 0; attempt < 5; attempt++) {
    const devices = await listDevices(kv, userId);
    const same = devices.find((d) => d.endpoint === input.endpoint);
    if (!same && devices.length >= config.pushMaxDevices) {
      throw new ApiError(
        "conflict",
        `at most ${config.pushMaxDevices} devices; remove one on the profile page first`,
      );
    }
    const now = clock.now();
    const d: PushDevice = {
      id: same?.id ?? ulid(now),
      userId,
      endpoint: input.endpoint,
      p256dh: input.keys.p256dh,
      auth: input.keys.auth,
      label: input.label || "Browser",
      createdAt: same?.createdAt ?? now,
      lastOkAt: same?.lastOkAt ?? null,
      lastError: null,
    };
    const key = keys.pushDevice(userId, d.id);
    const count = await kv.get<Deno.KvU64>(keys.pushDeviceCount(userId));
    const cur = same ? await kv.get(key) : { key, versionstamp: null };
    const op = kv.atomic().check(count, cur).set(key, d);
    if (!same) op.set(keys.pushDeviceCount(userId), new Deno.KvU64(BigInt(u64(count) + 1)));
    if ((await op.commit()).ok) return d;
  }
  throw new ApiError("conflict", "try again");
}

/** Removes a device of `userId` (the caller may only name their own). */
export async function removeDevice(kv: Deno.Kv, userId: string, id: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const entry = await kv.get<PushDevice>(keys.pushDevice(userId, id));
    if (!entry.value) throw notFound("device");
    const count = await kv.get<Deno.KvU64>(keys.pushDeviceCount(userId));
    const n = u64(count);
    const op = kv.atomic().check(entry, count).delete(entry.key);
    if (n > 1) op.set(keys.pushDeviceCount(userId), new Deno.KvU64(BigInt(n - 1)));
    else op.delete(keys.pushDeviceCount(userId));
    if ((await op.commit()).ok) return;
  }
  throw new ApiError("conflict", "try again");
}

/** Whether each user has at least one push device (paging schedules push steps only then). */
export async function hasPushMany(kv: Deno.Kv, userIds: string[]): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < userIds.length; i += 10) {
    const got = await kv.getMany<Deno.KvU64[]>(
      userIds.slice(i, i + 10).map((u) => keys.pushDeviceCount(u)),
    );
    for (const e of got) out.push(u64(e) > 0);
  }
  return out;
}

/** The notification a device shows (the service worker reads these fields). */
export interface PushPayload {
  title: string;
  body: string;
  /** Where a click goes (a path on this server). */
  url: string;
  /** A signed, single-use acknowledge link (POST), or "" when there is nothing to acknowledge. */
  ackUrl: string;
  /** What the link's button does: acknowledge an alert (the default) or confirm a DING. */
  action?: "ack" | "confirm";
  /** Notifications with the same tag replace each other on the device. */
  tag: string;
  priority: string;
  /** Urgent and high stay on screen until the person acts. */
  requireInteraction: boolean;
}

export interface PushSendResult {
  ok: boolean;
  /** Whether another attempt may succeed (network trouble, 429, 5xx). */
  transient: boolean;
  detail: string;
}

/**
 * Sends one encrypted notification to one device. 404 and 410 mean the subscription is gone:
 * the device is removed. The outcome is remembered on the device for its owner to see.
 */
export async function pushToDevice(
  deps: Deps,
  device: PushDevice,
  payload: PushPayload,
): Promise<PushSendResult> {
  const { config, kv, clock } = deps;
  const vapid = await vapidKeys(kv);
  const subject = config.vapidSubject ??
    (config.publicOrigin?.startsWith("https:") ? config.publicOrigin : "mailto:tocsin@localhost");
  let req: { endpoint: string; headers: Record<string, string | number>; body: Uint8Array | null };
  try {
    req = webpush.generateRequestDetails(
      { endpoint: device.endpoint, keys: { p256dh: device.p256dh, auth: device.auth } },
      JSON.stringify(payload),
      {
        vapidDetails: { subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
        TTL: config.pushTtlS,
        contentEncoding: "aes128gcm",
        urgency: payload.requireInteraction ? "high" : "normal",
        topic: undefined,
      },
    );
  } catch (e) {
    return record(deps, device, {
      ok: false,
      transient: false,
      detail: `bad subscription: ${(e as Error).message}`,
    });
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k] = String(v);
  const res = await sendOutbound(device.endpoint, {
    method: "POST",
    headers,
    body: req.body ? new Uint8Array(req.body) : new Uint8Array(),
    timeoutMs: config.webhookTimeoutMs,
  }, config);
  if (res.status === 404 || res.status === 410) {
    await removeDevice(kv, device.userId, device.id).catch(() => {});
    log.info(`push: a device of ${device.userId} is gone (${res.status}); removed`);
    return { ok: false, transient: false, detail: `gone (${res.status}), device removed` };
  }
  const ok = res.status >= 200 && res.status < 300;
  const transient = res.status === 0 || res.status === 429 || res.status >= 500;
  return record(deps, device, {
    ok,
    transient: !ok && transient,
    detail: ok ? `accepted (${res.status})` : res.status ? `refused (${res.status})` : res.text,
  }, clock.now());
}

/** Remembers the last outcome on the device (best effort: a removed device stays removed). */
async function record(
  deps: Deps,
  device: PushDevice,
  r: PushSendResult,
  at = deps.clock.now(),
): Promise<PushSendResult> {
  const key = keys.pushDevice(device.userId, device.id);
  const cur = await deps.kv.get<PushDevice>(key);
  if (cur.value) {
    const next = r.ok
      ? { ...cur.value, lastOkAt: at, lastError: null }
      : { ...cur.value, lastError: r.detail };
    await deps.kv.atomic().check(cur).set(key, next).commit();
  }
  return r;
}

/** One push attempt per device, as a delivery records it. */
export interface PushAttempt {
  at: number;
  provider: string;
  ok: boolean;
  detail: string;
}

/**
 * Pushes an alert to each of a person's devices: priority, title and team, a click that opens
 * the alert, and a single-use acknowledge link for the notification's button. Sent when one
 * device's push service took it; worth retrying when none did and a failure was transient.
 */
export async function pushAlert(
  deps: Deps,
  alert: Alert,
  user: User,
  devices: PushDevice[],
): Promise<{ attempts: PushAttempt[]; sent: boolean; transient: boolean }> {
  const team = (await deps.kv.get<Team>(keys.team(alert.teamId))).value;
  const zh = (user.lang ?? deps.config.defaultLang) === "zh";
  const payload: PushPayload = {
    title: alert.title,
    body: [
      `${alert.priority.toUpperCase()} · ${team?.name ?? (zh ? "团队" : "team")}`,
      alert.summary,
    ].filter(Boolean).join("\n").slice(0, 500),
    url: `/alerts/${alert.id}`,
    ackUrl: await makeAckLink(deps, alert.id, user.id),
    tag: `alert-${alert.id}`,
    priority: alert.priority,
    requireInteraction: alert.priority === "urgent" || alert.priority === "high",
  };
  const out = { attempts: [] as PushAttempt[], sent: false, transient: false };
  for (const d of devices) {
    const r = await pushToDevice(deps, d, payload);
    out.attempts.push({
      at: deps.clock.now(),
      provider: `push ${URL.canParse(d.endpoint) ? new URL(d.endpoint).host : "?"}`,
      ok: r.ok,
      detail: r.detail,
    });
    if (r.ok) out.sent = true;
    else if (r.transient) out.transient = true;
  }
  return out;
}
