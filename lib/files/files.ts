/**
 * Stored files: reading one for a member of its conversation, and deleting the files of a
 * message (recall, retention). Deleting is staged into the caller's commit as two small
 * mutations per file: the file record goes (so it is never served again) and a garbage entry
 * tells the sweep to remove its chunks and give the size back to the uploader's quota.
 */
import type { Deps } from "../core/deps.ts";
import { notFound } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import { getMember } from "../chat/conversations.ts";
import type { Message } from "../chat/model.ts";
import type { FileGarbage, StoredFile } from "./model.ts";

/** The file, when `userId` is a member of its conversation; 404 otherwise (also when deleted). */
export async function getFileForMember(
  deps: Deps,
  userId: string,
  fileId: string,
): Promise<StoredFile> {
  const file = (await deps.kv.get<StoredFile>(keys.file(fileId))).value;
  if (!file || !(await getMember(deps.kv, file.conversationId, userId))) throw notFound("file");
  return file;
}

/** The file's bytes, chunk by chunk, read as the stream is consumed. */
export function fileStream(kv: Deno.Kv, file: StoredFile): ReadableStream<Uint8Array> {
  let n = 0;
  return new ReadableStream({
    async pull(ctl) {
      if (n >= file.chunks) return ctl.close();
      const chunk = (await kv.get<Uint8Array>(keys.fileChunk(file.id, n++))).value;
      // A file deleted while it was being read ends early rather than hanging.
      if (!chunk) return ctl.error(new Error("file deleted while reading"));
      ctl.enqueue(chunk);
    },
  });
}

/** Mutations deleteAttachmentsOf adds per attached file. */
export const MUTATIONS_PER_FILE = 2;

/**
 * Stages, into `op`, the deletion of every file attached to `message`: for recall and
 * retention, in the same commit that deletes or rewrites the message. Needs no reads.
 */
export function deleteAttachmentsOf(op: Deno.AtomicOperation, message: Message): void {
  for (const f of message.files ?? []) {
    const garbage: FileGarbage = { userId: message.senderId, size: f.size };
    op.delete(keys.file(f.id)).set(keys.fileGarbage(f.id), garbage);
  }
}
