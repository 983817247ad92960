/**
 * Single sign-on: the settings (admins), what the login page offers (anyone),
 * LDAP sign-in and sync, and the browser's OpenID Connect round trip
 * (`/auth/oidc/start` -> the provider -> `/auth/oidc/callback`).
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Core } from "../../lib/runtime.ts";
import { publicUser } from "../../lib/accounts/model.ts";
import { LdapLoginInputSchema, SsoSettingsInputSchema } from "../../lib/sso/model.ts";
import {
  getSsoSettings,
  saveSsoSettings,
  ssoAdminView,
  ssoPublicView,
} from "../../lib/sso/settings.ts";
import { finishOidc, OidcError, startOidc } from "../../lib/sso/oidc.ts";
import { ldapLogin, runLdapSync } from "../../lib/sso/ldap.ts";
import { ApiError } from "../../lib/core/errors.ts";
import { addressWindow, countAttempt } from "../../lib/accounts/login.ts";
import { safeNext } from "../../client/safe_next.ts";
import {
  type AppEnv,
  clientIp,
  json,
  requestOrigin,
  requireAdmin,
  SESSION_COOKIE,
} from "../middleware.ts";

/** The cookie that ties a started OpenID Connect login to the browser that started it. */
const STATE_COOKIE = "tocsin_sso_state";
const STATE_PATH = "/auth/oidc";

export function ssoRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  const origin = (c: Context) => deps.config.publicOrigin ?? requestOrigin(deps, c);
  const secure = (c: Context) => origin(c).startsWith("https:");
  const meta = (c: Context) => ({
    ip: clientIp(deps, c),
    userAgent: c.req.header("user-agent") ?? "",
  });
  const setSessionCookie = (c: Context, token: string) =>
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: "Lax",
      secure: secure(c),
      path: "/",
      maxAge: Math.floor(deps.config.sessionTtlMs / 1000),
    });

  app.get("/api/v1/sso", async (c) => c.json(ssoPublicView(await getSsoSettings(deps.kv))));

  app.get("/api/v1/sso/settings", requireAdmin, async (c) => {
    return c.json(ssoAdminView(await getSsoSettings(deps.kv), origin(c)));
  });

  app.put("/api/v1/sso/settings", requireAdmin, json(SsoSettingsInputSchema), async (c) => {
    const saved = await saveSsoSettings(deps, c.req.valid("json"));
    return c.json(ssoAdminView(saved, origin(c)));
  });

  app.post("/api/v1/sso/ldap/sync", requireAdmin, async (c) => {
    return c.json(await runLdapSync(deps));
  });

  app.post("/api/v1/sso/ldap/session", json(LdapLoginInputSchema), async (c) => {
    const { username, password } = c.req.valid("json");
    const { token, user, session } = await ldapLogin(deps, username, password, meta(c));
    setSessionCookie(c, token);
    return c.json({ user: publicUser(user), expiresAt: session.expiresAt });
  });

  // A browser navigation: failures come back to the login page, which explains them.
  app.get("/auth/oidc/start", async (c) => {
    try {
      // Each start stores a login under way: counted like a login attempt from this address.
      await countAttempt(deps, [addressWindow(deps, clientIp(deps, c))]);
      const { url, state } = await startOidc(deps, origin(c), safeNext(c.req.query("next")));
      setCookie(c, STATE_COOKIE, state, {
        httpOnly: true,
        // Lax: the provider's redirect back is a top-level GET, which carries it.
        sameSite: "Lax",
        secure: secure(c),
        path: STATE_PATH,
        maxAge: Math.floor(deps.config.ssoStateTtlMs / 1000),
      });
      return c.redirect(url, 302);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.code === "rate_limited") throw e;
      return c.redirect(`/login?sso_error=unavailable`, 302);
    }
  });

  app.get("/auth/oidc/callback", async (c) => {
    const cookieState = getCookie(c, STATE_COOKIE);
    deleteCookie(c, STATE_COOKIE, { path: STATE_PATH });
    try {
      const r = await finishOidc(deps, new URL(c.req.url), cookieState, meta(c));
      setSessionCookie(c, r.token);
      return c.redirect(safeNext(r.next), 302);
    } catch (e) {
      if (!(e instanceof OidcError)) throw e;
      return c.redirect(`/login?sso_error=${e.code}`, 302);
    }
  });

  return app;
}
