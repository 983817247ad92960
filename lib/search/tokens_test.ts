import assert from "node:assert/strict";
import { fold, highlights, lookupTokens, MAX_TOKENS_PER_DOC, tokenize } from "./tokens.ts";

Deno.test("tokens - Latin words by the segmenter, folded to lower case", () => {
  assert.deepEqual(tokenize("Database connection FAILED on db-01: disk_full, it's 95.5%"), [
    "database",
    "connection",
    "failed",
    "on",
    "db",
    "01",
    "disk_full",
    "it's",
    "95.5",
  ]);
});

Deno.test("tokens - width and case folding: full-width Latin and half-width kana meet their usual forms", () => {
  assert.equal(fold("ＤＩＳＫ Ｆｕｌｌ"), "disk full");
  assert.deepEqual(tokenize("ＤＩＳＫ　Ｆｕｌｌ"), tokenize("disk full"));
  assert.deepEqual(tokenize("ﾃｽﾄ"), tokenize("テスト"));
  assert.deepEqual(tokenize("Straße"), ["straße"]);
});

Deno.test("tokens - Chinese is indexed as overlapping bigrams, so a word inside a sentence matches", () => {
  assert.deepEqual(tokenize("数据库连接失败"), ["数据", "据库", "库连", "连接", "接失", "失败"]);
  const doc = new Set(tokenize("生产环境数据库连接失败了，请检查"));
  for (const q of ["连接失败", "数据库", "检查", "生产环境"]) {
    assert.ok(tokenize(q).every((t) => doc.has(t)), q);
  }
  assert.ok(!tokenize("连接成功").every((t) => doc.has(t)), "a different word does not match");
  assert.deepEqual(tokenize("库"), ["库"], "a one-character query is one token");
});

Deno.test("tokens - Japanese (kanji, kana, the long vowel mark) and mixed text", () => {
  const doc = new Set(tokenize("東京のサーバーがダウンしました"));
  for (const q of ["サーバー", "東京", "ダウン"]) {
    assert.ok(tokenize(q).every((t) => doc.has(t)), q);
  }
  assert.deepEqual(tokenize("mixed中文text混合 API网关"), [
    "mixed",
    "中文",
    "text",
    "混合",
    "api",
    "网关",
  ]);
});

Deno.test("tokens - at most MAX_TOKENS_PER_DOC distinct tokens, the first ones; long words cut", () => {
  const text = Array.from({ length: 500 }, (_, i) => `w${i}`).join(" ") + " w1 w2";
  const t = tokenize(text);
  assert.equal(t.length, MAX_TOKENS_PER_DOC);
  assert.equal(t[0], "w0");
  assert.equal(t.at(-1), `w${MAX_TOKENS_PER_DOC - 1}`);
  assert.equal(tokenize("x".repeat(100))[0].length, 32);
});

Deno.test("tokens - highlights map folded matches back to the original text", () => {
  const text = "生产 ＤＢ-01 Disk 数据库连接失败";
  const r = highlights(text, "db 连接 disk");
  assert.deepEqual(r.map(([s, e]) => text.slice(s, e)), ["ＤＢ", "Disk", "连接"]);
  assert.deepEqual(highlights("nothing here", "gone"), []);
});

Deno.test("tokens - a query looks up every other bigram of a CJK run and the last, covering every character", () => {
  assert.deepEqual(lookupTokens(tokenize("连接失败")), ["连接", "失败"]);
  assert.deepEqual(lookupTokens(tokenize("数据库连接")), ["数据", "库连", "连接"]);
  assert.deepEqual(lookupTokens(tokenize("db 连接 failed 失败了")), [
    "db",
    "连接",
    "failed",
    "失败",
    "败了",
  ]);
  assert.deepEqual(lookupTokens(tokenize("disk full")), ["disk", "full"]);
});
