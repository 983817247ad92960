import assert from "node:assert/strict";
import { assertGapFree, Client, sleep } from "./_helpers.ts";
import { freePort, prng, ServerProcess } from "./_process.ts";

const WRITERS = 4;
const PER_WRITER = 250;
const CONVERSATIONS = 5;
const KILLS = 2;

Deno.test("crash - SIGKILL mid-burst loses no answered message and duplicates none", async () => {
  const seed = Number(Deno.env.get("TOCSIN_TEST_SEED") ?? Date.now() % 1_000_000);
  console.log(`crash test seed ${seed} (set TOCSIN_TEST_SEED to repeat)`);
  const rand = prng(seed);
  const dir = await Deno.makeTempDir();
  await using server = new ServerProcess(`${dir}/tocsin.kv`, freePort());
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
      (await bot.post("/api/v1/conversations", { kind: "group", title: `c${i}` })).json.conversation
        .id,
    );
  }

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
          if (r.status !== 503) throw new Error(`unexpected ${r.status} ${JSON.stringify(r.json)}`);
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
      await sleep(300 + rand() * 700);
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
  }
  assert.equal(answered.size, WRITERS * PER_WRITER);
  assert.equal(total, WRITERS * PER_WRITER, "every answered message is stored exactly once");
  await server.kill();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
});
