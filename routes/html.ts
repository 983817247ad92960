/**
 * Plain server-rendered pages for links opened outside the app (an
 * acknowledge link from an e-mail): no scripts, no referrer, no caching.
 */
import type { Context } from "hono";
import { PAGE_CSP } from "./page_shell.tsx";

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A minimal page: `title` is text, `body` is markup the caller has escaped. */
export function htmlPage(c: Context, title: string, body: string, status = 200): Response {
  c.header("content-security-policy", PAGE_CSP);
  c.header("cache-control", "no-store");
  c.header("referrer-policy", "no-referrer");
  return c.html(
    `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
      `<title>${escapeHtml(title)}</title></head><body><main><h1>${
        escapeHtml(title)
      }</h1>${body}</main></body></html>`,
    status as 200,
  );
}
