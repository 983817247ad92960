import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { Validator } from "@seriousme/openapi-schema-validator";
import { z } from "zod";
import { testConfig } from "../lib/core/config.ts";
import { createCore } from "../lib/runtime.ts";
import { createApp } from "../routes/mod.ts";
import { json, query } from "../routes/middleware.ts";
import { openApiPath } from "../routes/openapi.ts";

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Record<string, unknown>>>;
};

async function withApp(fn: (app: ReturnType<typeof createApp>) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  try {
    await fn(createApp(createCore(kv, testConfig({}))));
  } finally {
    kv.close();
  }
}

async function documentOf(app: ReturnType<typeof createApp>): Promise<Doc> {
  const res = await app.request("/api/v1/openapi.json");
  assertEquals(res.status, 200);
  return await res.json();
}

Deno.test("openapi - the document validates as OpenAPI 3.1", async () => {
  await withApp(async (app) => {
    const doc = await documentOf(app);
    assertEquals(doc.openapi, "3.1.0");
    const v = new Validator();
    const r = await v.validate(doc as unknown as Parameters<Validator["validate"]>[0]);
    assert(r.valid, String(JSON.stringify(r.errors)).slice(0, 2_000));
    assertEquals(v.version, "3.1");
  });
});

Deno.test("openapi - every route of the Hono router is in the document", async () => {
  await withApp(async (app) => {
    const doc = await documentOf(app);
    const missing: string[] = [];
    for (const r of app.routes) {
      if (r.method === "ALL") continue; // middleware (app.use) and method fallbacks
      const { path } = openApiPath(r.path);
      if (!doc.paths[path]?.[r.method.toLowerCase()]) missing.push(`${r.method} ${r.path}`);
    }
    assertEquals(missing, []);
    assert(Object.keys(doc.paths).length > 50);
  });
});

Deno.test("openapi - request bodies and queries come from the routes' zod schemas", async () => {
  await withApp(async (app) => {
    const doc = await documentOf(app);
    // POST /api/v1/alerts/{id}/assign validates AssignInputSchema (lib/alerts/actions.ts).
    const assign = doc.paths["/api/v1/alerts/{id}/assign"].post as {
      requestBody: { content: { "application/json": { schema: { properties: object } } } };
      parameters: { name: string; in: string }[];
    };
    const props = assign.requestBody.content["application/json"].schema.properties;
    assert(Object.hasOwn(props, "userId") && Object.hasOwn(props, "dueAt"));
    assertEquals(assign.parameters, [{
      name: "id",
      in: "path",
      required: true,
      schema: { type: "string" },
    }]);
  });
});

Deno.test("openapi - a route added later appears with its schemas, without declaring anything", async () => {
  await withApp(async (app) => {
    app.post(
      "/api/v1/probe-new/:thing",
      query(z.object({ verbose: z.enum(["1", "0"]).optional() })),
      json(z.strictObject({ label: z.string().max(10) })),
      (c) => c.json({}),
    );
    const doc = await documentOf(app);
    const op = doc.paths["/api/v1/probe-new/{thing}"]?.post as {
      requestBody: { content: { "application/json": { schema: { properties: object } } } };
      parameters: { name: string; in: string }[];
    };
    assert(op, "the new route is in the document");
    assert(Object.hasOwn(op.requestBody.content["application/json"].schema.properties, "label"));
    assertEquals(op.parameters.map((p) => `${p.in}:${p.name}`), ["path:thing", "query:verbose"]);
  });
});
