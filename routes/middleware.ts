/**
 * Middleware factories: authentication, Origin checks (CSRF), validation,
 * and the helpers handlers share.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { getConnInfo } from "hono/deno";
import { validator } from "hono/validator";
import type { z } from "zod";
import type { Core } from "../lib/runtime.ts";
import { ApiError, notFound } from "../lib/core/errors.ts";
import { isUlid } from "../lib/core/ids.ts";
import { describeIssues } from "../lib/core/schemas.ts";
import { type Auth, authenticate } from "../lib/accounts/sessions.ts";

/** Name of the session cookie. */
export const SESSION_COOKIE = "tocsin_session";

/**
 * How onError (routes/mod.ts) renders a request's errors, when not as the
 * API's JSON: for a webhook sender (`events`: bad input in PagerDuty's
 * shape), or as an HTML page with `title` (links opened from an e-mail).
 * A handler sets it first thing with `c.set("errorStyle", ...)`.
 */
export type ErrorStyle =
  /** `pagerduty`: PagerDuty's own path, where load shedding is its 429 with Retry-After. */
  | { kind: "hook"; events: boolean; pagerduty?: boolean }
  | { kind: "page"; title: string };

export type AppEnv = { Variables: { auth: Auth | null; errorStyle?: ErrorStyle } };

function bearer(c: Context): string | undefined {
  const h = c.req.header("authorization");
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  if (!m) throw new ApiError("unauthorized", "Authorization must be 'Bearer <token>'");
  return m[1];
}

/** Resolves the caller from a bearer token or the session cookie; sets `auth` (or null). */
export function authenticateRequest(deps: Core): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearer(c);
    const auth = await authenticate(deps, {
      bearer: token,
      cookie: token ? undefined : getCookie(c, SESSION_COOKIE),
    });
    if (token && !auth) throw new ApiError("unauthorized", "invalid or revoked token");
    c.set("auth", auth);
    await next();
  };
}

/** 401 unless the request is authenticated. */
export const requireAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.get("auth")) throw new ApiError("unauthorized", "log in first");
  await next();
};

/** 403 unless the caller is an admin. */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const auth = c.get("auth");
  if (!auth) throw new ApiError("unauthorized", "log in first");
  if (auth.user.role !== "admin") throw new ApiError("forbidden", "admins only");
  await next();
};

/** The authenticated caller (for handlers behind requireAuth). */
export function me(c: Context<AppEnv>): Auth {
  const auth = c.get("auth");
  if (!auth) throw new ApiError("unauthorized", "log in first");
  return auth;
}

/** The request's own origin as the browser sees it (scheme from the proxy when trusted). */
export function requestOrigin(deps: Core, c: Context): string {
  const url = new URL(c.req.url);
  if (deps.config.trustProxy) {
    const proto = c.req.header("x-forwarded-proto");
    const host = c.req.header("x-forwarded-host");
    if (proto) url.protocol = proto.split(",")[0].trim() + ":";
    if (host) url.host = host.split(",")[0].trim();
  }
  return url.origin;
}

/** True when `origin` may make cookie-authenticated requests. */
export function originAllowed(deps: Core, c: Context, origin: string): boolean {
  const { publicOrigin, allowedOrigins } = deps.config;
  if (publicOrigin === null && allowedOrigins.length === 0) {
    // A fresh `deno task start`: whatever host the user typed (localhost or 127.0.0.1) is fine.
    return origin === requestOrigin(deps, c);
  }
  return origin === publicOrigin || allowedOrigins.includes(origin);
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF defence: unsafe requests and WebSocket upgrades that a browser could
 * send with the session cookie must come from an allowed Origin. Bearer
 * requests carry no ambient credential and need no Origin.
 */
export function checkOrigin(deps: Core): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const isUpgrade = c.req.header("upgrade")?.toLowerCase() === "websocket";
    if ((!SAFE_METHODS.has(c.req.method) || isUpgrade) && !c.req.header("authorization")) {
      const origin = c.req.header("origin");
      if (origin !== undefined && !originAllowed(deps, c, origin)) {
        throw new ApiError("origin_forbidden", `requests from ${origin} are not allowed`);
      }
      // No Origin: not a browser (browsers send it on every unsafe and WebSocket request),
      // unless Sec-Fetch-Site says it is a cross-site one.
      const site = c.req.header("sec-fetch-site");
      if (origin === undefined && site === "cross-site") {
        throw new ApiError("origin_forbidden", "cross-site request refused");
      }
    }
    await next();
  };
}

