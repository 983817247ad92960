/**
 * E-mails about accounts (an invitation, a password reset link, a
 * registration link), sent through the admins' e-mail providers in their
 * failover order, first that works.
 */
import type { Deps } from "../core/deps.ts";
import { ApiError } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { log } from "../core/log.ts";
import { noteNotification } from "../ops/metrics.ts";
import { listProviders, sendEmail } from "./providers.ts";

export type AccountMailKind = "invite" | "reset" | "signup";

const TEXT = {
  en: {
    invite: {
      subject: "You are invited to Tocsin",
      body: "{who} invited you to Tocsin. Open this link to choose your name and password:",
    },
    reset: {
      subject: "Reset your Tocsin password",
      body:
        "Someone (hopefully you) asked to reset your Tocsin password. Open this link to choose a new one; if it was not you, ignore this e-mail:",
    },
    signup: {
      subject: "Finish creating your Tocsin account",
      body: "Open this link to choose your name and password and finish creating your account:",
    },
    expires: "The link works once, until {until} (UTC).",
  },
  zh: {
    invite: {
      subject: "邀请您加入 Tocsin",
      body: "{who} 邀请您加入 Tocsin。打开下面的链接设置您的姓名和密码：",
    },
    reset: {
      subject: "重置 Tocsin 密码",
      body:
        "有人（希望是您本人）申请重置您的 Tocsin 密码。打开下面的链接设置新密码；如果不是您，请忽略此邮件：",
    },
    signup: {
      subject: "完成 Tocsin 账号注册",
      body: "打开下面的链接设置您的姓名和密码，完成账号注册：",
    },
    expires: "链接只能使用一次，有效期至 {until}（UTC）。",
  },
} as const;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Whether any e-mail provider is configured (an invitation needs one). */
export async function canSendEmail(kv: Deno.Kv): Promise<boolean> {
  return (await listProviders(kv, "email")).length > 0;
}

/**
 * Sends one account e-mail with `link`; throws 503 when no provider took it.
 * `who` is the inviting admin's name.
 */
export async function sendAccountMail(
  deps: Deps,
  mail: {
    kind: AccountMailKind;
    to: string;
    link: string;
    expiresAt: number;
    lang: "en" | "zh";
    who?: string;
  },
): Promise<void> {
  const t = TEXT[mail.lang];
  const until = new Date(mail.expiresAt).toISOString().slice(0, 16).replace("T", " ");
  const body = t[mail.kind].body.replace("{who}", mail.who ?? "");
  const expires = t.expires.replace("{until}", until);
  const providers = await listProviders(deps.kv, "email");
  if (providers.length === 0) {
    throw new ApiError("unavailable", "no e-mail provider is configured; add one first");
  }
  for (const p of providers) {
    const r = await sendEmail(deps, p, {
      to: mail.to,
      subject: t[mail.kind].subject,
      text: `${body}\n\n${mail.link}\n\n${expires}\n`,
      html: `<p>${escapeHtml(body)}</p><p><a href="${escapeHtml(mail.link)}">${
        escapeHtml(mail.link)
      }</a></p><p>${escapeHtml(expires)}</p>`,
      messageId: ulid(deps.clock.now()),
    });
    noteNotification("email", p.name, r.ok, r.detail, deps.clock.now());
    if (r.ok) return;
  }
  throw new ApiError("unavailable", "the e-mail could not be sent; try again later");
}

/** Sends without making the caller wait or fail (the reset and registration answers must not tell). */
export function sendAccountMailLater(
  deps: Deps,
  mail: Parameters<typeof sendAccountMail>[1],
): void {
  sendAccountMail(deps, mail).catch((e) => log.warn(`account e-mail (${mail.kind}) failed:`, e));
}
