/**
 * The AND of several tokens' postings within one scope (a conversation or a team), newest
 * document first: a leapfrog join. Each token's postings are read backwards from a bound in small
 * batches; the first token proposes a document, every other token seeks to it, and a token whose
 * next posting is older moves the bound down to that posting, so that a rare token steers the
 * scan past the stretches of a common one without reading them. KV ranges are the seeks.
 */

/** Postings read per KV list call. */
const BATCH = 64;

/** What one query may spend, shared by all its scopes: KV list calls (seeks) at most. */
export interface Budget {
  seeks: number;
  /** Set when the budget ran out before the scan finished. */
  exhausted?: boolean;
}

/** The document id of a posting key (its last part). */
function docOf(e: Deno.KvEntry<unknown>): string {
  return e.key[e.key.length - 1] as string;
}

/** One token's postings, read backwards; bounds only ever go down. */
class Postings {
  #buf: Deno.KvEntry<unknown>[] = [];
  #i = 0;
  /** The last read returned everything below its bound (nothing older remains unread). */
  #complete = false;

  constructor(
    private kv: Deno.Kv,
    private prefix: Deno.KvKey,
    private lower: string,
    private budget: Budget,
  ) {}

  /** The newest posting whose document id is below `bound` (exclusive), or null. */
  async below(bound: string): Promise<Deno.KvEntry<unknown> | null> {
    while (this.#i < this.#buf.length && docOf(this.#buf[this.#i]) >= bound) this.#i++;
    if (this.#i < this.#buf.length) return this.#buf[this.#i];
    if (this.#complete) return null;
    if (this.budget.seeks <= 0) {
      this.budget.exhausted = true;
      return null;
    }
    this.budget.seeks--;
    this.#buf = [];
    this.#i = 0;
    for await (
      const e of this.kv.list(
        { start: [...this.prefix, this.lower], end: [...this.prefix, bound] },
        {
          reverse: true,
          limit: BATCH,
          batchSize: BATCH,
        },
      )
    ) this.#buf.push(e);
    if (this.#buf.length < BATCH) this.#complete = true;
    return this.#buf[0] ?? null;
  }
}

/**
 * Documents of one scope holding every token, newest first, with the first token's posting
 * value; ids in [lower, upper). `prefixOf(token)` is the token's posting prefix in the scope.
 */
export async function* intersect(
  kv: Deno.Kv,
  prefixOf: (token: string) => Deno.KvKey,
  tokens: string[],
  lower: string,
  upper: string,
  budget: Budget,
): AsyncGenerator<{ doc: string; value: unknown }> {
  if (!tokens.length) return;
  const lists = tokens.map((t) => new Postings(kv, prefixOf(t), lower, budget));
  let bound = upper;
  while (true) {
    const first = await lists[0].below(bound);
    if (!first) return;
    const doc = docOf(first);
    let agreed = true;
    for (let i = 1; i < lists.length; i++) {
      // The newest posting at or below `doc` ("\0" sorts right after an id of the same length).
      const e = await lists[i].below(doc + "\u0000");
      if (!e) return;
      const d = docOf(e);
      if (d < doc) {
        bound = d + "\u0000";
        agreed = false;
        break;
      }
    }
    if (!agreed) continue;
    yield { doc, value: first.value };
    bound = doc;
  }
}
