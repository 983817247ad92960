import assert from "node:assert/strict";
import { EmailSchema, nameKey, NameSchema } from "./schemas.ts";

Deno.test("NameSchema - refuses bidi controls and invisible format characters", () => {
  const bad = [
    "evil\u202Egnp.exe", // right-to-left override
    "a\u202Ab",
    "a\u202Db",
    "a\u2066b\u2069", // isolates
    "a\u2067b",
    "a\u2068b",
    "a\u200Eb", // left-to-right mark
    "a\u200Bb", // zero-width space
    "a\uFEFFb", // BOM
    "a\u00ADb", // soft hyphen
    "a\u2060b", // word joiner
    "a\u3164b", // Hangul filler
    "a\u0007b",
    "a\nb",
    "\u200B",
  ];
  for (const s of bad) assert.equal(NameSchema.safeParse(s).success, false, JSON.stringify(s));
});

Deno.test("NameSchema - keeps real names: CJK, accents, emoji sequences, ZWNJ", () => {
  for (const s of ["张伟", "Zoë", "👨‍👩‍👧 family", "می‌خواهم", "🏳️‍🌈 ops", "O'Brien-Smith"]) {
    assert.equal(NameSchema.safeParse(s).success, true, JSON.stringify(s));
  }
});

Deno.test("NameSchema - NFC-normalises and trims", () => {
  assert.equal(NameSchema.parse("  Zoe\u0308 "), "Zo\u00EB");
});

Deno.test("nameKey - names differing only in normalisation, zero-width characters or case collide", () => {
  const k = nameKey("Café Ops");
  assert.equal(nameKey("Cafe\u0301 Ops"), k);
  assert.equal(nameKey("CAFÉ OPS"), k);
  assert.equal(nameKey("Caf\u200Dé Ops"), k);
  assert.equal(nameKey("Ｃａｆé Ｏｐｓ"), k); // full-width
  assert.notEqual(nameKey("Cafe Ops"), k);
});

Deno.test("EmailSchema - normalises look-alike spellings to one address", () => {
  assert.equal(EmailSchema.parse(" ＡＤＭＩＮ@example.com "), "admin@example.com");
  assert.equal(EmailSchema.safeParse("ad\u200Bmin@example.com").success, false);
  assert.equal(EmailSchema.safeParse("ad\u202Emin@example.com").success, false);
});
