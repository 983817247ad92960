/**
 * A staged atomic operation: it records what a write adds (checks,
 * mutations, enqueues) instead of sending it, counts it against KV's limits
 * for one commit, and replays it onto a real `Deno.AtomicOperation`.
 *
 * Fanout's group commit (lib/core/fanout.ts) hands one to each write of a
 * group, so that it can tell which writes fit together in one commit and
 * which write checks a key that an earlier write of the group changes (that
 * one waits for the next commit and is built again, as if it had come later).
 */

/** A key as a string, equal for equal keys (for conflict sets). */
export function keyId(key: Deno.KvKey): string {
  return key.map((p) =>
    typeof p === "string"
      ? "s" + p
      : p instanceof Uint8Array
      ? "u" + Array.from(p).join(",")
      : typeof p === "bigint"
      ? "b" + p
      : (typeof p === "number" ? "n" : "t") + String(p)
  ).join("\u0000");
}

const NOT_LATIN1 = /[\u0100-\uffff]/;

/**
 * An upper estimate of the bytes KV stores for a value: V8 serialises a string with one byte
 * per character while it is Latin-1 and two otherwise; JSON's quotes and separators stand in
 * for V8's tags. A value JSON cannot read counts as the largest value KV takes.
 */
export function sizeOf(value: unknown): number {
  if (value instanceof Uint8Array) return value.byteLength + 8;
  if (typeof value === "bigint" || value instanceof Deno.KvU64) return 16;
  let json: string | undefined;
  try {
    json = typeof value === "string" ? value : JSON.stringify(value);
  } catch {
    return 65_536;
  }
  if (json === undefined) return 8;
  return (NOT_LATIN1.test(json) ? json.length * 2 : json.length) + 8;
}

/** Messages appended by an operation (noted by stageAppend), for inlining in the fanout log. */
const appended = new WeakMap<object, { conversationId: string; seq: number }[]>();

/** Notes that `op` appends `message` to its conversation (lib/chat/messages.ts stageAppend). */
export function noteAppended(
  op: Deno.AtomicOperation,
  message: { conversationId: string; seq: number },
): void {
  let list = appended.get(op);
  if (!list) appended.set(op, list = []);
  list.push(message);
}

/** The messages `op` appends, in staging order. */
export function appendedBy(op: Deno.AtomicOperation): { conversationId: string; seq: number }[] {
  return appended.get(op) ?? [];
}

/**
 * The writes of one group commit: the conversation heads (and the audit chain's) they staged, so
 * that a later write appends after an earlier one's message instead of colliding with it. Writes
 * of different lanes are built side by side, so a head may be staged by a write that arrived
 * later; only heads of writes that arrived earlier are followed (compose takes writes in arrival
 * order, and a write must never follow one that is not in the commit before it).
 */
export class GroupContext {
  readonly heads = new Map<string, { value: unknown; by: StagedOperation }[]>();

  /** Makes `staged`'s heads visible to the writes built after it that arrived after it. */
  add(staged: StagedOperation): void {
    for (const [c, value] of staged.heads) {
      const list = this.heads.get(c) ?? this.heads.set(c, []).get(c)!;
      list.push({ value, by: staged });
    }
  }

  /** The head of `key` staged by the latest write that arrived before position `order`. */
  before(key: string, order: number): { value: unknown; by: StagedOperation } | null {
    let best: { value: unknown; by: StagedOperation } | null = null;
    for (const h of this.heads.get(key) ?? []) {
      if (h.by.order < order && (!best || h.by.order > best.by.order)) best = h;
    }
    return best;
  }
}

/**
 * The head an append in `op` builds on when `op` itself or an earlier write of its group already
 * appended to the conversation (the write then depends on that earlier one: it commits with it
 * or not at all); null otherwise (the head read from KV applies, with its check).
 */
export function stagedHead(op: Deno.AtomicOperation, conversationId: string): unknown | null {
  if (!(op instanceof StagedOperation)) return null;
  if (op.heads.has(conversationId)) return op.heads.get(conversationId);
  // A write asks once per key: one that asks again after an await (appendBase, then
  // stageAppend) must get the same answer, though a write of another lane may have staged a
  // head meanwhile.
  let earlier = op.groupHeads.get(conversationId);
  if (earlier === undefined) {
    earlier = op.group?.before(conversationId, op.order) ?? null;
    op.groupHeads.set(conversationId, earlier);
  }
  if (!earlier) return null;
  op.dependsOn.add(earlier.by);
  return earlier.value;
}

