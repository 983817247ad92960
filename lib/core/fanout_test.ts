import assert from "node:assert/strict";
import { testConfig } from "./config.ts";
import { Fanout, type Hint, shardOf } from "./fanout.ts";
import { keys } from "./keys.ts";

function waitFor(pred: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (pred()) return resolve();
      if (Date.now() > deadline) return reject(new Error("timed out"));
      setTimeout(tick, 5);
    };
    tick();
  });
}

Deno.test("fanout - every commit's hints arrive once, in commit order, though watch coalesces", async () => {
  await using kv = await Deno.openKv(":memory:");
  const config = testConfig({ fanoutShards: 2, fanoutPollMs: 0 });
  const seen: Hint[] = [];
  const reader = new Fanout(kv, config, (h) => seen.push(...h));
  await reader.start();
  const writer = new Fanout(kv, config, () => {});
  // 200 commits fired together: the watch reports far fewer values than commits.
  await Promise.all(
    Array.from(
      { length: 200 },
      (_, i) =>
        writer.commit(
          i % 2,
          () => Promise.resolve({ hints: [{ t: "msg", c: `c${i % 2}`, s: i }], result: i }),
        ),
    ),
  );
  await waitFor(() => seen.length === 200);
  for (const c of ["c0", "c1"]) {
    const seqs = seen.flatMap((h) => h.t === "msg" && h.c === c ? [h.s] : []);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), "per-shard commit order");
    assert.equal(seqs.length, 100);
  }
  await reader.close();
  await writer.close();
});

Deno.test("fanout - a commit whose checks fail is retried with fresh reads; 'done' commits nothing", async () => {
  await using kv = await Deno.openKv(":memory:");
  const fanout = new Fanout(kv, testConfig({ fanoutPollMs: 0 }), () => {});
  let attempts = 0;
  const r = await fanout.commit(0, async (op) => {
    attempts++;
    const e = await kv.get(["x"]);
    if (attempts === 1) await kv.set(["x"], "changed under us");
    op.check(e).set(["x"], "mine");
    return { hints: [], result: attempts };
  });
  assert.equal(r, 2);
  assert.equal((await kv.get(["x"])).value, "mine");
  const before = (await kv.get(keys.fanoutCounter(0))).value;
  assert.equal(await fanout.commit(0, () => Promise.resolve({ done: "skip" })), "skip");
  assert.equal((await kv.get(keys.fanoutCounter(0))).value, before);
});

Deno.test("fanout - log entries missing (expired) trigger a resync instead of silence", async () => {
  await using kv = await Deno.openKv(":memory:");
  const config = testConfig({ fanoutShards: 1, fanoutPollMs: 0 });
  let gaps = 0;
  const reader = new Fanout(kv, config, () => {}, () => gaps++);
  await reader.start();
  // Simulate a reader that fell behind the log's TTL: the counter moved, entries are gone.
  await kv.set(keys.fanoutCounter(0), 5);
  await waitFor(() => gaps > 0);
  await reader.close();
});

Deno.test("fanout - shardOf spreads ids and is stable", () => {
  const counts = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 8000; i++) counts[shardOf(`conv-${i}`, 8)]++;
  for (const c of counts) assert.ok(c > 800 && c < 1200, `uneven: ${counts}`);
  assert.equal(shardOf("abc", 8), shardOf("abc", 8));
});

Deno.test("fanout - a busy SQLite file (two handles writing) is retried, not failed", async () => {
  const dir = await Deno.makeTempDir();
  const a = await Deno.openKv(`${dir}/x.kv`);
  const b = await Deno.openKv(`${dir}/x.kv`);
  try {
    const config = testConfig({ fanoutPollMs: 0 });
    const fa = new Fanout(a, config, () => {});
    const fb = new Fanout(b, config, () => {});
    const results = await Promise.all(
      Array.from(
        { length: 60 },
        (_, i) => (i % 2 ? fa : fb).commit(i % 4, () => Promise.resolve({ hints: [], result: i })),
      ),
    );
    assert.equal(results.length, 60);
    let total = 0;
    for (let s = 0; s < 4; s++) total += (await a.get<number>(keys.fanoutCounter(s))).value ?? 0;
    assert.equal(total, 60, "every commit landed exactly once");
  } finally {
    a.close();
    b.close();
    await Deno.remove(dir, { recursive: true });
  }
});
