/**
 * Outbound HTTP for webhooks: a URL check against SSRF (no loopback,
 * private or link-local targets unless allowed) and HMAC-SHA256 signing.
 */
import { hmacSha256Hex } from "../core/crypto.ts";
import { ApiError } from "../core/errors.ts";

function ipv4Private(ip: string): boolean {
  const p = ip.split(".").map(Number);
  if (p.length !== 4 || p.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) return false;
  return p[0] === 10 || p[0] === 127 || p[0] === 0 || (p[0] === 169 && p[1] === 254) ||
    (p[0] === 172 && p[1] >= 16 && p[1] <= 31) || (p[0] === 192 && p[1] === 168) ||
    (p[0] === 100 && p[1] >= 64 && p[1] <= 127) || p[0] >= 224;
}

function ipv6Private(ip: string): boolean {
  const v = ip.toLowerCase().replace(/^\[|\]$/g, "");
  if (v === "::1" || v === "::") return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v);
  if (mapped) return ipv4Private(mapped[1]);
  return /^(fc|fd|fe8|fe9|fea|feb|ff)/.test(v);
}

/** True for addresses a webhook must not reach unless allowed. */
export function isPrivateAddress(ip: string): boolean {
  return ip.includes(":") ? ipv6Private(ip) : ipv4Private(ip);
}

/**
 * Checks an outbound URL: http(s) only, and unless `allowPrivate`, neither
 * the host nor any address it resolves to may be loopback, private or
 * link-local. Throws 400 for URLs that can never be used.
 */
export async function checkOutboundUrl(raw: string, allowPrivate: boolean): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ApiError("invalid_input", "url: not a valid URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ApiError("invalid_input", "url: http or https only");
  }
  if (url.username || url.password) {
    throw new ApiError("invalid_input", "url: no credentials in URLs");
  }
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost" || host.endsWith(".localhost") || isPrivateAddress(host)) {
    throw new ApiError("invalid_input", "url: private and loopback addresses are not allowed");
  }
  if (!/^[\d.]+$/.test(host) && !host.includes(":")) {
    const addrs = [
      ...(await Deno.resolveDns(host, "A").catch(() => [] as string[])),
      ...(await Deno.resolveDns(host, "AAAA").catch(() => [] as string[])),
    ];
    if (addrs.some(isPrivateAddress)) {
      throw new ApiError("invalid_input", "url: the host resolves to a private address");
    }
  }
  return url;
}

/** What one signed POST did: `transient` failures are worth retrying. */
export interface SignedPostResult {
  ok: boolean;
  /** HTTP status, or 0 when no answer came. */
  status: number;
  transient: boolean;
  detail: string;
}

/**
 * POSTs a JSON body signed the Tocsin way: `X-Tocsin-Timestamp`,
 * `X-Tocsin-Signature: sha256=<hex HMAC of "timestamp.body">` and, when
 * given, `X-Tocsin-Delivery` (the same for every attempt of one delivery,
 * so receivers can de-duplicate). Never throws: a URL the check refuses is
 * a permanent failure, a network error or timeout, 429 or 5xx a transient
 * one.
 */
export async function postSigned(
  url: string,
  secret: string,
  body: string,
  opts: { now: number; deliveryId?: string; timeoutMs: number; allowPrivate: boolean },
): Promise<SignedPostResult> {
  const ts = String(Math.floor(opts.now / 1000));
  try {
    await checkOutboundUrl(url, opts.allowPrivate);
  } catch (e) {
    return { ok: false, status: 0, transient: false, detail: (e as Error).message };
  }
  try {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": "Tocsin",
      "x-tocsin-timestamp": ts,
      "x-tocsin-signature": "sha256=" + await hmacSha256Hex(secret, `${ts}.${body}`),
    };
    if (opts.deliveryId) headers["x-tocsin-delivery"] = opts.deliveryId;
    const res = await fetch(url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    await res.body?.cancel();
    const ok = res.status >= 200 && res.status < 300;
    return {
      ok,
      status: res.status,
      transient: !ok && (res.status === 429 || res.status >= 500),
      detail: String(res.status),
    };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { ok: false, status: 0, transient: true, detail: msg.slice(0, 200) };
  }
}
