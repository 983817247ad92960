/**
 * Uploads: a file reaches a conversation in three steps, so that no message ever points at a
 * half-written file. `startUpload` reserves the size in the user's quota and creates the upload
 * record; `putChunk` stores each chunk under the upload's id (checking the record); and
 * `commitUpload` is one atomic commit that turns the upload into a file and appends the message
 * that carries it. An upload never committed is deleted by the sweep (sweep.ts), which first
 * marks it `dying` so that a commit that read it before fails.
 */
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import type { User } from "../accounts/model.ts";
import { getMembership } from "../chat/conversations.ts";
import { assertMayPost } from "../chat/post_rules.ts";
import { stageAppend } from "../chat/messages.ts";
import { checkWords } from "../chat/sensitive_words.ts";
import type { Head, Member, Message } from "../chat/model.ts";
import {
  ALLOWED_TYPES,
  CHUNK_BYTES,
  chunkCount,
  type CommitUploadInput,
  type StartUploadInput,
  type StoredFile,
  type Upload,
} from "./model.ts";

/** Reserves quota and creates an upload for a file the user will attach in `convId`. */
export async function startUpload(
  deps: Deps,
  me: User,
  convId: string,
  input: StartUploadInput,
): Promise<Upload> {
  const { kv, config, clock } = deps;
  const { member } = await getMembership(kv, me.id, convId);
  await assertMayPost(deps, convId, member);
  if (!ALLOWED_TYPES.has(input.type)) {
    throw new ApiError(
      "unsupported_type",
      `files of type ${input.type || "(none)"} are not accepted`,
    );
  }
  if (input.size > config.maxFileBytes) {
    throw new ApiError("payload_too_large", `a file may have at most ${config.maxFileBytes} bytes`);
  }
  const now = clock.now();
  const upload: Upload = {
    id: ulid(now),
    userId: me.id,
    conversationId: convId,
    name: input.name,
    type: input.type,
    size: input.size,
    chunks: chunkCount(input.size),
    createdAt: now,
    expiresAt: now + config.uploadTtlMs,
  };
  for (let attempt = 0; attempt < 20; attempt++) {
    const usage = await kv.get<number>(keys.fileUsage(me.id));
    const used = usage.value ?? 0;
    if (used + input.size > config.fileQuotaBytes) {
      throw new ApiError(
        "quota_exceeded",
        `your files would take ${
          used + input.size
        } bytes, more than the ${config.fileQuotaBytes} allowed`,
      );
    }
    const res = await kv.atomic().check(usage)
      .set(usage.key, used + input.size)
      .check({ key: keys.upload(upload.id), versionstamp: null })
      .set(keys.upload(upload.id), upload)
      .commit();
    if (res.ok) return upload;
  }
  throw new ApiError("unavailable", "too busy; try again", 1);
}

/** The caller's live upload, or 404 (also for someone else's, expired or dying upload). */
async function liveUpload(deps: Deps, userId: string, id: string) {
  const entry = await deps.kv.get<Upload>(keys.upload(id));
  const u = entry.value;
  if (!u || u.userId !== userId || u.dying || u.expiresAt <= deps.clock.now()) {
    throw notFound("upload");
  }
  return entry as Deno.KvEntry<Upload>;
}

/** Stores chunk `n` of an upload. Every chunk but the last is CHUNK_BYTES long. */
export async function putChunk(
  deps: Deps,
  userId: string,
  uploadId: string,
  n: number,
  bytes: Uint8Array,
): Promise<void> {
  const entry = await liveUpload(deps, userId, uploadId);
  const u = entry.value;
  if (!Number.isInteger(n) || n < 0 || n >= u.chunks) {
    throw new ApiError("invalid_input", `chunk index must be 0..${u.chunks - 1}`);
  }
  const want = n < u.chunks - 1 ? CHUNK_BYTES : u.size - CHUNK_BYTES * (u.chunks - 1);
  if (bytes.byteLength !== want) {
    throw new ApiError(
      "invalid_input",
      `chunk ${n} must have ${want} bytes, got ${bytes.byteLength}`,
    );
  }
  // Checking the record: a sweep that marked the upload dying makes this write fail.
  const res = await deps.kv.atomic().check(entry).set(keys.fileChunk(uploadId, n), bytes).commit();
  if (!res.ok) throw notFound("upload");
}

