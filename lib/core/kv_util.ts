/** Helpers over Deno KV's limits: getMany takes at most 10 keys; list is paged. */
import { ApiError } from "./errors.ts";

/** Reads any number of keys, 10 per `getMany` call. */
export async function getManyChunked<T>(
  kv: Deno.Kv,
  keys: Deno.KvKey[],
): Promise<Deno.KvEntryMaybe<T>[]> {
  const out: Deno.KvEntryMaybe<T>[] = [];
  const chunks: Promise<Deno.KvEntryMaybe<T>[]>[] = [];
  for (let i = 0; i < keys.length; i += 10) {
    chunks.push(kv.getMany<T[]>(keys.slice(i, i + 10)) as Promise<Deno.KvEntryMaybe<T>[]>);
  }
  for (const c of await Promise.all(chunks)) out.push(...c);
  return out;
}

/** Lists every entry under a prefix (bounded by `limit`). */
export async function listAll<T>(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  limit = 100_000,
): Promise<Deno.KvEntry<T>[]> {
  const out: Deno.KvEntry<T>[] = [];
  for await (const e of kv.list<T>({ prefix }, { limit, batchSize: 500 })) out.push(e);
  return out;
}

/**
 * The records a secondary index points to: lists the index under `prefix`
 * (`<entity>_by_<attr>/<attr>/<id>`), then reads the records (`keyOf(id)`)
 * 10 keys a call. `keyOf` also gets the index entry's value, for records keyed
 * by more than their id. Index entries whose record is gone are skipped.
 */
export async function listByIndex<T, V = unknown>(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  keyOf: (id: string, value: V) => Deno.KvKey,
  opts: { limit?: number; reverse?: boolean } = {},
): Promise<T[]> {
  const index: Deno.KvEntry<V>[] = [];
  for await (
    const e of kv.list<V>({ prefix }, {
      limit: opts.limit ?? 100_000,
      reverse: opts.reverse,
      batchSize: 500,
    })
  ) index.push(e);
  const records = await getManyChunked<T>(kv, index.map((e) => keyOf(lastPart(e.key), e.value)));
  return records.flatMap((r) => r.value === null ? [] : [r.value]);
}

/** Adds `versionstamp: null` checks: the commit fails if any of `keys` exists already. */
export function checkAbsent(op: Deno.AtomicOperation, ...keys: Deno.KvKey[]): Deno.AtomicOperation {
  for (const key of keys) op.check({ key, versionstamp: null });
  return op;
}

/**
 * Commits a create (or any change whose checks a concurrent writer can
 * break) and turns a failed check into a 409 with `message`.
 */
export async function commitOrConflict(
  op: Deno.AtomicOperation,
  message: string,
): Promise<Deno.KvCommitResult> {
  const res = await op.commit();
  if (!res.ok) throw new ApiError("conflict", message);
  return res;
}

/** The last key part of an entry, as a string (an id in index keys). */
export function lastPart(key: Deno.KvKey): string {
  return String(key[key.length - 1]);
}

/** The number in a KvU64 entry, or 0 when absent. */
export function u64(entry: Deno.KvEntryMaybe<Deno.KvU64>): number {
  return entry.value ? Number(entry.value.value) : 0;
}
