/**
 * The file sweep: deletes the chunks of abandoned uploads (past their expiry) and of deleted
 * files (garbage entries), and gives their size back to the owner's quota. Several processes
 * may sweep at once: every step checks what it read, and deleting chunks twice is harmless.
 */
import type { Deps } from "../core/deps.ts";
import { keys } from "../core/keys.ts";
import { log } from "../core/log.ts";
import type { FileGarbage, Upload } from "./model.ts";

/** Chunk deletions per commit (KV allows 1,000 mutations). */
const BATCH = 500;

async function deleteChunks(kv: Deno.Kv, fileId: string): Promise<void> {
  for (;;) {
    const batch: Deno.KvKey[] = [];
    for await (const e of kv.list({ prefix: keys.fileChunks(fileId) }, { limit: BATCH })) {
      batch.push(e.key);
    }
    if (!batch.length) return;
    const op = kv.atomic();
    for (const k of batch) op.delete(k);
    await op.commit();
  }
}

/** Deletes `key` (checking `entry`) and returns `size` bytes to `userId`'s quota, in one commit. */
async function release(
  kv: Deno.Kv,
  entry: Deno.KvEntry<unknown>,
  userId: string | null,
  size: number,
): Promise<boolean> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const op = kv.atomic().check(entry).delete(entry.key);
    if (userId) {
      const usage = await kv.get<number>(keys.fileUsage(userId));
      op.check(usage).set(usage.key, Math.max(0, (usage.value ?? 0) - size));
    }
    if ((await op.commit()).ok) return true;
    const again = await kv.get(entry.key);
    if (again.versionstamp !== entry.versionstamp) return false;
  }
  return false;
}

/** Removes uploads that expired uncommitted. Returns how many. */
export async function sweepUploads(deps: Deps): Promise<number> {
  const { kv, clock } = deps;
  let n = 0;
  for await (const e of kv.list<Upload>({ prefix: keys.uploads() })) {
    if (e.value.expiresAt > clock.now()) continue;
    let entry: Deno.KvEntryMaybe<Upload> = e;
    if (!e.value.dying) {
      // Mark first: a commit or a chunk write that read the upload before now fails its check.
      const res = await kv.atomic().check(e).set(e.key, { ...e.value, dying: true }).commit();
      if (!res.ok) continue;
      entry = await kv.get<Upload>(e.key);
      if (!entry.value) continue;
    }
    await deleteChunks(kv, e.value.id);
    if (await release(kv, entry as Deno.KvEntry<Upload>, e.value.userId, e.value.size)) n++;
  }
  return n;
}

/** Removes the chunks of deleted files. Returns how many files. */
export async function sweepGarbage(deps: Deps): Promise<number> {
  const { kv } = deps;
  let n = 0;
  for await (const e of kv.list<FileGarbage>({ prefix: keys.fileGarbageAll() })) {
    await deleteChunks(kv, String(e.key[1]));
    if (await release(kv, e, e.value.userId, e.value.size)) n++;
  }
  return n;
}

/** Runs both sweeps every `fileSweepMs`. */
export class FileSweepService {
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<unknown> | null = null;

  constructor(private deps: Deps) {}

  start(): void {
    if (!this.deps.config.fileSweepMs) return;
    this.#timer = setInterval(() => this.run(), this.deps.config.fileSweepMs);
    this.run();
  }

  run(): Promise<unknown> {
    this.#running ??= Promise.all([sweepUploads(this.deps), sweepGarbage(this.deps)])
      .then(([uploads, files]) => {
        if (uploads || files) log.info(`files: swept ${uploads} uploads and ${files} files`);
      })
      .catch((err) => log.error("files: sweep failed", err))
      .finally(() => this.#running = null);
    return this.#running;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}
