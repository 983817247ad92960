/**
 * `deno run -A bench/group_commit.ts`: the write path alone, in one process, on a temp KV file:
 * message appends (stageAppend, a clientId record and the sender's receipts, as sendMessage
 * stages them) from 200 concurrent writers to 100 conversations, with group commit off
 * (TOCSIN_GROUP_COMMIT_MAX=1) and on (the default), alternately, so that both meet the same
 * machine load. Prints appends/s per round and the median ratio.
 */
import { testConfig } from "../lib/core/config.ts";
import { Fanout } from "../lib/core/fanout.ts";
import { keys } from "../lib/core/keys.ts";
import { stageAppend } from "../lib/chat/messages.ts";
import type { Head } from "../lib/chat/model.ts";

const SECONDS = Number(Deno.args.find((a) => a.startsWith("--seconds="))?.slice(10) ?? 3);
const ROUNDS = Number(Deno.args.find((a) => a.startsWith("--rounds="))?.slice(9) ?? 3);
const CONVERSATIONS = 100;
const WRITERS = 200;

async function run(groupCommitMax: number): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "tocsin-gc-" });
  const kv = await Deno.openKv(`${dir}/kv.sqlite3`);
  const fanout = new Fanout(kv, testConfig({ groupCommitMax, fanoutPollMs: 0 }), () => {});
  let done = 0;
  let n = 0;
  const end = performance.now() + SECONDS * 1000;
  const writer = async (w: number) => {
    while (performance.now() < end) {
      const conv = `c${(w + n++) % CONVERSATIONS}`;
      const clientId = `w${w}-${n}`;
      const user = `u${w}`;
      await fanout.commit(fanout.shard(conv), async (op) => {
        const [head, dup] = await kv.getMany<[Head, number]>([
          keys.head(conv),
          keys.messageByClientId(conv, user, clientId),
        ]);
        const m = stageAppend(op, head, conv, { kind: "text", senderId: user, text: "hi" }, 1);
        op.check(dup).set(dup.key, m.seq, { expireIn: 60_000 })
          .max(keys.read(conv, user), BigInt(m.seq))
          .max(keys.delivered(conv, user), BigInt(m.seq));
        return { hints: [{ t: "msg", c: conv, s: m.seq }], result: m.seq };
      });
      done++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  const rate = done / ((performance.now() - t0) / 1000);
  await fanout.close();
  kv.close();
  await Deno.remove(dir, { recursive: true });
  return Math.round(rate);
}

if (import.meta.main) {
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const off = await run(1);
    const on = await run(64);
    ratios.push(on / off);
    console.log(`round ${r + 1}: group commit off ${off} appends/s, on ${on} appends/s`);
  }
  ratios.sort((a, b) => a - b);
  console.log(`median on/off: ${ratios[Math.floor(ratios.length / 2)].toFixed(2)}`);
}
