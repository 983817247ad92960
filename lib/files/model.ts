/** Files attached to messages: the stored records, the type allow list and the chunk size. */
import { z } from "zod";
import { ClientIdSchema } from "../core/schemas.ts";

/**
 * Bytes per stored chunk. KV values hold at most 64 KiB including their encoding, and the API's
 * body limit is 64 KiB: 60 KiB leaves room for both.
 */
export const CHUNK_BYTES = 60 * 1024;

/**
 * The content types a file may have, and whether it may be shown inline. Only raster images are
 * inline; SVG (it can carry script) and HTML are served as attachments, like everything else.
 */
export const ALLOWED_TYPES: ReadonlyMap<string, { inline: boolean }> = new Map([
  ["image/png", { inline: true }],
  ["image/jpeg", { inline: true }],
  ["image/gif", { inline: true }],
  ["image/webp", { inline: true }],
  ["image/svg+xml", { inline: false }],
  ["text/html", { inline: false }],
  ["text/plain", { inline: false }],
  ["text/csv", { inline: false }],
  ["text/markdown", { inline: false }],
  ["application/json", { inline: false }],
  ["application/pdf", { inline: false }],
  ["application/zip", { inline: false }],
  ["application/gzip", { inline: false }],
  ["application/x-tar", { inline: false }],
  ["application/x-yaml", { inline: false }],
  ["application/octet-stream", { inline: false }],
]);

/** True for a type that is served inline (a raster image); everything else is an attachment. */
export function isInlineType(type: string): boolean {
  return ALLOWED_TYPES.get(type)?.inline ?? false;
}

/** Chunks of a file of `size` bytes. */
export function chunkCount(size: number): number {
  return Math.max(1, Math.ceil(size / CHUNK_BYTES));
}

export const UploadSchema = z.object({
  id: z.string(),
  userId: z.string(),
  conversationId: z.string(),
  name: z.string(),
  type: z.string(),
  size: z.number(),
  chunks: z.number(),
  createdAt: z.number(),
  expiresAt: z.number(),
  /** Set by the sweep before it deletes the chunks: a commit that read the upload before fails. */
  dying: z.boolean().optional(),
});
export type Upload = z.infer<typeof UploadSchema>;

export const StoredFileSchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  uploaderId: z.string(),
  name: z.string(),
  type: z.string(),
  size: z.number(),
  chunks: z.number(),
  createdAt: z.number(),
  /** The seq of the message that carries it. */
  seq: z.number(),
});
export type StoredFile = z.infer<typeof StoredFileSchema>;

/** A name as stored: no path, no control characters, at most 200 characters. */
export const FileNameSchema = z.string().transform((s) =>
  // deno-lint-ignore no-control-regex -- control characters are what it removes
  s.replace(/^.*[\\/]/, "").replace(/[\u0000-\u001f\u007f"]/g, "").trim().slice(0, 200) || "file"
);

export const StartUploadInputSchema = z.strictObject({
  name: FileNameSchema,
  type: z.string().max(100).transform((t) => t.toLowerCase().split(";")[0].trim()),
  size: z.number().int().min(1),
});
export type StartUploadInput = z.infer<typeof StartUploadInputSchema>;

export const CommitUploadInputSchema = z.strictObject({
  clientId: ClientIdSchema,
  /** An optional caption sent with the file. */
  text: z.string().max(1_000_000).default(""),
});
export type CommitUploadInput = z.infer<typeof CommitUploadInputSchema>;

/** A deleted file whose chunks are still to be swept; its size goes back to the uploader's quota. */
export interface FileGarbage {
  userId: string | null;
  size: number;
}
