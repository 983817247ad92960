/**
 * Times in the user's own time zone, via Intl, in the language given. Pure apart from the
 * clock and time zone, so components may call them with the `lang` they are given.
 */
import type { Lang } from "./i18n.ts";

function locale(lang: Lang): string {
  return lang === "zh" ? "zh-CN" : "en";
}

export function timeOfDay(ms: number, lang: Lang): string {
  return new Intl.DateTimeFormat(locale(lang), { hour: "2-digit", minute: "2-digit" }).format(ms);
}

/** Calendar day key in the local zone, for day separators. */
export function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function dayLabel(ms: number, lang: Lang, today: string, yesterday: string): string {
  const now = Date.now();
  if (dayKey(ms) === dayKey(now)) return today;
  if (dayKey(ms) === dayKey(now - 86_400_000)) return yesterday;
  return new Intl.DateTimeFormat(locale(lang), {
    year: "numeric",
    month: "long",
    day: "numeric",
    weekday: "short",
  })
    .format(ms);
}

/** Short time for the conversation list: time today, else the date. */
export function shortWhen(ms: number, lang: Lang): string {
  if (dayKey(ms) === dayKey(Date.now())) return timeOfDay(ms, lang);
  return new Intl.DateTimeFormat(locale(lang), { month: "numeric", day: "numeric" }).format(ms);
}

/** Latin names: first letters of two words; others (e.g. Chinese): the first character. */
const LATIN = /^[A-Za-z0-9]/;

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/);
  if (parts.length >= 2 && LATIN.test(parts[0])) return (parts[0][0] + parts[1][0]).toUpperCase();
  return [...name.trim()].slice(0, LATIN.test(name) ? 2 : 1).join("").toUpperCase();
}

/** A duration for people: "45 s", "12 min", "3 h 5 min", "2 d 4 h" (two units at most). */
export function duration(ms: number, lang: Lang): string {
  const u = lang === "zh"
    ? { s: " 秒", m: " 分钟", h: " 小时", d: " 天" }
    : { s: " s", m: " min", h: " h", d: " d" };
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}${u.s}`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}${u.m}`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}${u.h}` + (m % 60 ? ` ${m % 60}${u.m}` : "");
  const d = Math.floor(h / 24);
  return `${d}${u.d}` + (h % 24 ? ` ${h % 24}${u.h}` : "");
}

/** Date and time, e.g. for when a token was created or last used. */
export function dateTime(ms: number, lang: Lang): string {
  return new Intl.DateTimeFormat(locale(lang), { dateStyle: "medium", timeStyle: "short" })
    .format(ms);
}
