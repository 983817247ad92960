/**
 * Server-rendered pages. Each page renders its island on the server and
 * embeds the island's JSON props in a non-executable script tag; the bundle
 * (served from /static/build/<buildId>/) hydrates it. Pages carry a strict
 * Content-Security-Policy: no inline script, no inline style.
 */
import { type Context, Hono } from "hono";
import { getCookie } from "hono/cookie";
import { type Key, type Lang, pickLang } from "../client/i18n.ts";
import { safeNext } from "../client/safe_next.ts";
import { THEME_COOKIE } from "../client/theme.ts";
import { type Assets, contentType } from "../lib/assets.ts";
import type { Core } from "../lib/runtime.ts";
import { isUlid } from "../lib/core/ids.ts";
import { getMember } from "../lib/chat/conversations.ts";
import { authenticate } from "../lib/accounts/sessions.ts";
import { isSetUp } from "../lib/accounts/users.ts";
import { publicUser } from "../lib/accounts/model.ts";
import type { AccountLinkMode } from "../islands/AccountLink.tsx";
import { getSignupSettings } from "../lib/accounts/signup.ts";
import { SESSION_COOKIE } from "./middleware.ts";
import { page, PAGE_CSP, webManifest } from "./page_shell.tsx";
import { getSsoSettings, ssoPublicView } from "../lib/sso/settings.ts";

/** The reasons a single sign-on can come back to the login page with. */
const SSO_ERRORS = new Set(["state", "provider", "denied", "account", "unavailable"]);

/** Pages of the admin area; team admins and members open some of them too. */
type AdminIsland =
  | "AdminUsers"
  | "AdminTeams"
  | "OnCall"
  | "AdminNotify"
  | "Rules"
  | "System"
  | "Maintenance"
  | "AdminWords"
  | "AdminSso"
  | "AdminAnnouncements"
  | "AdminAudit";
/** The admin pages only server admins open; others are sent to their teams. */
const ADMIN_ONLY = new Set<AdminIsland>([
  "AdminUsers",
  "AdminNotify",
  "System",
  "AdminWords",
  "AdminSso",
  "AdminAnnouncements",
  "AdminAudit",
]);

