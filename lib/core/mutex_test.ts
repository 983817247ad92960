import assert from "node:assert/strict";
import { KeyedMutex } from "./mutex.ts";

Deno.test("mutex - holders of one key run one at a time, in order; other keys do not wait", async () => {
  const m = new KeyedMutex();
  const log: string[] = [];
  const job = (key: string, name: string, ms: number) =>
    m.run(key, async () => {
      log.push(`${name}+`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`${name}-`);
    });
  await Promise.all([job("a", "a1", 20), job("a", "a2", 1), job("b", "b1", 1)]);
  assert.deepEqual(log.filter((s) => s.startsWith("a")), ["a1+", "a1-", "a2+", "a2-"]);
  assert.ok(log.indexOf("b1-") < log.indexOf("a1-"), "b did not wait for a");
});

Deno.test("mutex - a throwing holder releases the lock", async () => {
  const m = new KeyedMutex();
  await assert.rejects(m.run("k", () => Promise.reject(new Error("boom"))));
  assert.equal(await m.run("k", () => Promise.resolve(42)), 42);
});
