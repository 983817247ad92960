/**
 * Files: uploads in chunks, the commit that posts them, and downloads for members.
 * lib/files/uploads.ts explains why an upload takes three steps.
 */
import { Hono } from "hono";
import type { Core } from "../../lib/runtime.ts";
import { ApiError } from "../../lib/core/errors.ts";
import {
  CHUNK_BYTES,
  CommitUploadInputSchema,
  isInlineType,
  StartUploadInputSchema,
} from "../../lib/files/model.ts";
import { cancelUpload, commitUpload, putChunk, startUpload } from "../../lib/files/uploads.ts";
import { fileStream, getFileForMember } from "../../lib/files/files.ts";
import { type AppEnv, idParam, json, me, requireAuth } from "../middleware.ts";

/** `Content-Disposition` with an ASCII fallback name and the exact name in RFC 5987 form. */
export function contentDisposition(kind: "inline" | "attachment", name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function fileRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  // Mounted at /api/v1 beside public routes: only its own paths need a login.
  for (const p of ["/conversations/*", "/uploads/*", "/files/*"]) app.use(p, requireAuth);

  app.post("/conversations/:id/uploads", json(StartUploadInputSchema), async (c) => {
    const id = idParam(c, "id", "conversation");
    const upload = await startUpload(deps, me(c).user, id, c.req.valid("json"));
    return c.json({ upload, chunkBytes: CHUNK_BYTES }, 201);
  });

  app.put("/uploads/:id/chunks/:n", async (c) => {
    const id = idParam(c, "id", "upload");
    const n = Number(c.req.param("n"));
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength > CHUNK_BYTES) {
      throw new ApiError("payload_too_large", `a chunk has at most ${CHUNK_BYTES} bytes`);
    }
    await putChunk(deps, me(c).user.id, id, n, bytes);
    return c.body(null, 204);
  });

  app.post("/uploads/:id/commit", json(CommitUploadInputSchema), async (c) => {
    const id = idParam(c, "id", "upload");
    const r = await commitUpload(deps, me(c).user, id, c.req.valid("json"));
    return c.json({ message: r.message }, r.created ? 201 : 200);
  });

  app.delete("/uploads/:id", async (c) => {
    await cancelUpload(deps, me(c).user.id, idParam(c, "id", "upload"));
    return c.body(null, 204);
  });

  app.get("/files/:id", async (c) => {
    const file = await getFileForMember(deps, me(c).user.id, idParam(c, "id", "file"));
    const inline = isInlineType(file.type) && c.req.query("download") === undefined;
    return new Response(fileStream(deps.kv, file), {
      headers: {
        "content-type": file.type,
        "content-length": String(file.size),
        "content-disposition": contentDisposition(inline ? "inline" : "attachment", file.name),
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
        "cross-origin-resource-policy": "same-origin",
        "cache-control": "private, no-store",
      },
    });
  });

  return app;
}
