import assert from "node:assert/strict";
import { KeepaliveRing } from "./keepalive.ts";
import { Subscriber } from "./subscriber.ts";
import type { ServerFrame } from "../protocol.ts";

function sub(got: ServerFrame[][]): Subscriber {
  const sink = { write: (f: ServerFrame[]) => got.push(f), close() {}, buffered: () => 0 };
  return new Subscriber("u", null, sink, 0, 1 << 20, () => {});
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("keepalive ring - each socket hears one every interval, spread over it; none after it leaves; no timer when empty", async () => {
  // 40 ms: one slot (ticks are at most a second), so every socket each 40 ms.
  const ring = new KeepaliveRing(40, () => 7);
  const a: ServerFrame[][] = [];
  const b: ServerFrame[][] = [];
  const sa = sub(a);
  const sb = sub(b);
  ring.add(sa);
  ring.add(sb);
  const count = (got: ServerFrame[][]) => got.flat().filter((f) => f.type === "keepalive").length;
  // Two each within a few intervals (a loaded machine delays timers; they must still come).
  const deadline = Date.now() + 2_000;
  while ((count(a) < 2 || count(b) < 2) && Date.now() < deadline) await sleep(10);
  assert.ok(count(a) >= 2, `a got ${count(a)}`);
  assert.ok(count(b) >= 2, `b got ${count(b)}`);
  assert.deepEqual(a.flat()[0], { type: "keepalive", t: 7 });
  ring.delete(sa);
  // A keepalive pushed just before it left may still be flushed (coalescing: a 0 ms timer).
  await sleep(10);
  const before = count(a);
  await sleep(100);
  assert.equal(count(a), before, "none after it left");
  ring.delete(sb);
  assert.equal(ring.size, 0);
  // The test's op sanitizer fails it if the ring's interval were still running here.
});

Deno.test("keepalive ring - with a 3 s interval, sockets are spread over three one-second slots", async () => {
  const ring = new KeepaliveRing(3_000, () => 0);
  const got = [[], [], [], [], [], []] as ServerFrame[][][];
  const subs = got.map(sub);
  for (const s of subs) ring.add(s);
  await sleep(1_150);
  // One tick so far: the first slot's two sockets (the 1st and 4th added).
  const heard = got.map((g) => g.flat().length);
  assert.deepEqual(heard, [1, 0, 0, 1, 0, 0]);
  for (const s of subs) ring.delete(s);
  assert.equal(ring.size, 0);
});
