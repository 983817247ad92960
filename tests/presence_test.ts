/** Presence: online when a stream is open on this process or another one sharing the KV. */
import assert from "node:assert/strict";
import { adminClient, Client, connect, startServer, userClient } from "./_helpers.ts";

Deno.test("presence - a user with a stream on another process shows online; others offline", async () => {
  const dir = await Deno.makeTempDir();
  const kvPath = `${dir}/tocsin.kv`;
  try {
    await using one = await startServer({ kvPath, config: { presenceBeatMs: 0 } });
    await using two = await startServer({ kvPath, config: { presenceBeatMs: 0 } });
    const alice = await adminClient(one);
    const bob = await userClient(one, "Bob");
    const carol = await userClient(one, "Carol");
    const ws = await connect(bob.client);
    const q = `/api/v1/presence?ids=${bob.user.id},${carol.user.id}`;
    // On Bob's own process at once.
    assert.deepEqual((await alice.client.get(q)).json.items, {
      [bob.user.id]: true,
      [carol.user.id]: false,
    });
    // On the other process once Bob's process has recorded its beat.
    const onTwo = new Client(two.url);
    onTwo.cookie = alice.client.cookie;
    assert.equal((await onTwo.get(q)).json.items[bob.user.id], false);
    await one.core.presenceBeat.beat();
    assert.equal((await onTwo.get(q)).json.items[bob.user.id], true);
    assert.equal((await onTwo.get(q)).json.items[carol.user.id], false);
    // Bad input is refused; anonymous callers get 401.
    assert.equal((await alice.client.get("/api/v1/presence?ids=nope")).status, 400);
    assert.equal((await new Client(one.url).get(q)).status, 401);
    ws.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
