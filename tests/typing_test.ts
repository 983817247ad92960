/**
 * Typing notices: reach the other members' sockets (not the typist's, not outsiders'), are
 * rate-limited, work over HTTP for clients without a socket, and are never stored as messages.
 */
import assert from "node:assert/strict";
import { adminClient, connect, sleep, startServer, userClient } from "./_helpers.ts";
import type { ServerFrame } from "../lib/protocol.ts";

const typingOf = (fs: ServerFrame[]) =>
  fs.filter((f) => f.type === "typing") as Extract<ServerFrame, { type: "typing" }>[];

Deno.test("typing - a member's notice reaches the others live, once per interval, never as a message", async () => {
  await using srv = await startServer();
  const alice = await adminClient(srv);
  const bob = await userClient(srv, "Bob");
  const eve = await userClient(srv, "Eve");
  const conv = (await alice.client.post("/api/v1/conversations", {
    kind: "group",
    title: "ops",
    memberIds: [bob.user.id],
  })).json.conversation.id as string;
  const wsA = await connect(alice.client);
  const wsB = await connect(bob.client);
  const wsE = await connect(eve.client);
  wsB.send({ type: "typing", conversationId: conv });
  wsB.send({ type: "typing", conversationId: conv });
  await wsA.until((fs) => typingOf(fs).length > 0, 5000, "typing frame");
  await sleep(300);
  assert.deepEqual(typingOf(wsA.frames), [{
    type: "typing",
    conversationId: conv,
    userId: bob.user.id,
  }]);
  assert.equal(typingOf(wsB.frames).length, 0, "not to the typist");
  assert.equal(typingOf(wsE.frames).length, 0, "not to an outsider");
  // An outsider's notice goes nowhere; over HTTP it is 404.
  wsE.send({ type: "typing", conversationId: conv });
  assert.equal((await eve.client.post(`/api/v1/conversations/${conv}/typing`)).status, 404);
  // HTTP, for clients without a socket (a fresh typist, so not rate-limited).
  assert.equal((await alice.client.post(`/api/v1/conversations/${conv}/typing`)).status, 204);
  await wsB.until((fs) => typingOf(fs).length > 0, 5000, "typing over HTTP");
  await sleep(200);
  assert.equal(typingOf(wsA.frames).length, 1);
  const items = (await alice.client.get(`/api/v1/conversations/${conv}/messages`)).json.items;
  assert.equal(items.length, 1, "only the created notice: typing is not stored");
  for (const ws of [wsA, wsB, wsE]) ws.close();
});
