/**
 * Attaching files in chat: each file is uploaded in chunks and then committed, which posts the
 * message carrying it (lib/files/uploads.ts). Progress and failures live in `uploads`; the
 * message itself arrives over the live stream like any other.
 */
import { signal } from "@preact/signals";
import { ALLOWED_TYPES, CHUNK_BYTES } from "../lib/protocol.ts";
import { api, HttpError, newClientId } from "./api.ts";

export interface UploadView {
  key: string;
  convId: string;
  name: string;
  /** 0..100 */
  pct: number;
  error?: HttpError;
}

export const uploads = signal<UploadView[]>([]);

const BY_EXTENSION = new Map([
  ["txt", "text/plain"],
  ["log", "text/plain"],
  ["csv", "text/csv"],
  ["md", "text/markdown"],
  ["json", "application/json"],
  ["yaml", "application/x-yaml"],
  ["yml", "application/x-yaml"],
  ["pdf", "application/pdf"],
  ["zip", "application/zip"],
  ["gz", "application/gzip"],
  ["tar", "application/x-tar"],
  ["png", "image/png"],
  ["jpg", "image/jpeg"],
  ["jpeg", "image/jpeg"],
  ["gif", "image/gif"],
  ["webp", "image/webp"],
]);

/** The type sent for a file: the browser's when allowed, else by extension, else bytes. */
export function uploadType(file: { name: string; type: string }): string {
  const type = file.type.toLowerCase();
  if (ALLOWED_TYPES.has(type)) return type;
  const ext = /\.([a-z0-9]+)$/i.exec(file.name)?.[1]?.toLowerCase() ?? "";
  return BY_EXTENSION.get(ext) ?? "application/octet-stream";
}

function patch(key: string, p: Partial<UploadView>): void {
  uploads.value = uploads.value.map((u) => u.key === key ? { ...u, ...p } : u);
}

/** Forgets a finished or failed upload's row. */
export function dismissUpload(key: string): void {
  uploads.value = uploads.value.filter((u) => u.key !== key);
}

async function putChunk(id: string, n: number, body: Blob): Promise<void> {
  let res: Response;
  try {
    res = await fetch(`/api/v1/uploads/${id}/chunks/${n}`, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "content-type": "application/octet-stream" },
      body,
    });
  } catch {
    throw new HttpError(0, "network", "network error");
  }
  if (!res.ok) {
    const j = await res.json().catch(() => null);
    throw new HttpError(res.status, j?.error?.code ?? "http", j?.error?.message ?? res.statusText);
  }
}

/** Uploads and posts one file in a conversation. */
export async function uploadFile(convId: string, file: File): Promise<void> {
  const key = newClientId();
  uploads.value = [...uploads.value, { key, convId, name: file.name || "file", pct: 0 }];
  try {
    const { upload } = await api<{ upload: { id: string; chunks: number } }>(
      "POST",
      `/api/v1/conversations/${convId}/uploads`,
      { name: file.name || "file", type: uploadType(file), size: file.size },
    );
    for (let n = 0; n < upload.chunks; n++) {
      await putChunk(upload.id, n, file.slice(n * CHUNK_BYTES, (n + 1) * CHUNK_BYTES));
      patch(key, { pct: Math.round(((n + 1) / upload.chunks) * 100) });
    }
    await api("POST", `/api/v1/uploads/${upload.id}/commit`, { clientId: key, text: "" });
    dismissUpload(key);
  } catch (e) {
    patch(key, { error: e as HttpError });
  }
}

/** Uploads several files one after another (their messages keep the order chosen). */
export async function uploadFiles(convId: string, files: Iterable<File>): Promise<void> {
  for (const f of files) await uploadFile(convId, f);
}
