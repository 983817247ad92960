/**
 * Outbound HTTP: the one client every webhook, robot and SMS provider
 * request goes through, with its SSRF check, and HMAC-SHA256 signing.
 * Long because: the one client; its callers' shapes (a plain send, a fetch for libraries, a
 * signed POST) share the private check and pinned exchange, which must not be exported.
 *
 * The check decides on address bytes, not on how the host was spelt: the
 * host is parsed (IP literal) or resolved once (A and AAAA), every address
 * must be public unicast unless `TOCSIN_OUTBOUND_ALLOW` covers it (or
 * `TOCSIN_ALLOW_PRIVATE_WEBHOOKS` lifts the check), and the request then
 * goes to the checked address itself, so a second lookup cannot answer
 * differently (DNS rebinding). TLS still names the URL's host (SNI and the
 * certificate check). Redirects are not followed.
 *
 * The exchange itself is the runtime's HTTP client (`node:http` and
 * `node:https`), pinned through its `lookup` option: a lookup that answers
 * the checked address and never asks DNS, while `host` and `servername` stay
 * the URL's name. `fetch()` cannot be told which address to connect to for
 * https while it keeps the name for TLS.
 */
import { hmacSha256Hex } from "../core/crypto.ts";
import { ApiError } from "../core/errors.ts";
import {
  type Cidr,
  formatIp,
  inAnyCidr,
  type IpBytes,
  nonPublicReason,
  parseCidr,
  parseIp,
} from "../core/ip.ts";
import * as http from "node:http";
import * as https from "node:https";
import type { LookupFunction } from "node:net";
import { rootCertificates } from "node:tls";
import { log } from "../core/log.ts";

/** Bytes of an answer that are read: callers look at the status and the start of the body only. */
export const OUTBOUND_MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * The one text for every failure to get an answer (refused, reset, timeout,
 * TLS, DNS): a more precise one would tell open ports from closed ones.
 * The details go to the server log.
 */
export const COULD_NOT_DELIVER = "could not deliver";

/** Host names and addresses to IP addresses (as text). */
export type Resolver = (host: string, signal?: AbortSignal) => Promise<string[]>;

/** Where outbound requests may go. `Config` is one. */
export interface OutboundPolicy {
  /** Skip the address check altogether (TOCSIN_ALLOW_PRIVATE_WEBHOOKS). */
  allowPrivateWebhooks: boolean;
  /** Ranges (CIDR) allowed although not public (TOCSIN_OUTBOUND_ALLOW). */
  outboundAllow: readonly string[];
  /** Name resolution; by default Deno.resolveDns, A then AAAA. */
  resolve?: Resolver;
  /** Root certificates (PEM) trusted besides the system's. */
  caCerts?: string[];
}

/** Deno.resolveDns, A and AAAA; a name with no records (or a failing lookup) gives []. */
export const resolveDns: Resolver = async (host, signal) => {
  const [a, aaaa] = await Promise.all([
    Deno.resolveDns(host, "A", { signal }).catch(() => [] as string[]),
    Deno.resolveDns(host, "AAAA", { signal }).catch(() => [] as string[]),
  ]);
  return [...a, ...aaaa];
};

function allowList(policy: OutboundPolicy): Cidr[] {
  return policy.outboundAllow.map((c) => parseCidr(c)).filter((c): c is Cidr => c !== null);
}

/** The URL's host without the brackets of an IPv6 literal. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "");
}

/**
 * The addresses `url` leads to: the literal itself, loopback for
 * `localhost` and `*.localhost` (RFC 6761), else what the resolver says.
 */
async function addressesOf(url: URL, policy: OutboundPolicy, signal?: AbortSignal) {
  const host = hostOf(url);
  const literal = parseIp(host);
  if (literal) return { literal: true, addrs: [literal] };
  const name = host.toLowerCase().replace(/\.$/, "");
  const texts = name === "localhost" || name.endsWith(".localhost")
    ? ["127.0.0.1", "::1"]
    : await (policy.resolve ?? resolveDns)(name, signal);
  const addrs = texts.map(parseIp).filter((a): a is IpBytes => a !== null);
  return { literal: false, addrs };
}

/** Throws 400 if any of `addrs` is not public and no allowed range covers it. */
function refuseNonPublic(addrs: IpBytes[], literal: boolean, policy: OutboundPolicy): void {
  if (policy.allowPrivateWebhooks) return;
  const allow = allowList(policy);
  for (const a of addrs) {
    const reason = nonPublicReason(a);
    if (reason && !inAnyCidr(a, allow)) {
      throw new ApiError(
        "invalid_input",
        `url: ${
          literal ? "the address" : "the host resolves to an address that"
        } is not public (${reason}); an admin can allow ranges with TOCSIN_OUTBOUND_ALLOW`,
      );
    }
  }
}

function parseOutboundUrl(raw: string): URL {
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
  return url;
}

/**
 * Checks an outbound URL when it is saved: http(s) only, no credentials,
 * and every address it leads to public or allowed. A name that does not
 * resolve now is accepted (each request checks again). Throws 400.
 */
