/**
 * Where to go after logging in. Pure code, shared by the login page on the
 * server and the login form in the browser, so that both decide alike.
 */

/**
 * A stand-in origin to resolve against: only "same origin or not" matters, and a path that stays
 * on this origin stays on any other one too.
 */
const BASE = "https://tocsin.invalid";
/** Longer `next` values are not worth the risk: no page of ours has such a path. */
const NEXT_MAX = 2_048;

/**
 * `next` as a local path (with its query and fragment) when the browser would stay on this
 * origin, else "/". The URL parser decides, as the browser would: it turns `\` into `/` and drops
 * tabs and newlines, so `/\evil`, `/\t/evil` and `//evil` all name another host, and
 * `javascript:` has no origin at all.
 */
export function safeNext(next: string | null | undefined): string {
  if (typeof next !== "string" || next.length > NEXT_MAX || !next.startsWith("/")) return "/";
  let url: URL;
  try {
    url = new URL(next, BASE);
  } catch {
    return "/";
  }
  if (url.origin !== BASE) return "/";
  const path = url.pathname + url.search + url.hash;
  // "/.//evil" parses to the path "//evil", which a browser reads as another host.
  if (!path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")) return "/";
  return new URL(path, BASE).origin === BASE ? path : "/";
}
