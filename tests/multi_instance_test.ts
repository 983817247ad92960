import assert from "node:assert/strict";
import { Client, connect, startServer } from "./_helpers.ts";
import { createUser, setup } from "../lib/accounts/users.ts";

Deno.test("fanout - two instances on one KV file deliver each other's messages and receipts", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/shared.kv`;
  try {
    // Two app instances in one process, each with its own KV handle and port.
    // The poll backstop is off, so only kv.watch can carry the events.
    await using a = await startServer({
      kvPath: path,
      config: { fanoutPollMs: 0, deliveredFlushMs: 10 },
    });
    await using b = await startServer({
      kvPath: path,
      config: { fanoutPollMs: 0, deliveredFlushMs: 10 },
    });
    const admin = await setup(a.core, {
      email: "a@example.com",
      name: "A",
      password: "a-password",
    });
    const bob = await createUser(a.core, {
      email: "b@example.com",
      name: "B",
      password: "b-password",
      role: "member",
    });
    const ca = new Client(a.url);
    assert.equal(
      (await ca.post("/api/v1/session", { email: admin.email, password: "a-password" })).status,
      200,
    );
    const cb = new Client(b.url);
    assert.equal(
      (await cb.post("/api/v1/session", { email: bob.email, password: "b-password" })).status,
      200,
    );

    const g =
      (await ca.post("/api/v1/conversations", { kind: "group", title: "x", memberIds: [bob.id] }))
        .json.conversation;
    const wsA = await connect(ca, { hello: { [g.id]: 1 } });
    const wsB = await connect(cb, { hello: { [g.id]: 1 } });

    // A message sent through A reaches a socket on B.
    const posted = await ca.post(`/api/v1/conversations/${g.id}/messages`, {
      clientId: "1",
      text: "via A",
    });
    assert.equal(posted.status, 201);
    const sent = posted.json.message;
    await wsB.until(() => wsB.messages(g.id).some((m) => m.text === "via A"), 5000, "message on B");

    // A receipt made on B reaches a socket on A.
    const r = await cb.post(`/api/v1/conversations/${g.id}/read`, { seq: sent.seq });
    assert.equal(r.status, 200);
    await wsA.until(
      (f) => f.some((x) => x.type === "receipt" && x.userId === bob.id && x.read === sent.seq),
      5000,
      "receipt on A",
    );

    // And the other way round for messages, through the WebSocket itself.
    wsB.send({ type: "send", conversationId: g.id, clientId: "2", text: "via B" });
    await wsA.until(() => wsA.messages(g.id).some((m) => m.text === "via B"), 5000, "message on A");

    // Each process keeps one watch, whatever the number of sockets.
    const more = await Promise.all([1, 2, 3, 4, 5].map(() => connect(ca)));
    assert.equal(a.core.fanout.watches, 1);
    assert.equal(b.core.fanout.watches, 1);
    for (const w of more) w.close();
    wsA.close();
    wsB.close();
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
