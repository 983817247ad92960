/**
 * Notification providers, configured by admins, several per channel, tried
 * in their `order` (failover). Only SMTP e-mail exists so far.
 */
import { auditedAtomic } from "../audit/chain.ts";
import { systemClock } from "../core/clock.ts";
import nodemailer from "nodemailer";
import { z } from "zod";
import type { Channel } from "./contacts.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { describeIssues } from "../core/schemas.ts";
import { checkOutboundUrl } from "./outbound.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { checkAbsent, commitOrConflict, listAll } from "../core/kv_util.ts";

export const SmtpConfigSchema = z.strictObject({
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535),
  /** "tls": implicit TLS (465); "starttls": upgrade required; "none": plain (loopback relays only). */
  security: z.enum(["tls", "starttls", "none"]),
  username: z.string().max(256).optional(),
  password: z.string().max(256).optional(),
  from: z.string().min(3).max(320),
});

const Common = {
  name: z.string().trim().min(1).max(100),
  order: z.number().int().min(0).max(1000).default(0),
  /** Messages per minute this provider may take (its contract or API limit); absent: no limit. */
  perMinute: z.number().int().min(1).max(100_000).optional(),
};
const Secret = z.string().min(1).max(256);

export const ProviderInputSchema = z.discriminatedUnion("kind", [
  z.strictObject({ ...Common, kind: z.literal("smtp"), config: SmtpConfigSchema }),
  /** Twilio, or anything that speaks its REST API (base URL configurable): SMS and voice. */
  z.strictObject({
    ...Common,
    kind: z.literal("twilio"),
    config: z.strictObject({
      baseUrl: z.string().max(2048).default("https://api.twilio.com"),
      accountSid: z.string().min(1).max(64),
      authToken: Secret,
      from: z.string().min(1).max(32),
    }),
  }),
  /** Aliyun SMS (dysmsapi, RPC style with an HMAC-SHA1 signature). The template takes ${content}. */
  z.strictObject({
    ...Common,
    kind: z.literal("aliyun-sms"),
    config: z.strictObject({
      endpoint: z.string().max(2048).default("https://dysmsapi.aliyuncs.com"),
      accessKeyId: z.string().min(1).max(128),
      accessKeySecret: Secret,
      signName: z.string().min(1).max(64),
      templateCode: z.string().min(1).max(64),
    }),
  }),
  /** Tencent Cloud SMS (API 3.0, TC3-HMAC-SHA256). The template's one parameter is the text. */
  z.strictObject({
    ...Common,
    kind: z.literal("tencent-sms"),
    config: z.strictObject({
      endpoint: z.string().max(2048).default("https://sms.tencentcloudapi.com"),
      secretId: z.string().min(1).max(128),
      secretKey: Secret,
      region: z.string().min(1).max(32).default("ap-guangzhou"),
      sdkAppId: z.string().min(1).max(32),
      signName: z.string().min(1).max(64),
      templateId: z.string().min(1).max(32),
    }),
  }),
  /** Any HTTP SMS gateway: a JSON body template with {{to}} and {{text}}, and optional headers. */
  z.strictObject({
    ...Common,
    kind: z.literal("http"),
    config: z.strictObject({
      url: z.string().max(2048),
      headers: z.record(z.string().max(100), z.string().max(1000)).default({}),
      bodyTemplate: z.string().max(10_000).default('{"to":{{to}},"text":{{text}}}'),
    }),
  }),
]);
export type ProviderInput = z.infer<typeof ProviderInputSchema>;
export type Provider = ProviderInput & { id: string; createdAt: number };

/** Channels each provider kind serves. */
const CHANNELS: Record<Provider["kind"], Channel[]> = {
  smtp: ["email"],
  twilio: ["sms", "voice"],
  "aliyun-sms": ["sms"],
  "tencent-sms": ["sms"],
  http: ["sms"],
};

const SECRET_FIELDS = ["password", "authToken", "accessKeySecret", "secretKey"];

