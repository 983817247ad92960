/** Test helpers for file uploads over HTTP. */
import assert from "node:assert/strict";
import { CHUNK_BYTES } from "../lib/files/model.ts";
import type { Client } from "./_helpers.ts";

/** Uploads `bytes` as a file and, unless `commit` is false, posts it. */
export async function upload(
  client: Client,
  conv: string,
  bytes: Uint8Array,
  opts: { name?: string; type?: string; commit?: boolean; clientId?: string } = {},
) {
  const start = await client.post(`/api/v1/conversations/${conv}/uploads`, {
    name: opts.name ?? "shot.png",
    type: opts.type ?? "image/png",
    size: bytes.byteLength,
  });
  if (start.status !== 201) return { start };
  const id = start.json.upload.id as string;
  for (let n = 0; n * CHUNK_BYTES < bytes.byteLength; n++) {
    const r = await putChunk(client, id, n, bytes.subarray(n * CHUNK_BYTES, (n + 1) * CHUNK_BYTES));
    assert.equal(r.status, 204, await r.text());
  }
  if (opts.commit === false) return { start, id };
  const commit = await client.post(`/api/v1/uploads/${id}/commit`, {
    clientId: opts.clientId ?? `f-${id}`,
    text: "see attached",
  });
  return { start, id, commit };
}

export async function putChunk(client: Client, id: string, n: number, bytes: Uint8Array) {
  return await fetch(`${client.base}/api/v1/uploads/${id}/chunks/${n}`, {
    method: "PUT",
    headers: {
      cookie: client.cookie,
      origin: client.base,
      "content-type": "application/octet-stream",
    },
    body: bytes.slice(),
  });
}
