import assert from "node:assert/strict";
import { assertGapFree, Client, sleep } from "./_helpers.ts";
import { freePort, prng, ServerProcess } from "./_process.ts";
import { queueTest } from "./_queues.ts";

// Fault suite T1 and T2 at the size the benchmark issue names.
const WRITERS = 4;
const PER_WRITER = 2500;
const CONVERSATIONS = 10;
const KILLS = 3;

/**
 * A subscriber that stays connected through the kills: it reconnects with its
 * cursors (the highest seq it holds per conversation), as the web client does,
 * and records every message frame it is given, in arrival order.
 */
class Subscriber {
  got = new Map<string, number[]>();
  frames = 0;
  #ws: WebSocket | null = null;
  #stopped = false;
  #reconnects = 0;

  constructor(readonly base: string, readonly token: string) {}

  cursors(): Record<string, number> {
    const c: Record<string, number> = {};
    for (const [conv, seqs] of this.got) c[conv] = seqs[seqs.length - 1] ?? 0;
    return c;
  }

  run(): void {
    if (this.#stopped) return;
    const ws = new WebSocket(this.base.replace(/^http/, "ws") + "/api/v1/ws", {
      headers: { authorization: `Bearer ${this.token}` },
    } as unknown as string);
    this.#ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: "hello", cursors: this.cursors() }));
    ws.onmessage = (e) => {
      for (const f of JSON.parse(e.data)) {
        if (f.type === "ready") {
          // Conversations it had no cursor for start at their head; it has seen nothing of them.
          for (const c of f.conversations) if (!this.got.has(c.id)) this.got.set(c.id, []);
        }
        if (f.type !== "message") continue;
        this.frames++;
        const list = this.got.get(f.message.conversationId) ?? [];
        list.push(f.message.seq);
        this.got.set(f.message.conversationId, list);
      }
    };
    ws.onerror = () => {};
    ws.onclose = () => {
      if (this.#stopped) return;
      this.#reconnects++;
      setTimeout(() => this.run(), 50);
    };
  }

  get reconnects(): number {
    return this.#reconnects;
  }

  stop(): void {
    this.#stopped = true;
    this.#ws?.close();
  }
}

queueTest(
  "crash - SIGKILL mid-burst loses no answered message and duplicates none (T1, T2)",
  async () => {
    const seed = Number(Deno.env.get("TOCSIN_TEST_SEED") ?? Date.now() % 1_000_000);
    console.log(`crash test seed ${seed} (set TOCSIN_TEST_SEED to repeat)`);
    const rand = prng(seed);
    const dir = await Deno.makeTempDir();
    // One token sends all 10,000 messages: the per-user send rate limit would only slow the test down.
    await using server = new ServerProcess(`${dir}/tocsin.kv`, freePort(), {
      TOCSIN_SEND_RATE_PER_SEC: "0",
    });
    await server.start();

    // Set up over HTTP: an admin, a token for the writers, some conversations.
    const admin = new Client(server.url);
    assert.equal(
      (await admin.post("/api/v1/setup", {
        email: "a@example.com",
        name: "A",
        password: "a-password",
      })).status,
      201,
    );
    const token = (await admin.post("/api/v1/tokens", { name: "writer" })).json.token;
    const bot = new Client(server.url, token, null);
    const convs: string[] = [];
    for (let i = 0; i < CONVERSATIONS; i++) {
      convs.push(
        (await bot.post("/api/v1/conversations", { kind: "group", title: `c${i}` })).json
          .conversation
          .id,
      );
    }

    // T2: a subscriber connected from the start, before any message (its cursors start at 0).
    const sub = new Subscriber(server.url, token);
    for (const c of convs) sub.got.set(c, []);
    sub.run();
    await sleep(300);

    // Each writer sends its messages one after another and retries an
    // unanswered send with the same clientId until it gets an answer.
    const answered = new Map<string, { conv: string; seq: number }>();
    let unanswered = 0;
    const writer = async (w: number) => {
      for (let i = 0; i < PER_WRITER; i++) {
        const clientId = `w${w}-${i}`;
        const conv = convs[(w + i) % CONVERSATIONS];
        while (true) {
          try {
            const r = await bot.post(`/api/v1/conversations/${conv}/messages`, {
              clientId,
              text: clientId,
            });
            if (r.status === 201 || r.status === 200) {
              const prev = answered.get(clientId);
              if (prev) {
                assert.deepEqual(
                  prev,
                  { conv, seq: r.json.message.seq },
                  "a retry returns the original",
                );
              }
              answered.set(clientId, { conv, seq: r.json.message.seq });
              break;
            }
            if (r.status !== 503) {
              throw new Error(
                `unexpected ${r.status} ${JSON.stringify(r.json)}`,
              );
            }
          } catch (e) {
            if (e instanceof assert.AssertionError) throw e;
            unanswered++;
          }
          await sleep(20);
        }
      }
    };

    const killer = (async () => {
      for (let k = 0; k < KILLS; k++) {
        await sleep(300 + rand() * 1500);
        await server.kill();
        await sleep(rand() * 200);
        await server.start();
      }
    })();
    await Promise.all([...Array.from({ length: WRITERS }, (_, w) => writer(w)), killer]);
    assert.ok(
      unanswered > 0,
      "the kills interrupted some sends (otherwise this test proves nothing)",
    );

    // Restart once more on the same file and check every conversation.
    await server.kill();
    await server.start();
    let total = 0;
    const stored = new Map<string, number>();
    for (const conv of convs) {
      const items: { seq: number; clientId?: string }[] = [];
      let after = 0;
      while (true) {
        const page =
          (await bot.get(`/api/v1/conversations/${conv}/messages?after=${after}&limit=200`)).json;
        items.push(...page.items);
        if (page.cursor === null) break;
        after = page.cursor;
      }
      assertGapFree(items.map((m) => m.seq));
      const texts = items.filter((m) => m.clientId).map((m) => m.clientId!);
      assert.equal(new Set(texts).size, texts.length, `no duplicate in ${conv}`);
      for (const m of items) {
        if (!m.clientId) continue;
        const a = answered.get(m.clientId);
        assert.ok(a, `stored ${m.clientId} was answered`);
        assert.equal(a.seq, m.seq);
      }
      total += texts.length;
      stored.set(conv, items.length);
    }

    // T2: the subscriber ends with exactly the stored messages, once each and in order.
    const deadline = Date.now() + 60_000;
    while (
      Date.now() < deadline && convs.some((c) => (sub.got.get(c)?.length ?? 0) < stored.get(c)!)
    ) {
      await sleep(100);
    }
    sub.stop();
    console.log(`T2 subscriber: ${sub.frames} message frames over ${sub.reconnects} reconnects`);
    assert.ok(sub.reconnects >= KILLS, "the subscriber was cut off by every kill");
    for (const conv of convs) {
      const seqs = sub.got.get(conv)!;
      const want = Array.from({ length: stored.get(conv)! }, (_, i) => i + 1);
      assert.deepEqual(seqs, want, `subscriber saw every message of ${conv} once, in order`);
    }
    assert.equal(answered.size, WRITERS * PER_WRITER);
    assert.equal(total, WRITERS * PER_WRITER, "every answered message is stored exactly once");
    await server.kill();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  },
);
