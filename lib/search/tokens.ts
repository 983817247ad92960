/**
 * Search tokens: what the index stores and what a query looks up, from one function, so that
 * both sides always agree.
 *
 * Text is folded first: NFKC (full-width Ｌａｔｉｎ and half-width ｶﾅ become their usual forms,
 * ligatures and compatibility characters split) and then lower case. `Intl.Segmenter` (word
 * granularity, built into Deno) finds the words of scripts that separate them; each word-like
 * segment is one token. Chinese, Japanese and Korean are not reliably segmented into the words
 * people type (the segmenter's dictionary cuts "数据库连接" differently from "连接"), so every run
 * of CJK characters, across the segmenter's cuts, is indexed as overlapping character bigrams
 * ("数据", "据库", "库连", "连接"); a run of one character is one token. A query is tokenised the
 * same way and all its tokens must match, so "连接失败" finds "数据库连接失败了" and a two-character
 * word finds every text that contains it. A single CJK character finds only texts where it stands
 * alone (indexing every character as well would double the index of CJK text).
 */

/** Distinct tokens indexed per document at most: the first ones in the text. A fixed constant, not
 * an option, because removal recomputes a document's tokens: a different cap would orphan or miss
 * index keys. 200 keys of about 80 bytes keep one message's index under 20 KB and 200 of KV's
 * 1,000 mutations per commit; group commit (lib/core/fanout.ts) splits a group past that. */
export const MAX_TOKENS_PER_DOC = 200;
/** Longest token in characters; longer words are cut (a query's are cut the same way). */
export const MAX_TOKEN_CHARS = 32;

const segmenter = new Intl.Segmenter("und", { granularity: "word" });
/** Han, Hiragana, Katakana, Hangul (and the prolonged sound mark): indexed as bigrams. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u30fc]/u;
const WORDISH = /[\p{L}\p{N}]/u;

/** Case and width folding: NFKC, then lower case. */
export function fold(text: string): string {
  return text.normalize("NFKC").toLowerCase();
}

/** The distinct tokens of `text`, in order of first appearance, at most `max`. */
export function tokenize(text: string, max = MAX_TOKENS_PER_DOC): string[] {
  const out = new Set<string>();
  const add = (t: string) => {
    if (out.size < max) out.add([...t].slice(0, MAX_TOKEN_CHARS).join(""));
  };
  let run: string[] = [];
  const flush = () => {
    if (run.length === 1) add(run[0]);
    for (let i = 0; i + 1 < run.length; i++) add(run[i] + run[i + 1]);
    run = [];
  };
  for (const s of segmenter.segment(fold(text))) {
    if (out.size >= max) break;
    if (!s.isWordLike && !WORDISH.test(s.segment)) {
      flush();
      continue;
    }
    let word = "";
    for (const ch of s.segment) {
      if (CJK.test(ch)) {
        if (word) add(word), word = "";
        run.push(ch);
      } else {
        flush();
        if (WORDISH.test(ch) || ch === "_" || ch === "'" || ch === ".") word += ch;
        else if (word) add(word), word = "";
      }
    }
    if (word) add(word.replace(/[.']+$/, ""));
  }
  flush();
  out.delete("");
  return [...out];
}

/**
 * Where the tokens of `query` occur in `text`, as [start, end) ranges of `text` (merged), for
 * highlighting: matched case- and width-insensitively, character by character.
 */
export function highlights(text: string, query: string): [number, number][] {
  const terms = tokenize(query, 16);
  if (!terms.length) return [];
  // Fold per character, keeping where each folded character came from.
  const folded: string[] = [];
  const from: number[] = [];
  let i = 0;
  for (const ch of text) {
    for (const f of fold(ch)) {
      folded.push(f);
      from.push(i);
    }
    i += ch.length;
  }
  const hay = folded.join("");
  // Map folded string offsets (UTF-16) to folded character indices.
  const idxAt: number[] = [];
  let k = 0;
  for (let c = 0; c < folded.length; c++) {
    for (let u = 0; u < folded[c].length; u++) idxAt[k++] = c;
  }
  const ranges: [number, number][] = [];
  for (const t of terms) {
    let at = hay.indexOf(t);
    while (at >= 0) {
      const first = idxAt[at];
      const last = idxAt[at + t.length - 1];
      const start = from[first];
      const endChar = from[last];
      ranges.push([start, endChar + (text.codePointAt(endChar)! > 0xffff ? 2 : 1)]);
      at = hay.indexOf(t, at + t.length);
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([...r]);
  }
  return merged;
}

const CJK_PAIR =
  /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u30fc]{2}$/u;

/**
 * The tokens of a query worth looking up in the index: of each run of overlapping CJK bigrams
 * (AB, BC, CD), every other one and the last (AB, CD), which still cover every character; the
 * rest are checked on each candidate document. A third fewer index reads for a CJK word.
 */
export function lookupTokens(tokens: string[]): string[] {
  const out: string[] = [];
  let inRun = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    const pair = CJK_PAIR.test(t);
    inRun = pair && prev !== undefined && CJK_PAIR.test(prev) && [...prev][1] === [...t][0]
      ? inRun + 1
      : 0;
    const last = !(next !== undefined && CJK_PAIR.test(next) && [...t][1] === [...next][0]);
    if (!pair || inRun % 2 === 0 || last) out.push(t);
  }
  return out;
}
