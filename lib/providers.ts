/**
 * Notification providers, configured by admins, several per channel, tried
 * in their `order` (failover). Only SMTP e-mail exists so far.
 */
import nodemailer from "nodemailer";
import { z } from "zod";
import type { Channel } from "./contacts.ts";
import type { Deps } from "./deps.ts";
import { notFound } from "./errors.ts";
import { ulid } from "./ids.ts";
import { keys } from "./keys.ts";
import { listAll } from "./kv_util.ts";

export const SmtpConfigSchema = z.strictObject({
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535),
  /** "tls": implicit TLS (465); "starttls": upgrade required; "none": plain (loopback relays only). */
  security: z.enum(["tls", "starttls", "none"]),
  username: z.string().max(256).optional(),
  password: z.string().max(256).optional(),
  from: z.string().min(3).max(320),
});

export const ProviderInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  kind: z.literal("smtp"),
  order: z.number().int().min(0).max(1000).default(0),
  config: SmtpConfigSchema,
});
export type ProviderInput = z.infer<typeof ProviderInputSchema>;
export interface Provider extends ProviderInput {
  id: string;
  createdAt: number;
}

/** Channel each provider kind serves. */
const CHANNEL: Record<Provider["kind"], Channel> = { smtp: "email" };

export function publicProvider(p: Provider) {
  return { ...p, config: { ...p.config, ...(p.config.password ? { password: "********" } : {}) } };
}

export async function createProvider(deps: Deps, input: ProviderInput): Promise<Provider> {
  const p: Provider = { ...input, id: ulid(deps.clock.now()), createdAt: deps.clock.now() };
  await deps.kv.set(keys.provider(p.id), p);
  return p;
}

export async function listProviders(kv: Deno.Kv, channel?: Channel): Promise<Provider[]> {
  return (await listAll<Provider>(kv, keys.providers())).map((e) => e.value)
    .filter((p) => !channel || CHANNEL[p.kind] === channel)
    .sort((a, b) => a.order - b.order || a.createdAt - b.createdAt);
}

export async function deleteProvider(kv: Deno.Kv, id: string): Promise<void> {
  const e = await kv.get(keys.provider(id));
  if (!e.value) throw notFound("provider");
  await kv.delete(e.key);
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
