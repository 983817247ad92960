/** First-run setup, login, logout and the caller's own profile. */
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Context } from "hono";
import type { Core } from "../../lib/runtime.ts";
import {
  ChangePasswordInputSchema,
  LoginInputSchema,
  SetupInputSchema,
  UpdateProfileInputSchema,
} from "../../lib/accounts/model.ts";
import { createSession, logout } from "../../lib/accounts/sessions.ts";
import { addressWindow, countAttempt, login } from "../../lib/accounts/login.ts";
import { changeOwnPassword } from "../../lib/accounts/own_password.ts";
import { listTeams } from "../../lib/accounts/teams.ts";
import { isSetUp, setup, updateProfile } from "../../lib/accounts/users.ts";
import { publicUser } from "../../lib/accounts/model.ts";
import { oidcLogoutUrl } from "../../lib/sso/oidc.ts";
import {
  type AppEnv,
  clientIp,
  json,
  me,
  requestOrigin,
  requireAuth,
  SESSION_COOKIE,
} from "../middleware.ts";

export function authRoutes(deps: Core) {
  const app = new Hono<AppEnv>();

  function setSessionCookie(c: Context, token: string) {
    const secure = (deps.config.publicOrigin ?? requestOrigin(deps, c)).startsWith("https:");
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: "Lax",
      secure,
      path: "/",
      maxAge: Math.floor(deps.config.sessionTtlMs / 1000),
    });
  }

  const meta = (c: Context) => ({
    ip: clientIp(deps, c),
    userAgent: c.req.header("user-agent") ?? "",
  });

  app.get("/setup", async (c) => c.json({ needed: !(await isSetUp(deps.kv)) }));

  app.post("/setup", json(SetupInputSchema), async (c) => {
    // Open to anyone: counted per address like logins, but only once the cheap
    // "already set up" check has passed (setup() runs this just before hashing).
    const ip = clientIp(deps, c);
    const user = await setup(
      deps,
      c.req.valid("json"),
      () => countAttempt(deps, [addressWindow(deps, ip)]),
    );
    const { token } = await createSession(deps, user, { ...meta(c), action: "auth.setup" });
    setSessionCookie(c, token);
    return c.json({ user: publicUser(user) }, 201);
  });

  app.post("/session", json(LoginInputSchema), async (c) => {
    const { email, password } = c.req.valid("json");
    const { token, user, session } = await login(deps, email, password, meta(c));
    setSessionCookie(c, token);
    return c.json({ user: publicUser(user), expiresAt: session.expiresAt });
  });

  app.delete("/session", async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    // A session opened through OpenID Connect ends at the provider too (the browser goes there).
    const redirect = token
      ? await oidcLogoutUrl(deps.kv, token, deps.config.publicOrigin ?? requestOrigin(deps, c))
      : null;
    if (token) await logout(deps, token, meta(c));
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.json(redirect ? { ok: true, redirect } : { ok: true });
  });

  app.patch("/me", requireAuth, json(UpdateProfileInputSchema), async (c) => {
    const user = await updateProfile(deps, me(c).user, c.req.valid("json"));
    return c.json({ user: publicUser(user) });
  });

  // Verified like a login and rate limited with it; ends the caller's other sessions.
  app.post("/me/password", requireAuth, json(ChangePasswordInputSchema), async (c) => {
    const user = await changeOwnPassword(deps, me(c), c.req.valid("json"), clientIp(deps, c));
    return c.json({ user: publicUser(user) });
  });

  app.get("/me", requireAuth, async (c) => {
    const { user, via } = me(c);
    return c.json({ user: publicUser(user), via, teams: await listTeams(deps.kv, user) });
  });

  return app;
}
