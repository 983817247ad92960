/**
 * Island boot: finds every server-rendered island, loads its module (one
 * chunk per island) and hydrates it with the JSON props the server embedded.
 */
import { type ComponentType, h, hydrate } from "preact";
import { restoreTheme } from "./theme.ts";
import { startPwa } from "./pwa.ts";

// deno-lint-ignore no-explicit-any
type IslandModule = { default: ComponentType<any> };

const islands: Record<string, () => Promise<IslandModule>> = {
  ChatApp: () => import("../islands/ChatApp.tsx"),
  AuthForm: () => import("../islands/AuthForm.tsx"),
  AccountLink: () => import("../islands/AccountLink.tsx"),
  AdminUsers: () => import("../islands/AdminUsers.tsx"),
  AdminTeams: () => import("../islands/AdminTeams.tsx"),
  AdminWords: () => import("../islands/AdminWords.tsx"),
  AdminSso: () => import("../islands/AdminSso.tsx"),
  AdminAudit: () => import("../islands/AdminAudit.tsx"),
  OnCall: () => import("../islands/OnCall.tsx"),
  AdminNotify: () => import("../islands/AdminNotify.tsx"),
  System: () => import("../islands/System.tsx"),
  Integrations: () => import("../islands/Integrations.tsx"),
  Alerts: () => import("../islands/Alerts.tsx"),
  AlertPage: () => import("../islands/AlertPage.tsx"),
  Rules: () => import("../islands/Rules.tsx"),
  Profile: () => import("../islands/Profile.tsx"),
  EventWebhooks: () => import("../islands/EventWebhooks.tsx"),
  ApiDocs: () => import("../islands/ApiDocs.tsx"),
  Maintenance: () => import("../islands/Maintenance.tsx"),
  Search: () => import("../islands/Search.tsx"),
  Reports: () => import("../islands/Reports.tsx"),
  Directory: () => import("../islands/Directory.tsx"),
  AdminAnnouncements: () => import("../islands/AdminAnnouncements.tsx"),
  AnnouncementBanner: () => import("../islands/AnnouncementBanner.tsx"),
};

restoreTheme();
startPwa();
const data = JSON.parse(document.getElementById("__islands")?.textContent ?? "{}");
for (const el of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const load = islands[el.dataset.island ?? ""];
  if (!load) continue;
  const mod = await load();
  hydrate(h(mod.default, data[el.dataset.props ?? ""] ?? {}), el);
}
// The page's controls work from here on (tests wait for this before they click).
document.documentElement.dataset.hydrated = "1";
