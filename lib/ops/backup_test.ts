import assert from "node:assert/strict";
import { ManualClock } from "../core/clock.ts";
import { testConfig } from "../core/config.ts";
import { decodeKeyPart, decodeValue, encodeKeyPart, encodeValue } from "./backup_codec.ts";
import { restoreBackup, writeBackup } from "./backup.ts";

/** Runs a backup of `kv` into a string. */
async function backupText(kv: Deno.Kv, clock = new ManualClock()): Promise<string> {
  const chunks: Uint8Array[] = [];
  await writeBackup(kv, new WritableStream({ write: (c) => void chunks.push(c) }), { clock });
  return new TextDecoder().decode(await new Blob(chunks as BlobPart[]).bytes());
}

function stream(text: string): ReadableStream<Uint8Array> {
  return new Blob([text]).stream();
}

async function entries(kv: Deno.Kv) {
  const out: { key: Deno.KvKey; value: unknown }[] = [];
  for await (const e of kv.list({ prefix: [] })) out.push({ key: e.key, value: e.value });
  return out;
}

Deno.test("backup - every key part and value type comes back as it was", async () => {
  using src = await Deno.openKv(":memory:");
  using dst = await Deno.openKv(":memory:");
  const when = new Date(Date.UTC(2026, 1, 3, 4, 5, 6, 7));
  const values: [Deno.KvKey, unknown][] = [
    [["s", "x"], { a: 1, b: [true, null, "é\n\u0000"], nested: { deep: [1.5, -2] } }],
    [["n", 1, -0.5, 1e300], 42],
    [["big", 12345678901234567890n], 12345678901234567890n],
    [["bytes", new Uint8Array([0, 255, 7])], new Uint8Array([1, 2, 3])],
    [["bool", true, false], false],
    [["u64"], new Deno.KvU64(18446744073709551615n)],
    [["date"], when],
    [["mixed"], {
      when,
      map: new Map<unknown, unknown>([["k", 1], [2, new Set(["a"])]]),
      re: /a+b/gi,
      nan: NaN,
      inf: -Infinity,
      negzero: -0,
      undef: undefined,
      $type: "a field named like the tag",
    }],
    [["str"], "plain"],
    [["nan", NaN, Infinity], null],
  ];
  for (const [k, v] of values) await src.set(k, v);
  const text = await backupText(src);
  const lines = text.trim().split("\n");
  assert.equal(JSON.parse(lines[0]).format, "tocsin-backup");
  assert.deepEqual(JSON.parse(lines.at(-1)!), { end: true, entries: values.length });
  for (const l of lines) JSON.parse(l); // every line is JSON on its own
  const stats = await restoreBackup(dst, stream(text), {
    config: testConfig(),
    clock: new ManualClock(),
  });
  assert.equal(stats.entries, values.length);
  const got = await entries(dst);
  const want = await entries(src);
  assert.deepEqual(got, want);
  const mixed = got.find((e) => e.key[0] === "mixed")!.value as Record<string, unknown>;
  assert.ok(mixed.map instanceof Map && mixed.re instanceof RegExp && mixed.when instanceof Date);
  assert.ok(Object.is(mixed.negzero, -0));
  assert.ok(got.find((e) => e.key[0] === "u64")!.value instanceof Deno.KvU64);
});

Deno.test("backup - key parts and values round-trip through their encodings", () => {
  for (const p of ["", "a", 0, -0, 1.25, NaN, 1n, -3n, true, new Uint8Array([9])]) {
    assert.deepEqual(decodeKeyPart(JSON.parse(JSON.stringify(encodeKeyPart(p)))), p);
  }
  assert.throws(() => decodeKeyPart({ bigint: "1x" }));
  assert.throws(() => decodeKeyPart({ other: 1 }));
  assert.throws(() => decodeValue({ $type: "Function", value: "x" }));
  assert.throws(() => encodeValue(new Uint16Array(2)), /Uint16Array/);
  assert.throws(() => encodeValue(Symbol("s")));
});

Deno.test("restore - refuses a store that is not empty unless forced", async () => {
  using src = await Deno.openKv(":memory:");
  using dst = await Deno.openKv(":memory:");
  await src.set(["a"], 1);
  await dst.set(["b"], 2);
  const text = await backupText(src);
  const opts = { config: testConfig(), clock: new ManualClock() };
  await assert.rejects(restoreBackup(dst, stream(text), opts), /not empty/);
  assert.equal((await dst.get(["a"])).value, null, "nothing was written");
  await restoreBackup(dst, stream(text), { ...opts, force: true });
  assert.equal((await dst.get(["a"])).value, 1);
  assert.equal((await dst.get(["b"])).value, 2);
});

Deno.test("restore - a backup cut short, or altered, is an error", async () => {
  using src = await Deno.openKv(":memory:");
  for (let i = 0; i < 5; i++) await src.set(["e", i], i);
  const text = await backupText(src);
  const lines = text.trim().split("\n");
  const opts = { config: testConfig(), clock: new ManualClock() };
  for (
    const [bad, why] of [
      [lines.slice(0, -1).join("\n"), /cut short/],
      [[...lines.slice(0, 2), ...lines.slice(3)].join("\n"), /says 5 entries, 4 were read/],
      ["", /empty/],
      ['{"format":"other"}\n', /not a Tocsin backup/],
      [[lines[0], '{"k":[],"v":1}'].join("\n"), /line 2: not an entry/],
      [[lines[0], "{not json"].join("\n"), /line 2: not JSON/],
      [[...lines, lines[1]].join("\n"), /after the end/],
    ] as const
  ) {
    using dst = await Deno.openKv(":memory:");
    await assert.rejects(restoreBackup(dst, stream(bad), opts), why);
  }
});

Deno.test("backup - expiring entries follow their prefix's rule", async () => {
  using src = await Deno.openKv(":memory:");
  using dst = await Deno.openKv(":memory:");
  const clock = new ManualClock();
  const now = clock.now();
  await src.set(["rate_limits", "login", "x", 1], { n: 1, last: 0 }, { expireIn: 60_000 });
  await src.set(["fanout_log", 0, 1], [], { expireIn: 60_000 });
  await src.set(["sessions", "live"], { userId: "u", expiresAt: now + 3_600_000 }, {
    expireIn: 3_600_000,
  });
  await src.set(["sessions", "gone"], { userId: "u", expiresAt: now - 1 });
  await src.set(["api_tokens", "t"], { id: "t", expiresAt: null });
  await src.set(["messages_by_client_id", "c", "u", "id"], 3, { expireIn: 1000 });
  await src.set(["users", "u"], { id: "u" });
  const chunks: Uint8Array[] = [];
  const b = await writeBackup(src, new WritableStream({ write: (c) => void chunks.push(c) }), {
    clock,
  });
  assert.deepEqual({ ...b.skipped }, { rate_limits: 1, fanout_log: 1 });
  const r = await restoreBackup(dst, new Blob(chunks as BlobPart[]).stream(), {
    config: testConfig(),
    clock,
  });
  assert.deepEqual({ ...r.skipped }, { sessions: 1 }, "the expired session is left out");
  const keys = (await entries(dst)).map((e) => e.key.join("/"));
  assert.deepEqual(keys, [
    "api_tokens/t",
    "messages_by_client_id/c/u/id",
    "sessions/live",
    "users/u",
  ]);
});
