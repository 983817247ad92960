/**
 * The OpenAPI 3.1 document of the HTTP API (GET /api/v1/openapi.json), built
 * from the router itself: every route in `app.routes`, its path parameters,
 * the zod schemas its `json` and `query` validators check (routes/middleware.ts
 * records them), and the answer a route declared with `responds`. A route added
 * anywhere appears without further work; declaring its answer adds the schema.
 */
import type { Hono } from "hono";
import { z } from "zod";
import { ERROR_STATUS } from "../lib/core/errors.ts";
import { type AppEnv, requireAdmin, requireAuth, routeDocOf } from "./middleware.ts";

type Json = Record<string, unknown>;

const METHODS = new Set(["get", "put", "post", "delete", "patch", "head", "options"]);

/** The error body of every failure (lib/core/errors.ts). */
const ErrorBodySchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_STATUS) as [string, ...string[]]),
    message: z.string(),
  }),
});

/** Hono's `/a/:id{[0-9]+}/*` as OpenAPI's `/a/{id}/{path}`, and the parameter names. */
export function openApiPath(path: string): { path: string; params: string[] } {
  const params: string[] = [];
  const out = path.split("/").map((seg) => {
    const m = /^:([A-Za-z0-9_]+)(\{.*\})?\??$/.exec(seg);
    if (m) {
      params.push(m[1]);
      return `{${m[1]}}`;
    }
    if (seg === "*") {
      params.push("path");
      return "{path}";
    }
    return seg;
  }).join("/");
  return { path: out || "/", params };
}

/** A path pattern of `app.use` (`/api/*`, `/api/v1/alerts/*`) covers `path`. */
function covers(pattern: string, path: string): boolean {
  if (pattern === "*" || pattern === "/*") return true;
  if (!pattern.endsWith("/*")) return pattern === path;
  return path.startsWith(pattern.slice(0, -1)) || path === pattern.slice(0, -2);
}

/** A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect); `$defs` moved into `defs`. */
function jsonSchema(schema: z.ZodType, io: "input" | "output", defs: Json, prefix: string): Json {
  let out: Json;
  try {
    out = z.toJSONSchema(schema, {
      io,
      target: "draft-2020-12",
      unrepresentable: "any",
    }) as Json;
  } catch {
    // A schema with a cycle zod cannot express: any JSON is the honest answer.
    return {};
  }
  delete out.$schema;
  const local = out.$defs as Json | undefined;
  delete out.$defs;
  if (!local) return out;
  const names = new Map<string, string>();
  for (const name of Object.keys(local)) {
    names.set(name, `${prefix}_${name}`.replace(/[^A-Za-z0-9._-]/g, "_"));
  }
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (v && typeof v === "object") {
      const o: Json = {};
      for (const [k, x] of Object.entries(v)) {
        if (k === "$ref" && typeof x === "string" && x.startsWith("#/$defs/")) {
          o[k] = `#/components/schemas/${names.get(x.slice(8)) ?? x.slice(8)}`;
        } else o[k] = rewrite(x);
      }
      return o;
    }
    return v;
  };
  for (const [name, def] of Object.entries(local)) defs[names.get(name)!] = rewrite(def);
  return rewrite(out) as Json;
}

function operationName(method: string, path: string): string {
  return method + path.replace(/[{}]/g, "").split(/[^A-Za-z0-9]+/).filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1)).join("");
}

/** The tag of a path: the resource after /api/v1, else "pages" or the first segment. */
function tagOf(path: string): string {
  const m = /^\/api\/v1\/([^/]+)/.exec(path);
  if (m) return m[1].replace(/[{}]/g, "");
  const first = path.split("/")[1] ?? "";
  if (first === "hooks" || first === "ack") return first;
  if (first === "healthz" || first === "readyz") return "operations";
  return "pages";
}

/** One method and path of the router: what its handlers declared, and every handler it passes. */
interface RouteInfo {
  docs: ReturnType<typeof routeDocOf>[];
  guards: Set<unknown>;
}

