import assert from "node:assert/strict";
import { testConfig } from "./config.ts";
import { Fanout, type Hint, shardOf } from "./fanout.ts";
import { keys } from "./keys.ts";
import { noteTimer } from "./timer_wake.ts";
import { refuseEnqueue } from "../../tests/_queues.ts";

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

Deno.test("fanout - a commit staging timers tells its own process at once and others through the log, with no enqueue when queues are off", async () => {
  await using kv = await Deno.openKv(":memory:");
  const undo = refuseEnqueue();
  try {
    const config = testConfig({ fanoutShards: 2, fanoutPollMs: 0, kvQueues: "off" });
    const seen: Hint[] = [];
    const heard: [number, boolean][] = [];
    const reader = new Fanout(kv, config, (h) => seen.push(...h));
    reader.onTimer = (d, here) => heard.push([d, here]);
    await reader.start();
    const writer = new Fanout(kv, config, () => {});
    const own: [number, boolean][] = [];
    writer.onTimer = (d, here) => own.push([d, here]);
    await writer.start();
    await writer.commit(1, (op) => {
      op.set(["t", 1], 1);
      noteTimer(op, 1_000, 5_000);
      noteTimer(op, 1_000, 3_000);
      return Promise.resolve({ hints: [{ t: "msg", c: "c", s: 1 }], result: null });
    });
    assert.deepEqual(own, [[3_000, true]], "the writer woke for the earliest, once");
    await waitFor(() => heard.length > 0 && seen.length > 0);
    assert.deepEqual(heard, [[3_000, false]], "the reader heard the earliest due time");
    assert.deepEqual(seen, [{ t: "msg", c: "c", s: 1 }], "timer hints never reach the hub");
    // Outside the log: only this process is told.
    const op = kv.atomic().set(["t", 2], 2);
    noteTimer(op, 1_000, 2_000);
    assert.equal((await writer.commitUnlogged(op)).ok, true);
    assert.deepEqual(own.at(-1), [2_000, true]);
    await reader.close();
    await writer.close();
  } finally {
    undo();
  }
});

Deno.test("fanout - with queues on, timers get one wake-up per second they come due in, per process", async () => {
  await using kv = await Deno.openKv(":memory:");
  const fanout = new Fanout(kv, testConfig({ fanoutPollMs: 0, kvQueues: "on" }), () => {});
  const got: number[] = [];
  const listening = kv.listenQueue(() => {
    got.push(Date.now());
  });
  const now = Date.now();
  const second = Math.ceil(now / 1000) * 1000;
  // Three timers in one second and one in the next: two wake-ups, each at its second's end.
  await fanout.commit(0, (op) => {
    noteTimer(op, now, second + 100);
    noteTimer(op, now, second + 200);
    noteTimer(op, now, second + 900);
    noteTimer(op, now, second + 1_100);
    return Promise.resolve({ hints: [], result: null });
  });
  // A later commit for a second already asked for adds none; one for a new second does.
  await fanout.commitUnlogged(
    (() => {
      const op = kv.atomic();
      noteTimer(op, now, second + 500);
      return op;
    })(),
  );
  await waitFor(() => got.length >= 2, 6_000);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(got.length, 2);
  assert.ok(got[0] >= second + 1_000 - 5, "not before the end of its second");
  assert.ok(got[1] >= second + 2_000 - 5);
  kv.close();
  await listening;
});
