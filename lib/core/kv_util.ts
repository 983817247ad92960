/** Helpers over Deno KV's limits: getMany takes at most 10 keys; list is paged. */

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

/** The last key part of an entry, as a string (an id in index keys). */
export function lastPart(key: Deno.KvKey): string {
  return String(key[key.length - 1]);
}

/** The number in a KvU64 entry, or 0 when absent. */
export function u64(entry: Deno.KvEntryMaybe<Deno.KvU64>): number {
  return entry.value ? Number(entry.value.value) : 0;
}
