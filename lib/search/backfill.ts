/**
 * The search index of what was stored before search existed: a start-up migration
 * (lib/ops/migrations.ts) that stages the postings of every message and alert (and alert note).
 * Each document's postings commit with a check on the document as read, so a live edit or recall
 * that wins the race is never overwritten by the older text (the document is read again).
 * Postings are keys: writing one twice is harmless, so a run cut short runs again safely.
 */
import type { Alert, TimelineEntry } from "../alerts/model.ts";
import type { Message } from "../chat/model.ts";
import { keys } from "../core/keys.ts";
import { alertTokens, stageAlertSearch, stageMessageIndex, stageNoteIndex } from "./indexing.ts";
import { tokenize } from "./tokens.ts";

/**
 * Postings per commit (KV allows 1,000 mutations and 80 KiB of keys): a token is two postings,
 * its scope's and the site-wide one.
 */
const POSTINGS_PER_COMMIT = 500;
const POSTINGS_PER_TOKEN = 2;
const CHECKS_PER_COMMIT = 90;

type Doc = { entry: Deno.KvEntry<unknown>; stage: (op: Deno.AtomicOperation, v: unknown) => void };

/** Commits `docs` with a check each; on a failed check, each again alone from a fresh read. */
async function commitDocs(kv: Deno.Kv, docs: Doc[]): Promise<void> {
  const op = kv.atomic();
  for (const d of docs) d.stage(op.check(d.entry), d.entry.value);
  if ((await op.commit()).ok) return;
  for (const d of docs) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const fresh = await kv.get(d.entry.key);
      if (fresh.value === null) break;
      const one = kv.atomic().check(fresh);
      d.stage(one, fresh.value);
      if ((await one.commit()).ok) break;
    }
  }
}

/** Indexes every stored message and alert; returns how many documents it staged. */
export async function backfillSearchIndex(kv: Deno.Kv): Promise<number> {
  let docs: Doc[] = [];
  let postings = 0;
  let total = 0;
  const add = async (d: Doc, cost: number) => {
    if (
      docs.length &&
      (postings + cost * POSTINGS_PER_TOKEN > POSTINGS_PER_COMMIT ||
        docs.length >= CHECKS_PER_COMMIT)
    ) {
      await commitDocs(kv, docs);
      docs = [];
      postings = 0;
    }
    docs.push(d);
    postings += cost * POSTINGS_PER_TOKEN;
    total++;
  };
  for await (const e of kv.list<Message>({ prefix: ["messages"] }, { batchSize: 500 })) {
    const m = e.value;
    if (m?.kind !== "text" || m.recalled) continue;
    await add({
      entry: e,
      stage: (op, v) => stageMessageIndex(op, null, v as Message),
    }, tokenize(m.text).length);
  }
  for await (const e of kv.list<Alert>({ prefix: ["alerts"] }, { batchSize: 500 })) {
    await add(
      { entry: e, stage: (op, v) => stageAlertSearch(op, null, v as Alert) },
      alertTokens(e.value).length,
    );
    for await (
      const t of kv.list<TimelineEntry>({ prefix: keys.alertTimelineAll(e.value.id) })
    ) {
      if (!t.value.note) continue;
      await add({
        entry: t,
        stage: (op, v) => stageNoteIndex(op, e.value, v as TimelineEntry),
      }, tokenize(t.value.note).length);
    }
  }
  if (docs.length) await commitDocs(kv, docs);
  return total;
}