/** Indexes of chunks an upload still lacks. */
export async function missingChunks(kv: Deno.Kv, u: Upload): Promise<number[]> {
  const have = new Set<number>();
  for await (const e of kv.list({ prefix: keys.fileChunks(u.id) }, { batchSize: 100 })) {
    have.add(e.key[2] as number);
  }
  return Array.from({ length: u.chunks }, (_, i) => i).filter((i) => !have.has(i));
}

/**
 * Turns a complete upload into a file and appends the message carrying it, in one commit that
 * checks the upload record read when the chunks were counted. A retry with the same clientId
 * returns the original message.
 */
export async function commitUpload(
  deps: Deps,
  me: User,
  uploadId: string,
  input: CommitUploadInput,
): Promise<{ message: Message; created: boolean }> {
  const { kv, config, fanout, clock } = deps;
  if (input.text.length > config.maxMessageChars) {
    throw new ApiError("payload_too_large", `text over ${config.maxMessageChars} characters`);
  }
  const existing = await kv.get<Upload>(keys.upload(uploadId));
  if (!existing.value) return await committedAlready(kv, me, uploadId, input.clientId);
  const entry = await liveUpload(deps, me.id, uploadId);
  const u = entry.value;
  const missing = await missingChunks(kv, u);
  if (missing.length) {
    throw new ApiError(
      "invalid_input",
      `upload is missing chunks ${missing.slice(0, 10).join(", ")}`,
    );
  }
  const convId = u.conversationId;
  const { text } = await checkWords(deps, input.text);
  const clientKey = keys.messageByClientId(convId, me.id, input.clientId);
  return await fanout.commit(fanout.shard(convId), async (op) => {
    const [upload, member, head, dup] = await kv.getMany<[Upload, Member, Head, number]>([
      keys.upload(uploadId),
      keys.member(convId, me.id),
      keys.head(convId),
      clientKey,
    ]);
    if (!member.value) throw notFound("conversation");
    if (upload.versionstamp !== entry.versionstamp) throw notFound("upload");
    await assertMayPost(deps, convId, member.value);
    const now = clock.now();
    const ref = { id: u.id, name: u.name, type: u.type, size: u.size };
    const message = stageAppend(op, head, convId, {
      kind: "text",
      senderId: me.id,
      text,
      clientId: input.clientId,
      files: [ref],
    }, now);
    const file: StoredFile = {
      ...ref,
      conversationId: convId,
      uploaderId: me.id,
      chunks: u.chunks,
      createdAt: now,
      seq: message.seq,
    };
    op.check(upload).check(member).check(dup)
      .delete(keys.upload(uploadId))
      .check({ key: keys.file(u.id), versionstamp: null })
      .set(keys.file(u.id), file)
      .set(clientKey, message.seq, { expireIn: config.clientIdTtlMs })
      .max(keys.read(convId, me.id), BigInt(message.seq))
      .max(keys.delivered(convId, me.id), BigInt(message.seq));
    return {
      hints: [{ t: "msg", c: convId, s: message.seq }],
      result: { message, created: true },
    };
  });
}

/** A commit retried after it succeeded: the file exists; answer with its message. */
async function committedAlready(kv: Deno.Kv, me: User, uploadId: string, clientId: string) {
  const file = (await kv.get<StoredFile>(keys.file(uploadId))).value;
  if (!file || file.uploaderId !== me.id) throw notFound("upload");
  const seq = (await kv.get<number>(keys.messageByClientId(file.conversationId, me.id, clientId)))
    .value;
  const message = seq
    ? (await kv.get<Message>(keys.message(file.conversationId, seq))).value
    : null;
  if (!message) throw notFound("upload");
  return { message, created: false };
}

/** Gives up an upload at once (the sweep deletes its chunks and returns the quota). */
export async function cancelUpload(deps: Deps, userId: string, uploadId: string): Promise<void> {
  const entry = await liveUpload(deps, userId, uploadId);
  await deps.kv.atomic().check(entry)
    .set(entry.key, { ...entry.value, expiresAt: deps.clock.now() })
    .commit();
}
