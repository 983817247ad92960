/**
 * Server-rendered pages. Each page renders its island on the server and
 * embeds the island's JSON props in a non-executable script tag; the bundle
 * (served from /static/build/<buildId>/) hydrates it. Pages carry a strict
 * Content-Security-Policy: no inline script, no inline style.
 */
import { type Context, Hono } from "hono";
import { getCookie } from "hono/cookie";
import type { ComponentType } from "preact";
import { renderToString } from "preact-render-to-string";
import { type Lang, pickLang } from "../client/i18n.ts";
import { safeNext } from "../client/safe_next.ts";
import { type Assets, contentType } from "../lib/assets.ts";
import type { Core } from "../lib/runtime.ts";
import { isUlid } from "../lib/core/ids.ts";
import { getMember } from "../lib/chat/conversations.ts";
import { authenticate } from "../lib/accounts/sessions.ts";
import { isSetUp } from "../lib/accounts/users.ts";
import { publicUser } from "../lib/accounts/model.ts";
import AdminTeams from "../islands/AdminTeams.tsx";
import AdminUsers from "../islands/AdminUsers.tsx";
import AuthForm from "../islands/AuthForm.tsx";
import ChatApp from "../islands/ChatApp.tsx";
import OnCall from "../islands/OnCall.tsx";
import AdminNotify from "../islands/AdminNotify.tsx";
import Integrations from "../islands/Integrations.tsx";
import Alerts from "../islands/Alerts.tsx";
import AlertPage from "../islands/AlertPage.tsx";
import Rules from "../islands/Rules.tsx";
import { SESSION_COOKIE } from "./middleware.ts";

export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

// deno-lint-ignore no-explicit-any
const ISLANDS: Record<string, ComponentType<any>> = {
  ChatApp,
  AuthForm,
  AdminUsers,
  AdminTeams,
  OnCall,
  AdminNotify,
  Integrations,
  Alerts,
  AlertPage,
  Rules,
};

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(
    /\u2029/g,
    "\\u2029",
  );
}

function page(
  assets: Assets,
  opts: { title: string; lang: Lang; island: string; props: Record<string, unknown> },
): string {
  const Island = ISLANDS[opts.island];
  // The island renders in the page's language from its `lang` prop; nothing global is set.
  const body = renderToString(<Island {...opts.props} />);
  const base = `/static/build/${assets.buildId}`;
  return "<!doctype html>" + renderToString(
    <html lang={opts.lang === "zh" ? "zh-CN" : "en"}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <title>{opts.title}</title>
        <link rel="icon" href={`${base}/favicon.svg`} type="image/svg+xml" />
        <link rel="stylesheet" href={`${base}/app.css`} />
        <script type="module" src={`${base}/boot.js`} />
      </head>
      <body>
        <div data-island={opts.island} data-props="p0" dangerouslySetInnerHTML={{ __html: body }} />
        <script
          type="application/json"
          id="__islands"
          dangerouslySetInnerHTML={{ __html: scriptJson({ p0: opts.props }) }}
        />
      </body>
    </html>,
  );
}

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
  app.get("/favicon.ico", (c) => {
    if (!assets) return c.notFound();
    return c.redirect(`/static/build/${assets.buildId}/favicon.svg`, 301);
  });

  const langOf = (c: Context): Lang => pickLang((c.req.header("accept-language") ?? "").split(","));
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
        title: "Tocsin",
        lang: langOf(c),
        island: "ChatApp",
        props: { me: publicUser(a.user), lang: langOf(c), conversationId },
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
        title: mode === "setup" ? "Set up Tocsin" : "Log in · Tocsin",
        lang: langOf(c),
        island: "AuthForm",
        props: { mode, lang: langOf(c), next: safeNext(c.req.query("next")) },
      }),
    );
  };
  app.get("/login", (c) => authPage(c, "login"));
  app.get("/setup", (c) => authPage(c, "setup"));

  const adminPage = async (
    c: Context,
    island: "AdminUsers" | "AdminTeams" | "OnCall" | "AdminNotify" | "Rules",
  ) => {
    if (!assets) return noBundle(c);
    const a = await auth(c);
    if (!a) return c.redirect("/login?next=" + encodeURIComponent(c.req.path));
    if ((island === "AdminUsers" || island === "AdminNotify") && a.user.role !== "admin") {
      return c.redirect("/admin/teams");
    }
    return html(
      c,
      page(assets, {
        title: "Tocsin admin",
        lang: langOf(c),
        island,
        props: { me: publicUser(a.user), lang: langOf(c) },
      }),
    );
  };
  app.get("/admin/users", (c) => adminPage(c, "AdminUsers"));
  app.get("/admin/teams", (c) => adminPage(c, "AdminTeams"));
  app.get("/oncall", (c) => adminPage(c, "OnCall"));
  app.get("/admin/notifications", (c) => adminPage(c, "AdminNotify"));
  app.get("/rules", (c) => adminPage(c, "Rules"));

  /** Pages any logged-in user opens; the island loads what the user may see. */
  const userPage = async (
    c: Context,
    island: "Integrations" | "Alerts" | "AlertPage",
    extra: Record<string, unknown> = {},
  ) => {
    if (!assets) return noBundle(c);
    const a = await auth(c);
    if (!a) return c.redirect("/login?next=" + encodeURIComponent(c.req.path));
    return html(
      c,
      page(assets, {
        title: "Tocsin",
        lang: langOf(c),
        island,
        props: { me: publicUser(a.user), lang: langOf(c), ...extra },
      }),
    );
  };
  app.get("/integrations", (c) =>
    userPage(c, "Integrations", {
      // Where senders post: TOCSIN_PUBLIC_URL, else the origin this page was opened at.
      origin: deps.config.publicOrigin ?? new URL(c.req.url).origin,
    }));
  app.get("/alerts", (c) => userPage(c, "Alerts"));
  app.get("/alerts/:id", (c) => {
    const id = c.req.param("id");
    return userPage(c, "AlertPage", { alertId: isUlid(id) ? id : "" });
  });

  return app;
}
