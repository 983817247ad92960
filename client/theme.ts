/**
 * Light, dark or the system's colour scheme. The choice is kept in a cookie,
 * which the server reads to put `data-theme` on <html> before the first paint
 * (the page CSP allows no inline script that could do it), and in
 * localStorage, which restores the cookie if it was cleared. "system" sets
 * no attribute: the stylesheet's prefers-color-scheme query decides.
 */
export type Theme = "light" | "dark" | "system";

export const THEME_COOKIE = "tocsin_theme";
const STORAGE_KEY = "tocsin.theme";
/** A year: the choice is a preference, not a secret. */
const COOKIE_MAX_AGE_S = 365 * 24 * 3600;

/** The theme a cookie value names; anything else is "system". */
export function parseTheme(value: string | null | undefined): Theme {
  return value === "light" || value === "dark" ? value : "system";
}

/** The theme in effect on this page (browser only). */
export function currentTheme(): Theme {
  return parseTheme(document.documentElement.dataset.theme);
}

/** Applies a theme now and remembers it in this browser (browser only). */
export function setTheme(theme: Theme): void {
  const root = document.documentElement;
  if (theme === "system") delete root.dataset.theme;
  else root.dataset.theme = theme;
  document.cookie = `${THEME_COOKIE}=${theme}; path=/; max-age=${COOKIE_MAX_AGE_S}; samesite=lax`;
  try {
    localStorage.setItem(STORAGE_KEY, theme);
  } catch {
    // storage blocked
  }
}

/** At boot: a choice saved here whose cookie is gone (cleared, expired) is applied again. */
export function restoreTheme(): void {
  let saved: Theme | null = null;
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    saved = v === null ? null : parseTheme(v);
  } catch {
    return;
  }
  if (saved && saved !== currentTheme() && !document.cookie.includes(THEME_COOKIE + "=")) {
    setTheme(saved);
  }
}
