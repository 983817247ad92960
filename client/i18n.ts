/**
 * English and Chinese UI strings. The language comes from the user's saved
 * choice (their profile's `lang`), else this browser's choice (localStorage),
 * else the browser's language.
 */
import { signal } from "@preact/signals";
import * as core from "./strings/core.ts";
import * as alerts from "./strings/alerts.ts";
import * as oncall from "./strings/oncall.ts";
import * as rules from "./strings/rules.ts";
import * as providers from "./strings/providers.ts";
import * as people from "./strings/people.ts";
import * as chat from "./strings/chat.ts";
import * as chat_admin from "./strings/chat_admin.ts";
import * as dropin from "./strings/dropin.ts";
import * as maint from "./strings/maint.ts";
import * as push from "./strings/push.ts";
import * as system from "./strings/system.ts";
import * as webhooks from "./strings/webhooks.ts";
import * as search from "./strings/search.ts";
import * as reports from "./strings/reports.ts";
import * as sso from "./strings/sso.ts";
import * as mentions from "./strings/mentions.ts";
import * as warroom from "./strings/warroom.ts";
import * as accounts from "./strings/accounts.ts";
import * as directory from "./strings/directory.ts";
import * as audit from "./strings/audit.ts";

export type Lang = "en" | "zh";

// Every area's strings; a key is defined once across them.
const en = {
  ...core.en,
  ...alerts.en,
  ...oncall.en,
  ...rules.en,
  ...providers.en,
  ...people.en,
  ...chat.en,
  ...chat_admin.en,
  ...dropin.en,
  ...maint.en,
  ...push.en,
  ...system.en,
  ...webhooks.en,
  ...search.en,
  ...reports.en,
  ...sso.en,
  ...mentions.en,
  ...warroom.en,
  ...accounts.en,
  ...directory.en,
  ...audit.en,
};
const zh: Record<Key, string> = {
  ...core.zh,
  ...alerts.zh,
  ...oncall.zh,
  ...rules.zh,
  ...providers.zh,
  ...people.zh,
  ...chat.zh,
  ...chat_admin.zh,
  ...dropin.zh,
  ...maint.zh,
  ...push.zh,
  ...system.zh,
  ...webhooks.zh,
  ...search.zh,
  ...reports.zh,
  ...sso.zh,
  ...mentions.zh,
  ...warroom.zh,
  ...accounts.zh,
  ...directory.zh,
  ...audit.zh,
};
export type Key = keyof typeof en;

const DICTS: Record<Lang, Record<Key, string>> = { en, zh };

/** Picks a language from an Accept-Language header or navigator.languages. */
export function pickLang(prefs: readonly string[]): Lang {
  for (const p of prefs) {
    const l = p.trim().toLowerCase();
    if (l.startsWith("zh")) return "zh";
    if (l.startsWith("en")) return "en";
  }
  return "en";
}

/** The language chosen in this browser (browser only: the server renders from island props). */
export const lang = signal<Lang>("en");

export type Translate = (key: Key, vars?: Record<string, string | number>) => string;

/** The string for `key` in language `l`, with `{var}` filled in. */
export function translate(l: Lang, key: Key, vars: Record<string, string | number> = {}): string {
  const s = DICTS[l][key] ?? en[key];
  return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ""));
}

/** A translator bound to one language, for passing to components. */
export function translator(l: Lang): Translate {
  return (key, vars) => translate(l, key, vars);
}

/** The string for `key` in the browser's current language (for the client runtime). */
export function t(key: Key, vars: Record<string, string | number> = {}): string {
  return translate(lang.value, key, vars);
}

const IS_BROWSER = typeof document !== "undefined";
let langStarted = false;

/**
 * An island's language and translator. On the server it is the page's language from the
 * island's props, and nothing global is touched; in the browser the saved or page language is
 * applied once, and the island re-renders when the user switches.
 */
export function useLocale(pageLang: Lang): { lang: Lang; t: Translate } {
  if (!IS_BROWSER) return { lang: pageLang, t: translator(pageLang) };
  if (!langStarted) {
    langStarted = true;
    initLang(pageLang);
  }
  return { lang: lang.value, t: translator(lang.value) };
}

/** Applies the saved or browser language (browser only). */
export function initLang(serverLang: Lang): void {
  lang.value = serverLang;
  // The server marks a language the user saved on their profile: it wins over this browser's.
  const fromUser = document.documentElement.dataset.langSource === "user";
  try {
    const saved = localStorage.getItem("tocsin.lang");
    if (fromUser) localStorage.setItem("tocsin.lang", serverLang);
    else if (saved === "en" || saved === "zh") lang.value = saved;
  } catch {
    // storage blocked
  }
  document.documentElement.lang = lang.value === "zh" ? "zh-CN" : "en";
}

export function toggleLang(): void {
  setLang(lang.value === "en" ? "zh" : "en");
}

/**
 * Switches the UI language, remembers it in this browser and saves it as the
 * user's language (which notifications outside the app use too). The save is
 * best effort: on a login page there is no user yet.
 */
export function setLang(next: Lang, save = true): void {
  lang.value = next;
  document.documentElement.lang = next === "zh" ? "zh-CN" : "en";
  try {
    localStorage.setItem("tocsin.lang", next);
  } catch {
    // storage blocked
  }
  if (save && document.documentElement.dataset.user) {
    fetch("/api/v1/me", {
      method: "PATCH",
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ lang: next }),
    }).then(() => document.documentElement.dataset.langSource = "user", () => {});
  }
}
