/**
 * Group commit beneath the chat and alert functions: many writes to one conversation wait for
 * one shard, commit together, and still get consecutive seqs, their clientId checks and their
 * answers after the commit.
 */
import assert from "node:assert/strict";
import { testConfig } from "../lib/core/config.ts";
import { Fanout } from "../lib/core/fanout.ts";
import { keys } from "../lib/core/keys.ts";
import { appendBase, stageAppend } from "../lib/chat/messages.ts";
import type { Head, Message } from "../lib/chat/model.ts";
import { assertGapFree } from "./_helpers.ts";

Deno.test("group commit - appends to one conversation in one group follow each other: gap-free, each answered after its commit", async () => {
  await using kv = await Deno.openKv(":memory:");
  const fanout = new Fanout(kv, testConfig({ fanoutShards: 1, fanoutPollMs: 0 }), () => {});
  const append = (i: number) =>
    fanout.commit<{ seq: number; created: boolean }>(0, async (op) => {
      // A clientId-like record per write, checked as sendMessage checks it.
      const [head, dup] = await kv.getMany<[Head, number]>([keys.head("c"), ["cid", i % 25]]);
      if (dup.value !== null) return { done: { seq: dup.value, created: false } };
      const m = stageAppend(op, head, "c", { kind: "text", senderId: "u", text: `m${i}` }, 1);
      op.check(dup).set(["cid", i % 25], m.seq);
      return { hints: [{ t: "msg", c: "c", s: m.seq }], result: { seq: m.seq, created: true } };
    }).then(async (r) => {
      if (r.created) assert.ok((await kv.get(keys.message("c", r.seq))).value, "stored by then");
      return r;
    });
  // 30 writes, of which 5 repeat an earlier clientId (i and i + 25).
  const results = await Promise.all(Array.from({ length: 30 }, (_, i) => append(i)));
  const created = results.filter((r) => r.created).map((r) => r.seq).sort((a, b) => a - b);
  assert.equal(created.length, 25, "each clientId stored once");
  assertGapFree(created);
  for (let i = 25; i < 30; i++) {
    assert.equal(results[i].created, false);
    assert.equal(results[i].seq, results[i - 25].seq, "the repeat got the original's seq");
  }
  const stored: Message[] = [];
  for await (const e of kv.list<Message>({ prefix: keys.messages("c") })) stored.push(e.value);
  assertGapFree(stored.map((m) => m.seq));
  assert.equal(stored.length, 25);
  assert.equal((await kv.get<Head>(keys.head("c"))).value?.seq, 25);
  let entries = 0;
  for await (const _ of kv.list({ prefix: ["fanout_log", 0] })) entries++;
  assert.ok(entries < 25, `25 appends to one conversation in ${entries} commits`);
});

Deno.test("group commit - lanes build side by side; a write never follows one that arrived after it, so nothing leaves a gap", async () => {
  await using kv = await Deno.openKv(":memory:");
  const fanout = new Fanout(kv, testConfig({ fanoutShards: 1, fanoutPollMs: 0 }), () => {});
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const order: string[] = [];
  // `lane` writes to conversation `c`; `slow` ones take a while to build, so a write that
  // arrived after them (in another lane) finishes building first.
  const append = (name: string, lane: string | undefined, slowMs: number) =>
    fanout.commit<number>(0, async (op) => {
      const head = await kv.get<Head>(keys.head("c"));
      await sleep(slowMs);
      order.push(name);
      const m = stageAppend(op, head, "c", { kind: "text", senderId: "u", text: name }, 1);
      return { hints: [{ t: "msg", c: "c", s: m.seq }], result: m.seq };
    }, lane);
  // The first write holds the shard while the others queue up into one group.
  const blocker = append("blocker", undefined, 30);
  await sleep(5);
  const rest = [
    append("slow-serial", undefined, 40),
    append("quick-lane-a", "a", 0),
    append("quick-lane-b", "b", 0),
    append("slow-lane-a", "a", 20),
  ];
  const seqs = await Promise.all([blocker, ...rest]);
  assert.ok(
    order.indexOf("quick-lane-a") < order.indexOf("slow-serial"),
    `lanes were built side by side: ${order.join(", ")}`,
  );
  assert.ok(
    order.indexOf("quick-lane-a") < order.indexOf("slow-lane-a"),
    "a lane builds in arrival order",
  );
  assert.equal(new Set(seqs).size, seqs.length, "every write its own seq");
  const stored: Message[] = [];
  for await (const e of kv.list<Message>({ prefix: keys.messages("c") })) stored.push(e.value);
  assertGapFree(stored.map((m) => m.seq));
  assert.deepEqual(stored.map((m) => m.seq).sort((a, b) => a - b), [...seqs].sort((a, b) => a - b));
  assert.equal((await kv.get<Head>(keys.head("c"))).value?.seq, 5);
});

