import assert from "node:assert/strict";
import { testConfig } from "./config.ts";
import { ApiError } from "./errors.ts";
import { type Attempt, Fanout, type Hint } from "./fanout.ts";
import { keys } from "./keys.ts";
import { noteAppended } from "./staged_op.ts";

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

/** The log entries of a shard: their numbers and hints. */
async function logOf(kv: Deno.Kv, shard: number): Promise<{ n: number; hints: Hint[] }[]> {
  const out: { n: number; hints: Hint[] }[] = [];
  for await (const e of kv.list<Hint[]>({ prefix: ["fanout_log", shard] })) {
    out.push({ n: e.key[2] as number, hints: e.value });
  }
  return out;
}

const write =
  (key: Deno.KvKey, value: unknown, hints: Hint[] = []) => (op: Deno.AtomicOperation) => {
    op.check({ key, versionstamp: null }).set(key, value);
    return Promise.resolve({ hints, result: value } as Attempt<unknown>);
  };

Deno.test("group commit - writes waiting together share one commit; each answer comes after it", async () => {
  await using kv = await Deno.openKv(":memory:");
  const config = testConfig({ fanoutShards: 1, fanoutPollMs: 0 });
  const seen: Hint[] = [];
  const reader = new Fanout(kv, config, (h) => seen.push(...h));
  await reader.start();
  const writer = new Fanout(kv, config, () => {});
  const answered: Promise<void>[] = [];
  for (let i = 0; i < 20; i++) {
    answered.push(
      writer.commit(0, write(["w", i], i, [{ t: "msg", c: "c", s: i + 1 }])).then(async (r) => {
        assert.equal(r, i);
        // Answered only once its commit is made: the write is readable by then.
        assert.equal((await kv.get(["w", i])).value, i);
      }),
    );
  }
  await Promise.all(answered);
  const log = await logOf(kv, 0);
  assert.ok(log.length < 20, `20 writes in ${log.length} commits: they were grouped`);
  assert.equal((await kv.get(keys.fanoutCounter(0))).value, 20, "the counter counts writes");
  await waitFor(() => seen.filter((h) => h.t === "msg").length === 20);
  assert.deepEqual(
    seen.flatMap((h) => h.t === "msg" ? [h.s] : []),
    Array.from({ length: 20 }, (_, i) => i + 1),
    "every write's hint once, in order; the group marker is not handed out",
  );
  assert.equal(seen.some((h) => h.t === "group"), false);
  await reader.close();
  await writer.close();
});

Deno.test("group commit - a duplicate or a failing write in a group does not fail its neighbours", async () => {
  await using kv = await Deno.openKv(":memory:");
  const fanout = new Fanout(kv, testConfig({ fanoutShards: 1, fanoutPollMs: 0 }), () => {});
  // A clientId-style claim: the second claim of the same key finds the first and stops ("done").
  const claim = (id: string, n: number) => async (op: Deno.AtomicOperation) => {
    const e = await kv.get<number>(["claims", id]);
    if (e.value !== null) return { done: { n: e.value, created: false } };
    op.check(e).set(["claims", id], n);
    return { hints: [], result: { n, created: true } };
  };
  const results = await Promise.allSettled([
    fanout.commit(0, write(["a"], 1)),
    fanout.commit(0, claim("x", 1)),
    fanout.commit(0, () => Promise.reject(new ApiError("not_found", "no such thing"))),
    fanout.commit(0, claim("x", 2)),
    fanout.commit(0, write(["b"], 2)),
    fanout.commit(0, claim("y", 3)),
  ]);
  assert.deepEqual(results.map((r) => r.status), [
    "fulfilled",
    "fulfilled",
    "rejected",
    "fulfilled",
    "fulfilled",
    "fulfilled",
  ]);
  const values = results.map((r) => r.status === "fulfilled" ? r.value : null);
  assert.deepEqual(values[1], { n: 1, created: true });
  assert.deepEqual(values[3], { n: 1, created: false }, "the duplicate got the original");
  assert.deepEqual(values[5], { n: 3, created: true });
  assert.equal((await kv.get(["claims", "x"])).value, 1);
  assert.equal((await kv.get(["a"])).value, 1);
  assert.equal((await kv.get(["b"])).value, 2);
});