/** The client's IP: the socket peer, or the first X-Forwarded-For hop behind a trusted proxy. */
export function clientIp(deps: Core, c: Context): string {
  if (deps.config.trustProxy) {
    const xff = c.req.header("x-forwarded-for");
    if (xff) return xff.split(",")[0].trim();
  }
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * What a route declared about itself, recorded per middleware function so that
 * routes/openapi.ts finds it by walking `app.routes`: the request body or query
 * schema (recorded by `json` and `query`), and the answer (`responds`).
 */
export type RouteDoc =
  | { kind: "json"; schema: z.ZodType }
  | { kind: "query"; schema: z.ZodType }
  | { kind: "response"; schema: z.ZodType; status: number; summary?: string };

const routeDocs = new WeakMap<object, RouteDoc>();

/** What a handler in `app.routes` declared, if it is one of the documenting middlewares. */
export function routeDocOf(handler: object): RouteDoc | undefined {
  return routeDocs.get(handler);
}

function documented<H extends object>(handler: H, doc: RouteDoc): H {
  routeDocs.set(handler, doc);
  return handler;
}

/**
 * Declares a route's successful answer for the OpenAPI document (GET
 * /api/v1/openapi.json); does nothing at run time. Put it before the handler:
 * `app.get("/x", responds(XSchema, "Lists x"), (c) => ...)`.
 */
export function responds(
  schema: z.ZodType,
  summary?: string,
  status = 200,
): MiddlewareHandler<AppEnv> {
  return documented<MiddlewareHandler<AppEnv>>(
    async (_c, next) => await next(),
    { kind: "response", schema, status, summary },
  );
}

/** Validates a JSON body with a zod schema; the handler reads `c.req.valid("json")`. */
export function json<S extends z.ZodType>(schema: S) {
  return documented(validatedJson(schema), { kind: "json", schema });
}

function validatedJson<S extends z.ZodType>(schema: S) {
  return validator("json", async (value, c) => {
    // Hono has parsed bodies labelled as JSON (a malformed one becomes
    // invalid_json in onError); others, e.g. from `curl -d`, are parsed here.
    let body: unknown = value;
    if (!/json/i.test(c.req.header("content-type") ?? "")) {
      try {
        const text = await c.req.text();
        body = text.length ? JSON.parse(text) : undefined;
      } catch {
        throw new ApiError("invalid_json", "the body is not valid JSON");
      }
    }
    const r = schema.safeParse(body);
    if (!r.success) throw new ApiError("invalid_input", describeIssues(r.error));
    return r.data as z.output<S>;
  });
}

/** Validates the query string with a zod schema; the handler reads `c.req.valid("query")`. */
export function query<S extends z.ZodType>(schema: S) {
  return documented(
    validator("query", (_value, c) => {
      const r = schema.safeParse(c.req.query());
      if (!r.success) throw new ApiError("invalid_input", describeIssues(r.error));
      return r.data as z.output<S>;
    }),
    { kind: "query", schema },
  );
}

/** A path id: anything that is not an id is simply not found. */
export function idParam(c: Context, name: string, what: string): string {
  const v = c.req.param(name);
  if (!v || !isUlid(v)) throw notFound(what);
  return v;
}

/**
 * An id from the query string (`?teamId=`): absent or not an id is 400
 * `invalid_input`, so that no outside text of any length becomes a KV key.
 */
export function idQuery(c: Context, name: string): string {
  const v = c.req.query(name);
  if (v === undefined || !isUlid(v)) throw new ApiError("invalid_input", `${name}: must be an id`);
  return v;
}

/** Longest path key that is not an id (e.g. a dead letter's timer id) worth looking up. */
const KEY_PARAM_MAX = 200;

/** A path key that need not be an id: over-long is simply not found (never a KV key error). */
export function keyParam(c: Context, name: string, what: string): string {
  const v = c.req.param(name);
  if (!v || v.length > KEY_PARAM_MAX) throw notFound(what);
  return v;
}
