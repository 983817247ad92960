/**
 * The HTML shell of every page: the content security policy, the web app manifest, the islands
 * rendered on the server and the script that hydrates them.
 */
import type { ComponentType } from "preact";
import { renderToString } from "preact-render-to-string";
import { type Key, type Lang, translate } from "../client/i18n.ts";
import { parseTheme } from "../client/theme.ts";
import { type Assets } from "../lib/assets.ts";
import AdminTeams from "../islands/AdminTeams.tsx";
import AdminUsers from "../islands/AdminUsers.tsx";
import AuthForm from "../islands/AuthForm.tsx";
import AccountLink from "../islands/AccountLink.tsx";
import ChatApp from "../islands/ChatApp.tsx";
import OnCall from "../islands/OnCall.tsx";
import AdminNotify from "../islands/AdminNotify.tsx";
import Integrations from "../islands/Integrations.tsx";
import Alerts from "../islands/Alerts.tsx";
import AlertPage from "../islands/AlertPage.tsx";
import Rules from "../islands/Rules.tsx";
import Profile from "../islands/Profile.tsx";
import EventWebhooks from "../islands/EventWebhooks.tsx";
import Reports from "../islands/Reports.tsx";
import ApiDocs from "../islands/ApiDocs.tsx";
import System from "../islands/System.tsx";
import Maintenance from "../islands/Maintenance.tsx";
import Search from "../islands/Search.tsx";
import Directory from "../islands/Directory.tsx";
import AdminAnnouncements from "../islands/AdminAnnouncements.tsx";
import AnnouncementBanner from "../islands/AnnouncementBanner.tsx";

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

/** The installed app's bar colour (the bell's orange). */
const THEME_COLOR = "#d9480f";

/** The web app manifest: what an installed Tocsin is called and looks like. */
export function webManifest(base: string) {
  return {
    name: "Tocsin",
    short_name: "Tocsin",
    description: "Alerts and on-call chat",
    id: "/",
    start_url: "/",
    scope: "/",
    display: "standalone",
    background_color: "#ffffff",
    theme_color: THEME_COLOR,
    icons: [
      { src: `${base}/icon-192.png`, sizes: "192x192", type: "image/png", purpose: "any" },
      { src: `${base}/icon-512.png`, sizes: "512x512", type: "image/png", purpose: "any" },
      {
        src: `${base}/icon-maskable-512.png`,
        sizes: "512x512",
        type: "image/png",
        purpose: "maskable",
      },
      { src: `${base}/favicon.svg`, sizes: "any", type: "image/svg+xml" },
    ],
  };
}

// deno-lint-ignore no-explicit-any
const ISLANDS: Record<string, ComponentType<any>> = {
  ChatApp,
  AuthForm,
  AccountLink,
  AdminUsers,
  AdminTeams,
  OnCall,
  AdminNotify,
  Integrations,
  Alerts,
  AlertPage,
  Rules,
  Profile,
  EventWebhooks,
  Reports,
  ApiDocs,
  System,
  Maintenance,
  Search,
  Directory,
  AdminAnnouncements,
};

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(
    /\u2029/g,
    "\\u2029",
  );
}

export interface PageOpts {
  /** The page's name in the <title>, translated; the product's name follows it. */
  title: Key;
  lang: Lang;
  island: string;
  props: Record<string, unknown>;
  /** The signed-in user: their saved language wins over this browser's in the client. */
  user?: { lang?: "en" | "zh" | null } | null;
  /** From the theme cookie, so that the first paint is in the chosen colours. */
  theme?: string;
}

export function page(assets: Assets, opts: PageOpts): string {
  const Island = ISLANDS[opts.island];
  // The island renders in the page's language from its `lang` prop; nothing global is set.
  const body = renderToString(<Island {...opts.props} />);
  const banner = { lang: opts.lang };
  const base = `/static/build/${assets.buildId}`;
  const theme = parseTheme(opts.theme);
  return "<!doctype html>" + renderToString(
    <html
      lang={opts.lang === "zh" ? "zh-CN" : "en"}
      data-theme={theme === "system" ? undefined : theme}
      data-user={opts.user ? "1" : undefined}
      data-lang-source={opts.user?.lang ? "user" : undefined}
    >
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${translate(opts.lang, opts.title)} · Tocsin`}</title>
        <link rel="icon" href={`${base}/favicon.svg`} type="image/svg+xml" />
        <link rel="manifest" href="/manifest.webmanifest" />
        <link rel="apple-touch-icon" href={`${base}/icon-192.png`} />
        <meta name="theme-color" content={THEME_COLOR} />
        <meta name="apple-mobile-web-app-capable" content="yes" />
        <link rel="stylesheet" href={`${base}/app.css`} />
        <script type="module" src={`${base}/boot.js`} />
      </head>
      <body>
        {opts.user && (
          // Site-wide announcements above every signed-in page (it loads them after hydration).
          <div
            class="ann-slot"
            data-island="AnnouncementBanner"
            data-props="p1"
            dangerouslySetInnerHTML={{ __html: renderToString(<AnnouncementBanner {...banner} />) }}
          />
        )}
        <div data-island={opts.island} data-props="p0" dangerouslySetInnerHTML={{ __html: body }} />
        <script
          type="application/json"
          id="__islands"
          dangerouslySetInnerHTML={{
            __html: scriptJson(opts.user ? { p0: opts.props, p1: banner } : { p0: opts.props }),
          }}
        />
      </body>
    </html>,
  );
}
