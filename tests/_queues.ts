/**
 * Runs timer tests twice: with KV queues, and without them, the second time
 * with every commit that carries an enqueue refused exactly as Deno's KV
 * Connect client refuses it (a denokv server, Deno Deploy KV from outside).
 * Child processes get the same refusal from tests/_no_queues_preload.ts.
 */
import type { Config } from "../lib/core/config.ts";

export type QueueMode = "queues" | "no queues";
export const QUEUE_MODES: readonly QueueMode[] = ["queues", "no queues"];

/**
 * KV Connect's message. Its client takes enqueue() like any other mutation and refuses the
 * commit: the promise commit() returns rejects with a plain Error (the Rust error class is
 * "generic"), whatever the operation's checks would have decided.
 */
export const KV_CONNECT_ENQUEUE_ERROR = "Enqueue operations are not supported in KV Connect";

let current: QueueMode = "queues";

/** The mode of the test running now (tests of one file run one at a time). */
export function queueMode(): QueueMode {
  return current;
}

/** The config a server of the running test's mode needs. */
export function queueModeConfig(mode: QueueMode = current): Partial<Config> {
  return { kvQueues: mode === "queues" ? "on" : "off" };
}

/**
 * Makes every commit that carries an enqueue reject as KV Connect does, and listenQueue throw
 * (a guard: with queues off it must never be called). Returns the undo.
 */
export function refuseEnqueue(): () => void {
  const op = Deno.AtomicOperation.prototype;
  const { enqueue, commit } = op;
  const listenQueue = Deno.Kv.prototype.listenQueue;
  const carrying = new WeakSet<Deno.AtomicOperation>();
  op.enqueue = function (this: Deno.AtomicOperation, ...args: Parameters<typeof enqueue>) {
    carrying.add(this);
    return enqueue.apply(this, args);
  };
  op.commit = function (this: Deno.AtomicOperation) {
    if (carrying.has(this)) return Promise.reject(new Error(KV_CONNECT_ENQUEUE_ERROR));
    return commit.apply(this);
  };
  Deno.Kv.prototype.listenQueue = function () {
    throw new Error("listenQueue called while queues are off");
  };
  return () => {
    op.enqueue = enqueue;
    op.commit = commit;
    Deno.Kv.prototype.listenQueue = listenQueue;
  };
}

type TestFn = (t: Deno.TestContext) => void | Promise<void>;

/**
 * Deno.test, registered once per queue mode (the name gets ` [queues]` or ` [no queues]`).
 * In the second, servers started with tests/_helpers.ts or tests/_process.ts run with
 * TOCSIN_KV_QUEUES=off and enqueue refused.
 */
export function queueTest(name: string, fn: TestFn): void;
export function queueTest(def: Deno.TestDefinition): void;
export function queueTest(a: string | Deno.TestDefinition, b?: TestFn): void {
  const def: Deno.TestDefinition = typeof a === "string" ? { name: a, fn: b! } : a;
  for (const mode of QUEUE_MODES) {
    Deno.test({
      ...def,
      name: `${def.name} [${mode}]`,
      async fn(t) {
        current = mode;
        const undo = mode === "no queues" ? refuseEnqueue() : () => {};
        try {
          await def.fn(t);
        } finally {
          undo();
          current = "queues";
        }
      },
    });
  }
}
