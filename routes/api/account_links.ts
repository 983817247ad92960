/**
 * Invitations (admins), "forgot password" and self-registration (anyone):
 * the e-mailed links and what using them does. Using a link logs the person
 * in. The open routes that hash a password are counted per address like
 * logins.
 */
import { Hono } from "hono";
import { setCookie } from "hono/cookie";
import type { Context } from "hono";
import { z } from "zod";
import type { Core } from "../../lib/runtime.ts";
import { EmailSchema, NameSchema, PasswordSchema } from "../../lib/core/schemas.ts";
import { publicUser, type User, UserRoleSchema } from "../../lib/accounts/model.ts";
import { createSession } from "../../lib/accounts/sessions.ts";
import { addressWindow, countAttempt } from "../../lib/accounts/login.ts";
import {
  acceptInvitation,
  createInvitation,
  listInvitations,
  peekInvitation,
  publicInvitation,
  resendInvitation,
  revokeInvitation,
} from "../../lib/accounts/invitations.ts";
import { confirmPasswordReset, requestPasswordReset } from "../../lib/accounts/password_reset.ts";
import {
  completeSignup,
  getSignupSettings,
  requestSignup,
  setSignupSettings,
  SignupSettingsSchema,
} from "../../lib/accounts/signup.ts";
import { sendAccountMail } from "../../lib/notify/account_mail.ts";
import {
  type AppEnv,
  clientIp,
  idParam,
  json,
  me,
  requestOrigin,
  requireAdmin,
  SESSION_COOKIE,
} from "../middleware.ts";

const LangSchema = z.enum(["en", "zh"]).optional();
const TokenSchema = z.string().min(1).max(200);

const InviteInputSchema = z.strictObject({
  email: EmailSchema,
  role: UserRoleSchema.default("member"),
  /** The e-mail's language; the admin's own when absent. */
  lang: LangSchema,
});
const AcceptInputSchema = z.strictObject({
  token: TokenSchema,
  name: NameSchema,
  password: PasswordSchema,
});
const PeekInputSchema = z.strictObject({ token: TokenSchema });
const EmailRequestSchema = z.strictObject({ email: EmailSchema, lang: LangSchema });
const ResetConfirmSchema = z.strictObject({ token: TokenSchema, password: PasswordSchema });

/** Long because: the one table of the account-link routes, each handler inline after its path. */
export function accountLinkRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  const origin = (c: Context) => deps.config.publicOrigin ?? requestOrigin(deps, c);
  const ip = (c: Context) => clientIp(deps, c);

  /** Logs the person in once a link made or changed their account (same cookie as a login). */
  async function logIn(c: Context, user: User) {
    const { token, session } = await createSession(deps, user, {
      ip: ip(c),
      userAgent: c.req.header("user-agent") ?? "",
    });
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: "Lax",
      secure: origin(c).startsWith("https:"),
      path: "/",
      maxAge: Math.floor(deps.config.sessionTtlMs / 1000),
    });
    return c.json({ user: publicUser(user), expiresAt: session.expiresAt });
  }

  // Invitations (admins).
  app.get("/invitations", requireAdmin, async (c) => {
    return c.json({ items: (await listInvitations(deps.kv)).map(publicInvitation) });
  });

  app.post("/invitations", requireAdmin, json(InviteInputSchema), async (c) => {
    const actor = me(c).user;
    const input = c.req.valid("json");
    const { invitation, token } = await createInvitation(deps, actor, input);
    try {
      await sendAccountMail(deps, {
        kind: "invite",
        to: invitation.email,
        link: `${origin(c)}/invite#${token}`,
        expiresAt: invitation.expiresAt,
        lang: input.lang ?? actor.lang ?? deps.config.defaultLang,
        who: actor.name,
      });
    } catch (e) {
      // Not sent: no invitation stays behind that nobody received.
      await revokeInvitation(deps, invitation.id, "mail_failed").catch(() => {});
      throw e;
    }
    return c.json({ invitation: publicInvitation(invitation) }, 201);
  });

  app.post("/invitations/:id/resend", requireAdmin, async (c) => {
    const actor = me(c).user;
    const { invitation, token } = await resendInvitation(deps, idParam(c, "id", "invitation"));
    await sendAccountMail(deps, {
      kind: "invite",
      to: invitation.email,
      link: `${origin(c)}/invite#${token}`,
      expiresAt: invitation.expiresAt,
      lang: actor.lang ?? deps.config.defaultLang,
      who: actor.name,
    });
    return c.json({ invitation: publicInvitation(invitation) });
  });

  app.delete("/invitations/:id", requireAdmin, async (c) => {
    await revokeInvitation(deps, idParam(c, "id", "invitation"));
    return c.json({ ok: true });
  });

  // The invitee's page (anyone holding the link).
  app.post("/invitations/peek", json(PeekInputSchema), async (c) => {
    return c.json(await peekInvitation(deps, c.req.valid("json").token));
  });

  app.post("/invitations/accept", json(AcceptInputSchema), async (c) => {
    const { token, name, password } = c.req.valid("json");
    await countAttempt(deps, [addressWindow(deps, ip(c))]);
    return await logIn(c, await acceptInvitation(deps, token, { name, password }));
  });

  // Forgot password (anyone): the same answer whether or not the address has an account.
  app.post("/password-reset", json(EmailRequestSchema), async (c) => {
    const { email, lang } = c.req.valid("json");
    const link = origin(c);
    await requestPasswordReset(deps, email, ip(c), (made) =>
      sendAccountMail(deps, {
        kind: "reset",
        to: made.user.email,
        link: `${link}/reset#${made.token}`,
        expiresAt: deps.clock.now() + deps.config.resetTtlMs,
        lang: made.user.lang ?? lang ?? deps.config.defaultLang,
      }));
    return c.json({ ok: true }, 202);
  });

  app.post("/password-reset/confirm", json(ResetConfirmSchema), async (c) => {
    const { token, password } = c.req.valid("json");
    await countAttempt(deps, [addressWindow(deps, ip(c))]);
    return await logIn(c, await confirmPasswordReset(deps, token, password));
  });

  // Self-registration (anyone, when an admin turned it on).
  app.get("/signup", async (c) => {
    return c.json({ enabled: (await getSignupSettings(deps)).enabled });
  });

  app.post("/signup", json(EmailRequestSchema), async (c) => {
    const { email, lang } = c.req.valid("json");
    const link = origin(c);
    await requestSignup(deps, email, ip(c), (token) =>
      sendAccountMail(deps, {
        kind: "signup",
        to: email,
        link: `${link}/register#${token}`,
        expiresAt: deps.clock.now() + deps.config.signupTtlMs,
        lang: lang ?? deps.config.defaultLang,
      }));
    return c.json({ ok: true }, 202);
  });

  app.post("/signup/complete", json(AcceptInputSchema), async (c) => {
    const { token, name, password } = c.req.valid("json");
    await countAttempt(deps, [addressWindow(deps, ip(c))]);
    return await logIn(c, await completeSignup(deps, token, { name, password }));
  });

  app.get("/signup-settings", requireAdmin, async (c) => c.json(await getSignupSettings(deps)));

  app.put("/signup-settings", requireAdmin, json(SignupSettingsSchema), async (c) => {
    return c.json(await setSignupSettings(deps, c.req.valid("json")));
  });

  return app;
}