/** The router's routes by `method path`, with the `app.use` middleware that covers each. */
function collectRoutes(app: Hono<AppEnv>): Map<string, RouteInfo> {
  const guards = app.routes.filter((r) => r.method === "ALL");
  const seen = new Map<string, RouteInfo>();
  for (const r of app.routes) {
    const method = r.method.toLowerCase();
    if (!METHODS.has(method)) continue;
    const key = `${method} ${r.path}`;
    let s = seen.get(key);
    if (!s) {
      s = { docs: [], guards: new Set() };
      for (const g of guards) if (covers(g.path, r.path)) s.guards.add(g.handler);
      seen.set(key, s);
    }
    s.docs.push(routeDocOf(r.handler));
    s.guards.add(r.handler);
  }
  return seen;
}

/** The operation object of one route. */
function operation(id: string, path: string, params: string[], s: RouteInfo, defs: Json): Json {
  const op: Json = { operationId: id, tags: [tagOf(path)] };
  const parameters: Json[] = params.map((name) => ({
    name,
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  const responses: Json = {};
  let summary: string | undefined;
  for (const d of s.docs) {
    if (!d) continue;
    if (d.kind === "json") {
      op.requestBody = {
        required: true,
        content: { "application/json": { schema: jsonSchema(d.schema, "input", defs, id) } },
      };
    } else if (d.kind === "query") {
      const q = jsonSchema(d.schema, "input", defs, id);
      const props = (q.properties ?? {}) as Json;
      const required = new Set((q.required ?? []) as string[]);
      for (const [name, schema] of Object.entries(props)) {
        parameters.push({ name, in: "query", required: required.has(name), schema });
      }
    } else if (d.kind === "response") {
      summary ??= d.summary;
      responses[String(d.status)] = {
        description: d.summary ?? "OK",
        content: { "application/json": { schema: jsonSchema(d.schema, "output", defs, id) } },
      };
    }
  }
  if (Object.keys(responses).length === 0) {
    responses["200"] = {
      description: tagOf(path) === "pages" ? "An HTML page" : "OK (schema not declared)",
    };
  }
  responses["default"] = {
    description: "An error",
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  };
  if (summary) op.summary = summary;
  if (s.guards.has(requireAdmin)) op.description = "Admins only.";
  if (s.guards.has(requireAuth) || s.guards.has(requireAdmin)) {
    op.security = [{ bearer: [] }, { session: [] }];
  }
  if (parameters.length) op.parameters = parameters;
  op.responses = responses;
  return op;
}

/** Builds the document from the app's routes. */
export function buildOpenApi(app: Hono<AppEnv>, info: { title: string; version: string }): Json {
  const defs: Json = { Error: jsonSchema(ErrorBodySchema, "output", {}, "Error") };
  const paths: Record<string, Record<string, Json>> = Object.create(null);
  const ids = new Set<string>();
  for (const [key, s] of collectRoutes(app)) {
    const [method, honoPath] = key.split(" ");
    const { path, params } = openApiPath(honoPath);
    let id = operationName(method, path);
    for (let n = 2; ids.has(id); n++) id = operationName(method, path) + n;
    ids.add(id);
    (paths[path] ??= {})[method] = operation(id, path, params, s, defs);
  }
  return {
    openapi: "3.1.0",
    info: {
      ...info,
      description: "Tocsin's HTTP API. Errors are `{error: {code, message}}` with a stable code.",
    },
    servers: [{ url: "/" }],
    paths,
    components: {
      schemas: defs,
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "An API token (tocsin_...)" },
        session: { type: "apiKey", in: "cookie", name: "tocsin_session" },
      },
    },
  };
}

/** Serves the document at GET /api/v1/openapi.json, built once, from the whole router. */
export function serveOpenApi(app: Hono<AppEnv>): void {
  let doc: Json | null = null;
  app.get("/api/v1/openapi.json", (c) => {
    doc ??= buildOpenApi(app, { title: "Tocsin", version: "1" });
    return c.json(doc);
  });
}