// Long because: the one table of the pages, each handler inline after its path as Hono recommends.
export function pageRoutes(deps: Core, assets: Assets | null) {
  const app = new Hono();

  app.get("/static/build/:id/:file", (c) => {
    const file = assets?.files.get(c.req.param("file"));
    if (!assets || !file || c.req.param("id") !== assets.buildId) return c.notFound();
    return c.body(file as Uint8Array<ArrayBuffer>, 200, {
      "content-type": contentType(c.req.param("file")),
      "cache-control": "public, max-age=31536000, immutable",
    });
  });
  // The installable app: its manifest, the service worker (at the root, so that its scope is
  // the whole site; never cached long, so that a new build reaches devices) and the page the
  // worker shows when there is no network.
  app.get("/manifest.webmanifest", (c) => {
    if (!assets) return c.notFound();
    c.header("cache-control", "no-cache");
    return c.body(JSON.stringify(webManifest(`/static/build/${assets.buildId}`)), 200, {
      "content-type": "application/manifest+json",
    });
  });
  app.get("/sw.js", (c) => {
    const file = assets?.files.get("sw.js");
    if (!assets || !file) return c.notFound();
    const head = `self.TOCSIN_BUILD=${JSON.stringify(assets.buildId)};\n`;
    return c.body(head + new TextDecoder().decode(file), 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "no-cache",
    });
  });
  app.get("/offline", (c) => {
    if (!assets) return noBundle(c);
    const base = `/static/build/${assets.buildId}`;
    c.header("content-security-policy", PAGE_CSP);
    c.header("cache-control", "no-cache");
    return c.html(
      `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<title>Offline · Tocsin</title><link rel="stylesheet" href="${base}/app.css"></head>` +
        `<body><main class="offline-page"><h1>You are offline · 当前离线</h1>` +
        `<p>Tocsin needs the network to show alerts and messages. Notifications still arrive when it is back.</p>` +
        `<p>Tocsin 需要网络才能显示告警和消息；网络恢复后通知会照常送达。</p>` +
        `<p><a href="/">Try again · 重试</a></p></main></body></html>`,
    );
  });
  app.get("/favicon.ico", (c) => {
    if (!assets) return c.notFound();
    return c.redirect(`/static/build/${assets.buildId}/favicon.svg`, 301);
  });

  /** The user's saved language, else the browser's. */
  const langOf = (c: Context, user?: { lang?: Lang | null } | null): Lang =>
    user?.lang ?? pickLang((c.req.header("accept-language") ?? "").split(","));
  const themeOf = (c: Context) => getCookie(c, THEME_COOKIE);
  const auth = (c: Context) => authenticate(deps, { cookie: getCookie(c, SESSION_COOKIE) });
  const html = (c: Context, markup: string, status = 200) => {
    c.header("content-security-policy", PAGE_CSP);
    c.header("cache-control", "no-store");
    return c.html(markup, status as 200);
  };
  const noBundle = (c: Context) =>
    c.text(
      "The web client is not built. Run `deno task build` (or start with `deno task start`).",
      503,
    );

  const chat = async (c: Context, conversationId: string | null) => {
    if (!assets) return noBundle(c);
    if (!(await isSetUp(deps.kv))) return c.redirect("/setup");
    const a = await auth(c);
    if (!a) return c.redirect("/login?next=" + encodeURIComponent(c.req.path));
    let status = 200;
    if (conversationId) {
      // Not a member: the page says so, answers 404, and holds nothing of the conversation.
      if (!isUlid(conversationId) || !(await getMember(deps.kv, conversationId, a.user.id))) {
        status = 404;
      }
    }
    return html(
      c,
      page(assets, {
        title: "pp_title_chat",
        lang: langOf(c, a.user),
        island: "ChatApp",
        props: {
          me: publicUser(a.user),
          lang: langOf(c, a.user),
          conversationId,
          windows: {
            editMs: deps.config.messageEditWindowMs,
            recallMs: deps.config.messageRecallWindowMs,
          },
        },
        user: a.user,
        theme: themeOf(c),
      }),
      status,
    );
  };

  app.get("/", (c) => chat(c, null));
  app.get("/c/:id", (c) => chat(c, c.req.param("id")));

  const authPage = async (c: Context, mode: "login" | "setup") => {
    if (!assets) return noBundle(c);
    const setUp = await isSetUp(deps.kv);
    if (mode === "setup" && setUp) return c.redirect("/login");
    if (mode === "login" && !setUp) return c.redirect("/setup");
    if (mode === "login" && await auth(c)) return c.redirect("/");
    return html(
      c,
      page(assets, {
        title: mode === "setup" ? "pp_title_setup" : "pp_title_login",
        lang: langOf(c),
        island: "AuthForm",
        props: {
          mode,
          lang: langOf(c),
          next: safeNext(c.req.query("next")),
          // Sign-in buttons for the configured single sign-on, and why the last attempt failed.
          sso: ssoPublicView(await getSsoSettings(deps.kv)),
          ssoError: SSO_ERRORS.has(c.req.query("sso_error") ?? "")
            ? c.req.query("sso_error")
            : null,
          signup: mode === "login" && (await getSignupSettings(deps)).enabled,
        },
        theme: themeOf(c),
      }),
    );
  };
  app.get("/login", (c) => authPage(c, "login"));
  app.get("/setup", (c) => authPage(c, "setup"));

  // Pages behind e-mailed account links (the token is in the fragment) and the forms asking for them.
  const linkPage = (c: Context, mode: AccountLinkMode, title: Key) => {
    if (!assets) return noBundle(c);
    return html(
      c,
      page(assets, {
        title,
        lang: langOf(c),
        island: "AccountLink",
        props: { mode, lang: langOf(c) },
        theme: themeOf(c),
      }),
    );
  };
  app.get("/invite", (c) => linkPage(c, "invite", "acc_title_invite"));
  app.get("/reset", (c) => linkPage(c, "reset", "acc_title_reset"));
  app.get("/forgot", (c) => linkPage(c, "forgot", "acc_title_forgot"));
  app.get("/register", (c) => linkPage(c, "register", "acc_title_register"));

  const adminPage = async (c: Context, island: AdminIsland, title: Key) => {
    if (!assets) return noBundle(c);
    const a = await auth(c);
    if (!a) return c.redirect("/login?next=" + encodeURIComponent(c.req.path));
    const adminOnly = ADMIN_ONLY.has(island);
    if (adminOnly && a.user.role !== "admin") {
      return c.redirect("/admin/teams");
    }
    return html(
      c,
      page(assets, {
        title,
        lang: langOf(c, a.user),
        island,
        props: { me: publicUser(a.user), lang: langOf(c, a.user) },
        user: a.user,
        theme: themeOf(c),
      }),
    );
  };
  app.get("/admin/users", (c) => adminPage(c, "AdminUsers", "pp_title_users"));
  app.get("/admin/words", (c) => adminPage(c, "AdminWords", "sw_title"));
  app.get("/admin/sso", (c) => adminPage(c, "AdminSso", "sso_title"));
  app.get("/admin/audit", (c) => adminPage(c, "AdminAudit", "au_title"));
  app.get("/admin/teams", (c) => adminPage(c, "AdminTeams", "pp_title_teams"));
  app.get("/oncall", (c) => adminPage(c, "OnCall", "pp_title_oncall"));
  app.get("/admin/notifications", (c) => adminPage(c, "AdminNotify", "pp_title_notify"));
  app.get("/rules", (c) => adminPage(c, "Rules", "pp_title_rules"));
  app.get("/admin/system", (c) => adminPage(c, "System", "sys_title"));
  app.get("/silences", (c) => adminPage(c, "Maintenance", "mt_title"));
  app.get("/admin/announcements", (c) => adminPage(c, "AdminAnnouncements", "ann_title"));

  /** Pages any logged-in user opens; the island loads what the user may see. */
  const userPage = async (
    c: Context,
    island:
      | "Integrations"
      | "Alerts"
      | "AlertPage"
      | "Profile"
      | "EventWebhooks"
      | "ApiDocs"
      | "Search"
      | "Reports"
      | "Directory",
    title: Key,
    extra: Record<string, unknown> = {},
  ) => {
    if (!assets) return noBundle(c);
    const a = await auth(c);
    if (!a) return c.redirect("/login?next=" + encodeURIComponent(c.req.path));
    return html(
      c,
      page(assets, {
        title,
        lang: langOf(c, a.user),
        island,
        props: { me: publicUser(a.user), lang: langOf(c, a.user), ...extra },
        user: a.user,
        theme: themeOf(c),
      }),
    );
  };
  app.get("/integrations", (c) =>
    userPage(c, "Integrations", "pp_title_integrations", {
      // Where senders post: TOCSIN_PUBLIC_URL, else the origin this page was opened at.
      origin: deps.config.publicOrigin ?? new URL(c.req.url).origin,
    }));
  app.get("/alerts", (c) => userPage(c, "Alerts", "pp_title_alerts"));
  app.get("/profile", (c) => userPage(c, "Profile", "pp_title_profile"));
  app.get("/webhooks", (c) => userPage(c, "EventWebhooks", "wh_title"));
  app.get("/reports", (c) =>
    userPage(c, "Reports", "rp_title", {
      // The zone whose days the reports count (the presets' "today" is its today).
      timeZone: deps.config.reportTimeZone,
    }));
  app.get("/api-docs", (c) => userPage(c, "ApiDocs", "apid_title"));
  app.get("/search", (c) => userPage(c, "Search", "sr_title"));
  app.get("/directory", (c) => userPage(c, "Directory", "dir_title"));
  app.get("/alerts/:id", (c) => {
    const id = c.req.param("id");
    return userPage(c, "AlertPage", "pp_title_alert", { alertId: isUlid(id) ? id : "" });
  });

  return app;
}