Deno.test("group commit - two writes built on the same staged head never both commit: the second waits and every message is kept", async () => {
  await using kv = await Deno.openKv(":memory:");
  const fanout = new Fanout(kv, testConfig({ fanoutShards: 1, fanoutPollMs: 0 }), () => {});
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const append = (text: string, lane: string | undefined, slowMs: number) =>
    fanout.commit<number>(0, async (op) => {
      const head = await kv.get<Head>(keys.head("c"));
      await sleep(slowMs);
      const m = stageAppend(op, head, "c", { kind: "text", senderId: "u", text }, 1);
      return { hints: [{ t: "msg", c: "c", s: m.seq }], result: m.seq };
    }, lane);
  const blocker = append("blocker", undefined, 30);
  await sleep(5);
  // w0 and w2 share a lane and build at once; w1 (another lane, arrived between them) builds
  // last, so w1 and w2 both follow w0's staged head.
  const w0 = append("w0", "c", 0);
  const w1 = append("w1", undefined, 40);
  const w2 = append("w2", "c", 5);
  const seqs = await Promise.all([blocker, w0, w1, w2]);
  assert.equal(new Set(seqs).size, 4, `every write its own seq: ${seqs}`);
  const stored = new Map<number, string>();
  for await (const e of kv.list<Message>({ prefix: keys.messages("c") })) {
    stored.set(e.value.seq, e.value.text);
  }
  assertGapFree([...stored.keys()]);
  for (const [i, text] of ["blocker", "w0", "w1", "w2"].entries()) {
    assert.equal(stored.get(seqs[i]), text, `${text} is stored at the seq it was answered with`);
  }
});

Deno.test("group commit - a write that reads the staged head twice (before and after an await) gets the same answer both times", async () => {
  await using kv = await Deno.openKv(":memory:");
  const fanout = new Fanout(kv, testConfig({ fanoutShards: 1, fanoutPollMs: 0 }), () => {});
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const send = (text: string, slowMs: number) =>
    fanout.commit<number>(0, async (op) => {
      const head = await kv.get<Head>(keys.head("c"));
      await sleep(slowMs);
      const m = stageAppend(op, head, "c", { kind: "text", senderId: "u", text }, 1);
      return { hints: [{ t: "msg", c: "c", s: m.seq }], result: m.seq };
    }, "c");
  // Shaped like adding a member: the seq the member joins at, a read, then the system message
  // that announces it (lib/chat/conversations.ts changeGroup).
  const addMember = () =>
    fanout.commit<{ joinedSeq: number; seq: number }>(0, async (op) => {
      const head = await kv.get<Head>(keys.head("c"));
      const joinedSeq = appendBase(op, head, "c");
      await sleep(30);
      op.set(["member", "c", "new"], { joinedSeq });
      const m = stageAppend(op, head, "c", { kind: "system", senderId: null, text: "added" }, 1);
      return { hints: [{ t: "msg", c: "c", s: m.seq }], result: { joinedSeq, seq: m.seq } };
    });
  const blocker = send("blocker", 30);
  await sleep(5);
  const a = send("a", 10);
  const g = addMember();
  const [, , added] = await Promise.all([blocker, a, g]);
  assert.equal(
    added.joinedSeq,
    added.seq - 1,
    "the member joins just before the message saying so",
  );
  const stored: number[] = [];
  for await (const e of kv.list<Message>({ prefix: keys.messages("c") })) stored.push(e.value.seq);
  assertGapFree(stored);
  assert.equal(stored.length, 3);
});