export function publicProvider(p: Provider) {
  const config: Record<string, unknown> = { ...p.config };
  for (const f of SECRET_FIELDS) if (config[f]) config[f] = "********";
  if (p.kind === "http") {
    config.headers = Object.fromEntries(Object.keys(p.config.headers).map((k) => [k, "********"]));
  }
  return { ...p, config };
}

/** The URL a provider calls, when it is an HTTP one. */
function providerUrl(p: Provider): string | null {
  switch (p.kind) {
    case "twilio":
      return p.config.baseUrl;
    case "aliyun-sms":
    case "tencent-sms":
      return p.config.endpoint;
    case "http":
      return p.config.url;
    default:
      return null;
  }
}

export async function createProvider(deps: Deps, input: ProviderInput): Promise<Provider> {
  const url = providerUrl(input as Provider);
  if (url) await checkOutboundUrl(url, deps.config);
  const p: Provider = { ...input, id: ulid(deps.clock.now()), createdAt: deps.clock.now() };
  const op = checkAbsent(
    auditedAtomic(deps.kv, deps.clock, {
      action: "provider.create",
      target: { type: "provider", id: p.id },
    }),
    keys.provider(p.id),
  ).set(keys.provider(p.id), p);
  await commitOrConflict(op, "could not create the provider; retry");
  return p;
}

export async function listProviders(kv: Deno.Kv, channel?: Channel): Promise<Provider[]> {
  return (await listAll<Provider>(kv, keys.providers())).map((e) => e.value)
    .filter((p) => !channel || CHANNELS[p.kind].includes(channel))
    .sort((a, b) => a.order - b.order || a.createdAt - b.createdAt);
}

/**
 * The edit of a provider: the whole provider again, except that a secret
 * left out (or empty) keeps the saved one, since the API never shows it back.
 * An HTTP provider's headers whose value is left empty keep theirs too.
 */
export async function updateProvider(deps: Deps, id: string, raw: unknown): Promise<Provider> {
  const e = await deps.kv.get<Provider>(keys.provider(id));
  if (!e.value) throw notFound("provider");
  const old = e.value;
  const body = isRecord(raw) ? { ...raw } : raw;
  if (isRecord(body) && isRecord(body.config) && body.kind === old.kind) {
    const config: Record<string, unknown> = { ...body.config };
    const saved = old.config as Record<string, unknown>;
    for (const f of SECRET_FIELDS) {
      if ((config[f] === undefined || config[f] === "") && Object.hasOwn(saved, f)) {
        config[f] = saved[f];
      }
    }
    if (old.kind === "http" && isRecord(config.headers)) {
      const headers: Record<string, unknown> = Object.create(null);
      for (const [k, v] of Object.entries(config.headers)) {
        headers[k] = v === "" && Object.hasOwn(old.config.headers, k) ? old.config.headers[k] : v;
      }
      config.headers = { ...headers };
    }
    body.config = config;
  }
  const parsed = ProviderInputSchema.safeParse(body);
  if (!parsed.success) throw new ApiError("invalid_input", describeIssues(parsed.error));
  const url = providerUrl(parsed.data as Provider);
  if (url) await checkOutboundUrl(url, deps.config);
  const p: Provider = { ...parsed.data, id, createdAt: old.createdAt };
  await commitOrConflict(
    auditedAtomic(deps.kv, deps.clock, {
      action: "provider.update",
      target: { type: "provider", id: id },
    }).check(e).set(e.key, p),
    "the provider changed meanwhile; reload and retry",
  );
  return p;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Sets the failover order: `ids` (every provider, once) get orders 0, 1, 2... in one commit. */
export async function reorderProviders(kv: Deno.Kv, ids: string[]): Promise<Provider[]> {
  const entries = await listAll<Provider>(kv, keys.providers());
  const byId = new Map(entries.map((e) => [e.value.id, e]));
  if (ids.length !== entries.length || new Set(ids).size !== ids.length) {
    throw new ApiError("invalid_input", "ids: list every provider once");
  }
  const op = auditedAtomic(kv, systemClock, {
    action: "provider.reorder",
    target: { type: "provider", id: "*" },
  });
  for (const [order, id] of ids.entries()) {
    const e = byId.get(id);
    if (!e) throw new ApiError("invalid_input", `ids: no provider ${id}`);
    op.check(e).set(e.key, { ...e.value, order });
  }
  await commitOrConflict(op, "the providers changed meanwhile; reload and retry");
  return await listProviders(kv);
}

export async function getProvider(kv: Deno.Kv, id: string): Promise<Provider> {
  const p = (await kv.get<Provider>(keys.provider(id))).value;
  if (!p) throw notFound("provider");
  return p;
}

export async function deleteProvider(kv: Deno.Kv, id: string): Promise<void> {
  const e = await kv.get(keys.provider(id));
  if (!e.value) throw notFound("provider");
  await auditedAtomic(kv, systemClock, {
    action: "provider.delete",
    target: { type: "provider", id },
  })
    .delete(e.key).commit();
}

export interface OutboundEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable per delivery, so that a repeated attempt is recognisable as the same message. */
  messageId: string;
}