/** Notes the head `op` stages for a conversation (see stagedHead). */
export function noteHead(op: Deno.AtomicOperation, conversationId: string, head: unknown): void {
  if (op instanceof StagedOperation) op.heads.set(conversationId, head);
}

export class StagedOperation {
  /** Heads this write stages, by conversation. */
  readonly heads = new Map<string, unknown>();
  /** Earlier writes of the group whose appends this one follows. */
  readonly dependsOn = new Set<StagedOperation>();
  /** What stagedHead answered from the group, per key (null: nothing staged, read from KV). */
  readonly groupHeads = new Map<string, { value: unknown; by: StagedOperation } | null>();

  /** True when this write follows `other`, directly or through the writes it follows. */
  follows(other: StagedOperation): boolean {
    const seen = new Set<StagedOperation>();
    const walk = (s: StagedOperation): boolean => {
      for (const d of s.dependsOn) {
        if (d === other) return true;
        if (!seen.has(d)) {
          seen.add(d);
          if (walk(d)) return true;
        }
      }
      return false;
    };
    return walk(this);
  }

  /** `order`: the write's place in its group, in arrival order. */
  constructor(readonly group?: GroupContext, readonly order = 0) {}

  /** What to do to the real operation, in order. */
  readonly #calls: ((op: Deno.AtomicOperation) => void)[] = [];
  checks = 0;
  mutations = 0;
  /** Estimated bytes of keys and values written. */
  bytes = 0;
  /** Estimated bytes of every key checked or written (KV caps their total too). */
  keyBytes = 0;
  /** Keys checked (ids). */
  readonly checked: string[] = [];
  /** Keys written (ids). */
  readonly written: string[] = [];
  /**
   * Keys set or deleted (ids): unlike sum, min and max, two of these on one key in one commit
   * do not add up, the last wins (see compose in lib/core/fanout.ts).
   */
  readonly replaced: string[] = [];

  /** This object as the operation type a write's build function takes. */
  get op(): Deno.AtomicOperation {
    return this as unknown as Deno.AtomicOperation;
  }

  /** Adds everything recorded to `op`. */
  replay(op: Deno.AtomicOperation): void {
    for (const c of this.#calls) c(op);
  }

  #write(key: Deno.KvKey, value: unknown, replaces = false): void {
    const id = keyId(key);
    this.written.push(id);
    if (replaces) this.replaced.push(id);
    this.mutations++;
    this.keyBytes += id.length;
    this.bytes += id.length + sizeOf(value);
  }

  check(...checks: Deno.AtomicCheck[]): this {
    for (const c of checks) {
      const id = keyId(c.key);
      this.checked.push(id);
      this.checks++;
      this.keyBytes += id.length;
    }
    this.#calls.push((op) => op.check(...checks));
    return this;
  }

  mutate(...mutations: Deno.KvMutation[]): this {
    for (const m of mutations) {
      this.#write(m.key, "value" in m ? m.value : null, m.type === "set" || m.type === "delete");
    }
    this.#calls.push((op) => op.mutate(...mutations));
    return this;
  }

  set(key: Deno.KvKey, value: unknown, options?: { expireIn?: number }): this {
    this.#write(key, value, true);
    this.#calls.push((op) => op.set(key, value, options));
    return this;
  }

  delete(key: Deno.KvKey): this {
    this.#write(key, null, true);
    this.#calls.push((op) => op.delete(key));
    return this;
  }

  sum(key: Deno.KvKey, n: bigint): this {
    this.#write(key, n);
    this.#calls.push((op) => op.sum(key, n));
    return this;
  }

  min(key: Deno.KvKey, n: bigint): this {
    this.#write(key, n);
    this.#calls.push((op) => op.min(key, n));
    return this;
  }

  max(key: Deno.KvKey, n: bigint): this {
    this.#write(key, n);
    this.#calls.push((op) => op.max(key, n));
    return this;
  }

  enqueue(
    value: unknown,
    options?: { delay?: number; keysIfUndelivered?: Deno.KvKey[]; backoffSchedule?: number[] },
  ): this {
    this.mutations++;
    this.bytes += sizeOf(value);
    this.#calls.push((op) => op.enqueue(value, options));
    return this;
  }

  commit(): never {
    throw new Error("a staged operation is committed by Fanout, not by its writer");
  }
}
