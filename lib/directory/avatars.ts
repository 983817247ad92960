/**
 * Uploaded avatars: a raster image, checked by its first bytes against the type it claims,
 * stored in chunks (lib/files' chunk size) and referenced from the user record. Without one,
 * the browser draws initials on a colour derived from the id (components/Avatar.tsx).
 */
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { CHUNK_BYTES, chunkCount } from "../files/model.ts";
import type { User } from "../accounts/model.ts";

/** Types an avatar may have, each with the magic bytes its content must start with. */
const AVATAR_TYPES: ReadonlyMap<string, (b: Uint8Array) => boolean> = new Map([
  ["image/png", (b) => starts(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
  ["image/jpeg", (b) => starts(b, [0xff, 0xd8, 0xff])],
  ["image/gif", (b) => starts(b, [0x47, 0x49, 0x46, 0x38])],
  [
    "image/webp",
    (b) => starts(b, [0x52, 0x49, 0x46, 0x46]) && starts(b.subarray(8), [0x57, 0x45, 0x42, 0x50]),
  ],
]);

function starts(b: Uint8Array, magic: number[]): boolean {
  return b.length >= magic.length && magic.every((m, i) => b[i] === m);
}

/** The allowed types, for docs and the file picker. */
export const AVATAR_TYPE_LIST = [...AVATAR_TYPES.keys()];

/** Stores `bytes` as the user's avatar, replacing (and deleting) the previous one. */
export async function setAvatar(
  deps: Deps,
  userId: string,
  rawType: string,
  bytes: Uint8Array,
): Promise<User> {
  const { kv, config, clock } = deps;
  const type = rawType.toLowerCase().split(";")[0].trim();
  const sniff = AVATAR_TYPES.get(type);
  if (!sniff) {
    throw new ApiError("unsupported_type", `an avatar is one of ${AVATAR_TYPE_LIST.join(", ")}`);
  }
  if (bytes.byteLength === 0) throw new ApiError("invalid_input", "the image is empty");
  if (bytes.byteLength > config.avatarMaxBytes) {
    throw new ApiError("payload_too_large", `an avatar has at most ${config.avatarMaxBytes} bytes`);
  }
  if (!sniff(bytes)) throw new ApiError("unsupported_type", `the content is not ${type}`);
  const entry = await kv.get<User>(keys.user(userId));
  if (!entry.value) throw notFound("user");
  const avatar = { id: ulid(clock.now()), type, size: bytes.byteLength, chunks: 0 };
  avatar.chunks = chunkCount(bytes.byteLength);
  const op = kv.atomic().check(entry);
  for (let n = 0; n < avatar.chunks; n++) {
    op.set(keys.avatarChunk(avatar.id, n), bytes.slice(n * CHUNK_BYTES, (n + 1) * CHUNK_BYTES));
  }
  dropChunks(op, entry.value);
  const user: User = { ...entry.value, avatar };
  if (!(await op.set(keys.user(userId), user).commit()).ok) {
    throw new ApiError("conflict", "your profile changed meanwhile; retry");
  }
  return user;
}

/** Back to the generated default. */
export async function removeAvatar(deps: Deps, userId: string): Promise<User> {
  const { kv } = deps;
  const entry = await kv.get<User>(keys.user(userId));
  if (!entry.value) throw notFound("user");
  const op = kv.atomic().check(entry);
  dropChunks(op, entry.value);
  const user: User = { ...entry.value, avatar: null };
  if (!(await op.set(keys.user(userId), user).commit()).ok) {
    throw new ApiError("conflict", "your profile changed meanwhile; retry");
  }
  return user;
}

function dropChunks(op: Deno.AtomicOperation, user: User): void {
  const old = user.avatar;
  if (!old) return;
  for (let n = 0; n < old.chunks; n++) op.delete(keys.avatarChunk(old.id, n));
}

/** The avatar's type and bytes; null when the user has none (or it is being replaced). */
export async function getAvatar(
  kv: Deno.Kv,
  userId: string,
): Promise<{ type: string; id: string; bytes: Uint8Array } | null> {
  const user = (await kv.get<User>(keys.user(userId))).value;
  const a = user?.avatar;
  if (!a || !AVATAR_TYPES.has(a.type)) return null;
  const parts = await kv.getMany<Uint8Array[]>(
    Array.from({ length: a.chunks }, (_, n) => keys.avatarChunk(a.id, n)),
  );
  if (parts.some((p) => !p.value)) return null;
  const bytes = new Uint8Array(a.size);
  let at = 0;
  for (const p of parts) {
    bytes.set(p.value!, at);
    at += p.value!.byteLength;
  }
  return { type: a.type, id: a.id, bytes };
}
