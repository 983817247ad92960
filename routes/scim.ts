/**
 * SCIM 2.0 provisioning (RFC 7643/7644, the subset identity providers push):
 * /scim/v2/Users and /scim/v2/Groups (teams), with the discovery endpoints.
 * Authenticated only by an admin-created SCIM token (lib/accounts/scim_tokens.ts);
 * every error is answered in SCIM's own shape.
 */
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Core } from "../lib/runtime.ts";
import { log } from "../lib/core/log.ts";
import { authenticateScim } from "../lib/accounts/scim_tokens.ts";
import {
  listResponse,
  paging,
  parseEqFilter,
  parsePatch,
  SCIM_CONTENT_TYPE,
  ScimError,
} from "../lib/accounts/scim_schema.ts";
import {
  getScimUser,
  readUserPatch,
  readUserResource,
  scimCreateUser,
  scimListUsers,
  scimUpdateUser,
  userResource,
} from "../lib/accounts/scim_users.ts";
import {
  getScimGroup,
  groupResource,
  scimCreateGroup,
  scimDeleteGroup,
  scimListGroups,
  scimPatchGroup,
  scimReplaceGroup,
} from "../lib/accounts/scim_groups.ts";
import { discovery } from "./scim_discovery.ts";
import { clientIp, requestOrigin } from "./middleware.ts";
import { withRequestMeta } from "../lib/audit/context.ts";

function scimJson(c: Context, body: unknown, status = 200) {
  return c.body(JSON.stringify(body), status as 200, { "content-type": SCIM_CONTENT_TYPE });
}

async function readBody(c: Context): Promise<unknown> {
  try {
    const text = await c.req.text();
    return text ? JSON.parse(text) : null;
  } catch {
    throw new ScimError(400, "the body is not valid JSON", "invalidSyntax");
  }
}

/** Long because: the one table of the SCIM routes, each handler inline after its path. */
export function scimRoutes(deps: Core) {
  const app = new Hono();
  const base = (c: Context) => `${deps.config.publicOrigin ?? requestOrigin(deps, c)}/scim/v2`;

  app.onError((err, c) => {
    const e = err instanceof ScimError ? err : new ScimError(500, "internal error");
    if (!(err instanceof ScimError)) log.error(`SCIM ${c.req.method} ${c.req.path} failed:`, err);
    return scimJson(c, e.toJSON(), e.status);
  });

  app.use(
    "*",
    bodyLimit({
      maxSize: deps.config.maxBodyBytes,
      onError: () => {
        throw new ScimError(413, `request body over ${deps.config.maxBodyBytes} bytes`);
      },
    }),
  );
  app.use("*", async (c, next) => {
    const m = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
    const token = m ? await authenticateScim(deps, m[1]) : null;
    if (!token) {
      c.header("www-authenticate", 'Bearer realm="scim"');
      throw new ScimError(401, "a SCIM bearer token is required");
    }
    // The token is the actor of the audit entries this request's changes write.
    await withRequestMeta({
      ip: clientIp(deps, c),
      userAgent: c.req.header("user-agent") ?? "",
      actor: { id: `scim:${token.id}`, name: `SCIM: ${token.name}` },
    }, next);
  });

  app.get("/ServiceProviderConfig", (c) => scimJson(c, discovery(base(c)).serviceProviderConfig));
  app.get("/ResourceTypes", (c) => {
    const all = discovery(base(c)).resourceTypes;
    return scimJson(c, listResponse(all, 1, all.length));
  });
  app.get("/ResourceTypes/:name", (c) => {
    const t = discovery(base(c)).resourceTypes.find((r) => r.id === c.req.param("name"));
    if (!t) throw new ScimError(404, "no such resource type");
    return scimJson(c, t);
  });
  app.get("/Schemas", (c) => {
    const all = discovery(base(c)).schemas;
    return scimJson(c, listResponse(all, 1, all.length));
  });
  app.get("/Schemas/:id", (c) => {
    const s = discovery(base(c)).schemas.find((r) => r.id === c.req.param("id"));
    if (!s) throw new ScimError(404, "no such schema");
    return scimJson(c, s);
  });

  // Users
  app.get("/Users", async (c) => {
    const q = c.req.query();
    const filter = q.filter ? parseEqFilter(q.filter) : null;
    const { start, count } = paging(q, deps.config.scimMaxResults);
    const all = (await scimListUsers(deps, filter)).map((u) =>
      userResource(u.user, u.meta, base(c))
    );
    return scimJson(c, listResponse(all, start, count));
  });
  app.get("/Users/:id", async (c) => {
    const { user, meta } = await getScimUser(deps.kv, c.req.param("id"));
    return scimJson(c, userResource(user, meta, base(c)));
  });
  app.post("/Users", async (c) => {
    const { user, meta } = await scimCreateUser(deps, readUserResource(await readBody(c)));
    return scimJson(c, userResource(user, meta, base(c)), 201);
  });
  app.put("/Users/:id", async (c) => {
    const change = readUserResource(await readBody(c));
    const { user, meta } = await scimUpdateUser(deps, c.req.param("id"), change);
    return scimJson(c, userResource(user, meta, base(c)));
  });
  app.patch("/Users/:id", async (c) => {
    const change = readUserPatch(parsePatch(await readBody(c)));
    const { user, meta } = await scimUpdateUser(deps, c.req.param("id"), change);
    return scimJson(c, userResource(user, meta, base(c)));
  });
  app.delete("/Users/:id", async (c) => {
    await scimUpdateUser(deps, c.req.param("id"), { active: false }, { deleted: true });
    return c.body(null, 204);
  });

  // Groups (teams)
  app.get("/Groups", async (c) => {
    const q = c.req.query();
    const filter = q.filter ? parseEqFilter(q.filter) : null;
    const { start, count } = paging(q, deps.config.scimMaxResults);
    const withMembers = !/\bmembers\b/i.test(q.excludedAttributes ?? "");
    const all = await scimListGroups(deps, filter);
    const page = [];
    for (const t of all.slice(start - 1, start - 1 + count)) {
      page.push(await groupResource(deps, t, base(c), withMembers));
    }
    return scimJson(c, {
      ...listResponse(page, 1, count),
      totalResults: all.length,
      startIndex: start,
    });
  });
  app.get("/Groups/:id", async (c) => {
    const withMembers = !/\bmembers\b/i.test(c.req.query("excludedAttributes") ?? "");
    const team = await getScimGroup(deps.kv, c.req.param("id"));
    return scimJson(c, await groupResource(deps, team, base(c), withMembers));
  });
  app.post("/Groups", async (c) => {
    const team = await scimCreateGroup(deps, await readBody(c));
    return scimJson(c, await groupResource(deps, team, base(c)), 201);
  });
  app.put("/Groups/:id", async (c) => {
    const team = await scimReplaceGroup(deps, c.req.param("id"), await readBody(c));
    return scimJson(c, await groupResource(deps, team, base(c)));
  });
  app.patch("/Groups/:id", async (c) => {
    const team = await scimPatchGroup(deps, c.req.param("id"), parsePatch(await readBody(c)));
    return scimJson(c, await groupResource(deps, team, base(c)));
  });
  app.delete("/Groups/:id", async (c) => {
    await scimDeleteGroup(deps, c.req.param("id"));
    return c.body(null, 204);
  });

  app.all("*", () => {
    throw new ScimError(404, "no such SCIM endpoint");
  });

  return app;
}