export async function checkOutboundUrl(raw: string, policy: OutboundPolicy): Promise<URL> {
  const url = parseOutboundUrl(raw);
  if (policy.allowPrivateWebhooks) return url;
  const { literal, addrs } = await addressesOf(url, policy);
  refuseNonPublic(addrs, literal, policy);
  return url;
}

/** An answer: `status` 0 means none came (`text` is then COULD_NOT_DELIVER). */
export interface OutboundResponse {
  status: number;
  /** The start of the body (at most OUTBOUND_MAX_RESPONSE_BYTES). */
  text: string;
}

/** Headers the HTTP client writes itself; a caller's copies are dropped. */
const OWN_HEADERS = new Set(["host", "content-length", "connection", "transfer-encoding"]);

interface PinnedRequest {
  url: URL;
  /** The checked address, as text: the only one connected to. */
  ip: string;
  method: string;
  headers: Headers;
  body: string | Uint8Array;
  caCerts?: string[];
  /** Ends the exchange (the time-out). */
  signal: AbortSignal;
  maxBytes: number;
}

interface PinnedAnswer {
  status: number;
  body: Uint8Array;
  contentType?: string;
}

/**
 * One HTTP/1.1 exchange with `ip`, the URL's name in `Host`, SNI and the
 * certificate check. Resolves with the status and at most `maxBytes` of the
 * body (the connection is dropped once they are in); rejects on any failure
 * to get an answer, or when `signal` aborts.
 */
function requestPinned(r: PinnedRequest): Promise<PinnedAnswer> {
  const { secure, host, agent, body, options } = pinnedOptions(r);
  return new Promise<PinnedAnswer>((resolve, reject) => {
    const req = secure
      ? https.request({
        ...options,
        // SNI names a host, never an address; an IP literal is checked as one.
        servername: parseIp(host) ? undefined : host,
        // Explicit, so that NODE_TLS_REJECT_UNAUTHORIZED=0 cannot turn the check off.
        rejectUnauthorized: true,
        // `ca` replaces the trusted roots: keep them and add the given ones.
        ca: r.caCerts?.length ? [...rootCertificates, ...r.caCerts] : undefined,
      })
      : http.request(options);
    const onAbort = () => {
      reject(r.signal.reason instanceof Error ? r.signal.reason : new Error("aborted"));
      req.destroy();
    };
    r.signal.addEventListener("abort", onAbort, { once: true });
    const unlisten = () => r.signal.removeEventListener("abort", onAbort);
    req.on("error", (e) => {
      unlisten();
      reject(e);
    });
    req.on("response", (res: http.IncomingMessage) => {
      const chunks: Uint8Array[] = [];
      let len = 0;
      const done = () => {
        unlisten();
        const out = new Uint8Array(Math.min(len, r.maxBytes));
        let o = 0;
        for (const c of chunks) {
          const part = c.subarray(0, out.length - o);
          out.set(part, o);
          o += part.length;
        }
        resolve({
          status: res.statusCode ?? 0,
          body: out,
          contentType: res.headers["content-type"],
        });
        // The rest is not read: drop the connection.
        req.destroy();
      };
      res.on("data", (chunk: Uint8Array) => {
        if (len >= r.maxBytes) return;
        chunks.push(chunk);
        len += chunk.length;
        if (len >= r.maxBytes) done();
      });
      res.on("end", done);
      // A body cut short or malformed is no answer (a settled promise ignores these).
      res.on("error", (e) => {
        unlisten();
        reject(e);
      });
      res.on("close", () => {
        unlisten();
        reject(new Error("the answer was cut short"));
      });
    });
    if (r.signal.aborted) return onAbort();
    req.end(body);
  }).finally(() => agent.destroy());
}

/**
 * The node:http(s) options of one pinned exchange: a lookup that answers only the checked
 * address, a fresh agent, and the caller's headers without the ones the exchange sets itself.
 */
function pinnedOptions(r: PinnedRequest) {
  const secure = r.url.protocol === "https:";
  const host = hostOf(r.url);
  const family = r.ip.includes(":") ? 6 : 4;
  // Never asks DNS: whatever name it is given, the answer is the checked address.
  const lookup: LookupFunction = (_name, opts, cb) =>
    opts?.all ? cb(null, [{ address: r.ip, family }]) : cb(null, r.ip, family);
  // A fresh agent per request, without keep-alive: no connection to one checked
  // address can carry a request meant for another. `proxyEnv: {}` keeps
  // NODE_USE_ENV_PROXY and HTTPS_PROXY out: a proxy would resolve the name again.
  const agentOptions = { keepAlive: false, proxyEnv: {} };
  const agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  const body = typeof r.body === "string" ? new TextEncoder().encode(r.body) : r.body;
  const headers: Record<string, string> = Object.create(null);
  for (const [k, v] of r.headers) if (!OWN_HEADERS.has(k)) headers[k] = v;
  headers["host"] = r.url.host;
  headers["content-length"] = String(body.length);
  const options = {
    host,
    port: Number(r.url.port || (secure ? 443 : 80)),
    method: r.method,
    path: r.url.pathname + r.url.search,
    headers,
    agent,
    lookup,
  };
  return { secure, host, agent, body, options };
}