Deno.test("group commit - a write whose check can never pass fails alone, after its attempts", async () => {
  await using kv = await Deno.openKv(":memory:");
  const config = testConfig({ fanoutShards: 1, fanoutPollMs: 0, commitMaxAttempts: 4 });
  const fanout = new Fanout(kv, config, () => {});
  await kv.set(["stale"], 0);
  const doomed = (op: Deno.AtomicOperation) => {
    op.check({ key: ["stale"], versionstamp: "00000000000000000001" }).set(["stale"], 1);
    return Promise.resolve({ hints: [], result: "doomed" } as Attempt<string>);
  };
  const results = await Promise.allSettled([
    fanout.commit(0, write(["g", 0], 0)),
    fanout.commit(0, doomed),
    ...Array.from({ length: 8 }, (_, i) => fanout.commit(0, write(["g", i + 1], i + 1))),
  ]);
  assert.equal(results[1].status, "rejected");
  assert.equal(
    (results[1] as PromiseRejectedResult).reason instanceof ApiError &&
      (results[1] as PromiseRejectedResult).reason.code,
    "unavailable",
  );
  for (const [i, r] of results.entries()) if (i !== 1) assert.equal(r.status, "fulfilled");
  for (let i = 0; i <= 8; i++) assert.equal((await kv.get(["g", i])).value, i);
  assert.equal((await kv.get(["stale"])).value, 0);
});

Deno.test("group commit - a group past KV's limits (mutations, checks, bytes) splits into several commits", async () => {
  await using kv = await Deno.openKv(":memory:");
  const fanout = new Fanout(kv, testConfig({ fanoutShards: 3, fanoutPollMs: 0 }), () => {});
  // 4 x 400 mutations: more than 1,000 in one commit.
  const many = (i: number) => (op: Deno.AtomicOperation) => {
    for (let j = 0; j < 400; j++) op.set(["m", i, j], j);
    return Promise.resolve({ hints: [], result: i } as Attempt<number>);
  };
  // 40 x 3 checks: more than 100.
  const checks = (i: number) => (op: Deno.AtomicOperation) => {
    for (let j = 0; j < 3; j++) op.check({ key: ["c", i, j], versionstamp: null });
    op.set(["c", i, "done"], true);
    return Promise.resolve({ hints: [], result: i } as Attempt<number>);
  };
  // 4 x 5 values of 50 KB: more than 800 KB.
  const big = (i: number) => (op: Deno.AtomicOperation) => {
    for (let j = 0; j < 5; j++) op.set(["b", i, j], String(i).repeat(50_000));
    return Promise.resolve({ hints: [], result: i } as Attempt<number>);
  };
  const r = await Promise.all([
    ...Array.from({ length: 4 }, (_, i) => fanout.commit(0, many(i))),
    ...Array.from({ length: 40 }, (_, i) => fanout.commit(1, checks(i))),
    ...Array.from({ length: 4 }, (_, i) => fanout.commit(2, big(i))),
  ]);
  assert.equal(r.length, 48);
  for (let i = 0; i < 4; i++) assert.equal((await kv.get(["m", i, 399])).value, 399);
  for (let i = 0; i < 40; i++) assert.equal((await kv.get(["c", i, "done"])).value, true);
  for (let i = 0; i < 4; i++) {
    assert.equal((await kv.get<string>(["b", i, 4])).value?.length, 50_000);
  }
  assert.ok((await logOf(kv, 0)).length >= 2, "1,600 mutations took at least two commits");
  assert.ok((await logOf(kv, 1)).length >= 2, "120 checks took at least two commits");
  assert.ok((await logOf(kv, 2)).length >= 2, "1 MB took at least two commits");
  for (let s = 0; s < 3; s++) {
    assert.equal((await kv.get(keys.fanoutCounter(s))).value, s === 1 ? 40 : 4);
  }
});

Deno.test("group commit - a small appended message travels inside its log entry; a large one does not", async () => {
  await using kv = await Deno.openKv(":memory:");
  const config = testConfig({ fanoutShards: 1, fanoutPollMs: 0, fanoutInlineChars: 1_000 });
  const seen: Hint[] = [];
  const reader = new Fanout(kv, config, (h) => seen.push(...h));
  await reader.start();
  const writer = new Fanout(kv, config, () => {});
  const append = (seq: number, text: string) => (op: Deno.AtomicOperation) => {
    const message = { conversationId: "c", seq, text };
    op.set(["messages", "c", seq], message);
    noteAppended(op, message);
    return Promise.resolve({ hints: [{ t: "msg", c: "c", s: seq }], result: seq } as Attempt<
      number
    >);
  };
  await Promise.all([
    writer.commit(0, append(1, "small")),
    writer.commit(0, append(2, "x".repeat(2_000))),
  ]);
  await waitFor(() => seen.length === 2);
  const [a, b] = seen;
  assert.ok(a.t === "msg" && b.t === "msg");
  assert.deepEqual(a.m, { conversationId: "c", seq: 1, text: "small" });
  assert.equal(b.m, undefined);
  await reader.close();
  await writer.close();
});