/** What one provider answered. */
export interface SendResult {
  ok: boolean;
  /** False when trying again later may succeed (connection trouble, 4xx SMTP replies). */
  permanent: boolean;
  detail: string;
}

/** No CR or LF in header values (nodemailer folds them too; this is belt and braces). */
export function headerSafe(s: string): string {
  return s.replace(/[\r\n]+/g, " ").slice(0, 300);
}

export async function sendEmail(deps: Deps, p: Provider, mail: OutboundEmail): Promise<SendResult> {
  if (p.kind !== "smtp") {
    return { ok: false, permanent: true, detail: `${p.kind} does not send e-mail` };
  }
  const c = p.config;
  const transport = nodemailer.createTransport({
    host: c.host,
    port: c.port,
    secure: c.security === "tls",
    requireTLS: c.security === "starttls",
    ignoreTLS: c.security === "none",
    auth: c.username ? { user: c.username, pass: c.password ?? "" } : undefined,
    connectionTimeout: deps.config.smtpTimeoutMs,
    greetingTimeout: deps.config.smtpTimeoutMs,
    socketTimeout: deps.config.smtpTimeoutMs,
  });
  try {
    const info = await transport.sendMail({
      from: c.from,
      to: mail.to,
      subject: headerSafe(mail.subject),
      text: mail.text,
      html: mail.html,
      messageId: `<${mail.messageId}@tocsin>`,
    });
    return { ok: true, permanent: false, detail: String(info.response ?? "sent").slice(0, 200) };
  } catch (e) {
    const err = e as { responseCode?: number; message?: string };
    // SMTP 5xx replies are final for this message; 4xx and connection failures may pass later.
    const permanent = typeof err.responseCode === "number" && err.responseCode >= 500;
    return { ok: false, permanent, detail: String(err.message ?? e).slice(0, 200) };
  } finally {
    transport.close();
  }
}

/** Takes one of the provider's messages for the last minute; false when they are all used. */
export async function takeRate(kv: Deno.Kv, p: Provider, now: number): Promise<boolean> {
  if (!p.perMinute) return true;
  // Check-and-set, so that deliveries fired at once (a sweep runs several) cannot all take the
  // last slot. A slot is taken before the attempt: a failed attempt counts, as at the provider.
  for (let attempt = 0; attempt < 50; attempt++) {
    const e = await kv.get<number[]>(keys.providerSent(p.id));
    const sent = (e.value ?? []).filter((t) => t > now - 60_000);
    if (sent.length >= p.perMinute) return false;
    const ok = (await kv.atomic().check(e).set(e.key, [...sent, now].slice(-p.perMinute)).commit())
      .ok;
    if (ok) return true;
  }
  return false;
}