/**
 * Sends one request through the SSRF check: resolves the host once, throws
 * a 400 ApiError if an address is not allowed, else connects to the first
 * address (TLS for https, naming the URL's host) and speaks HTTP/1.1.
 * Any failure to get an answer within `timeoutMs` is status 0 with the one
 * generic text; its cause is logged.
 */
export async function sendOutbound(
  raw: string,
  init: { method?: string; headers: HeadersInit; body: string | Uint8Array; timeoutMs: number },
  policy: OutboundPolicy,
): Promise<OutboundResponse> {
  const url = parseOutboundUrl(raw);
  let headers: Headers;
  try {
    headers = new Headers(init.headers);
  } catch (e) {
    throw new ApiError("invalid_input", `headers: ${(e as Error).message}`);
  }
  const deadline = AbortSignal.timeout(init.timeoutMs);
  const { literal, addrs } = await addressesOf(url, policy, deadline);
  refuseNonPublic(addrs, literal, policy);
  const fail = (cause: string): OutboundResponse => {
    // The origin only: a webhook's path or query is often its secret (Slack, a dead-man's switch).
    log.error(`outbound: ${init.method ?? "POST"} ${url.origin}: ${cause}`);
    return { status: 0, text: COULD_NOT_DELIVER };
  };
  if (addrs.length === 0) return fail("the host name does not resolve");
  const ip = formatIp(addrs[0]);
  try {
    const res = await requestPinned({
      url,
      ip,
      method: init.method ?? "POST",
      headers,
      body: init.body,
      caCerts: policy.caCerts,
      signal: deadline,
      maxBytes: OUTBOUND_MAX_RESPONSE_BYTES,
    });
    return { status: res.status, text: new TextDecoder().decode(res.body) };
  } catch (e) {
    const cause = deadline.aborted
      ? `no answer within ${init.timeoutMs} ms`
      : e instanceof Error
      ? e.message
      : String(e);
    return fail(`${ip} port ${url.port || (url.protocol === "https:" ? 443 : 80)}: ${cause}`);
  }
}

/**
 * A `fetch` for libraries that take one (the OpenID Connect client): each
 * request goes through the same SSRF check and pinned exchange as
 * sendOutbound, and the answer is a Response with its status, content type
 * and the start of its body. A refused address throws the 400 ApiError; no
 * answer within `timeoutMs` rejects with a generic error (the cause is logged).
 */
export function outboundFetch(
  policy: OutboundPolicy,
  timeoutMs: number,
): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const req = new Request(input, init);
    const url = parseOutboundUrl(req.url);
    const deadline = AbortSignal.timeout(timeoutMs);
    const { literal, addrs } = await addressesOf(url, policy, deadline);
    refuseNonPublic(addrs, literal, policy);
    if (addrs.length === 0) throw new Error(COULD_NOT_DELIVER);
    const ip = formatIp(addrs[0]);
    try {
      const res = await requestPinned({
        url,
        ip,
        method: req.method,
        headers: req.headers,
        body: new Uint8Array(await req.arrayBuffer()),
        caCerts: policy.caCerts,
        signal: deadline,
        maxBytes: OUTBOUND_MAX_RESPONSE_BYTES,
      });
      const headers = new Headers();
      if (res.contentType) headers.set("content-type", res.contentType);
      const empty = res.status === 204 || res.status === 304;
      return new Response(empty ? null : res.body as Uint8Array<ArrayBuffer>, {
        status: res.status,
        headers,
      });
    } catch (e) {
      log.error(`outbound: ${req.method} ${url.origin}: ${(e as Error).message}`);
      throw new Error(COULD_NOT_DELIVER);
    }
  };
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
 * a permanent failure, no answer (COULD_NOT_DELIVER), 429 or 5xx a
 * transient one.
 */
export async function postSigned(
  url: string,
  secret: string,
  body: string,
  opts: {
    now: number;
    deliveryId?: string;
    timeoutMs: number;
    policy: OutboundPolicy;
    /** More headers (a content type of its own, an event name); the signature's are kept. */
    headers?: Record<string, string>;
  },
): Promise<SignedPostResult> {
  const ts = String(Math.floor(opts.now / 1000));
  const headers: Record<string, string> = {
    "content-type": "application/json",
    ...opts.headers,
    "user-agent": "Tocsin",
    "x-tocsin-timestamp": ts,
    "x-tocsin-signature": "sha256=" + await hmacSha256Hex(secret, `${ts}.${body}`),
  };
  if (opts.deliveryId) headers["x-tocsin-delivery"] = opts.deliveryId;
  let res: OutboundResponse;
  try {
    res = await sendOutbound(url, { headers, body, timeoutMs: opts.timeoutMs }, opts.policy);
  } catch (e) {
    return { ok: false, status: 0, transient: false, detail: (e as Error).message };
  }
  if (res.status === 0) return { ok: false, status: 0, transient: true, detail: res.text };
  const ok = res.status >= 200 && res.status < 300;
  return {
    ok,
    status: res.status,
    transient: !ok && (res.status === 429 || res.status >= 500),
    detail: String(res.status),
  };
}
