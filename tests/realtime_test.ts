import assert from "node:assert/strict";
import {
  adminClient,
  assertGapFree,
  type Client,
  connect,
  sleep,
  startServer,
  userClient,
} from "./_helpers.ts";

async function group(owner: Client, memberIds: string[], title = "g") {
  const r = await owner.post("/api/v1/conversations", { kind: "group", title, memberIds });
  return r.json.conversation as { id: string; seq: number };
}

Deno.test("ws - replay after cursors, then live, with no gap and no duplicate while commits race", async () => {
  await using srv = await startServer();
  const { client: a } = await adminClient(srv);
  const { client: b, user: ub } = await userClient(srv, "Bob");
  const g = await group(a, [ub.id]);
  const url = `/api/v1/conversations/${g.id}/messages`;
  for (let i = 0; i < 30; i++) await a.post(url, { clientId: `pre${i}`, text: `pre ${i}` });
  // Keep committing while Bob connects and replays from seq 5.
  let n = 0;
  let stop = false;
  const writer = (async () => {
    while (!stop && n < 200) await a.post(url, { clientId: `live${n}`, text: `live ${n++}` });
  })();
  await sleep(5);
  const ws = await connect(b, { hello: { [g.id]: 5 } });
  await sleep(50);
  stop = true;
  await writer;
  const total = 1 + 30 + n;
  await ws.until(() => ws.messages(g.id).length >= total - 5, 5000, `${total - 5} messages`);
  await sleep(100);
  const seqs = ws.messages(g.id).map((m) => m.seq);
  assert.deepEqual(
    seqs,
    Array.from({ length: total - 5 }, (_, i) => i + 6),
    "exactly 6..N in order",
  );
  assert.equal(ws.frames[0].type, "ready", "ready comes first");
  ws.close();
});

Deno.test("ws - a fresh socket without cursors starts at the head and learns the conversations", async () => {
  await using srv = await startServer();
  const { client: a } = await adminClient(srv);
  const g = await group(a, []);
  await a.post(`/api/v1/conversations/${g.id}/messages`, { clientId: "x", text: "old" });
  const ws = await connect(a);
  const ready = ws.frames.find((f) => f.type === "ready");
  assert.deepEqual(ready && ready.type === "ready" && ready.conversations, [{ id: g.id, seq: 2 }]);
  await a.post(`/api/v1/conversations/${g.id}/messages`, { clientId: "y", text: "new" });
  await ws.until(() => ws.messages(g.id).length === 1);
  assert.equal(ws.messages(g.id)[0].text, "new");
  ws.close();
});

Deno.test("ws - send is answered with the stored message; a retried clientId is not duplicated", async () => {
  await using srv = await startServer();
  const { client: a } = await adminClient(srv);
  const g = await group(a, []);
  const ws = await connect(a, { hello: { [g.id]: 1 } });
  ws.send({ type: "send", conversationId: g.id, clientId: "c1", text: "via socket" });
  ws.send({ type: "send", conversationId: g.id, clientId: "c1", text: "via socket" });
  await ws.until((f) => f.filter((x) => x.type === "sent").length === 2);
  const sent = ws.frames.flatMap((f) => f.type === "sent" ? [f] : []);
  assert.equal(sent[0].message.seq, 2);
  assert.deepEqual(sent[0].message, sent[1].message);
  await ws.until(() => ws.messages(g.id).length === 1);
  await sleep(50);
  assert.equal(ws.messages(g.id).length, 1, "the message frame arrives once");
  const history = (await a.get(`/api/v1/conversations/${g.id}/messages?after=0`)).json.items;
  assert.equal(history.length, 2);
  ws.close();
});

Deno.test("ws - a new conversation the user is added to appears without any subscribe step", async () => {
  await using srv = await startServer();
  const { client: a } = await adminClient(srv);
  const { client: b, user: ub } = await userClient(srv, "Bob");
  const ws = await connect(b);
  const g = await group(a, [ub.id], "incident-42");
  await ws.until((f) => f.some((x) => x.type === "membership" && x.change === "added"));
  const added = ws.frames.find((f) => f.type === "membership");
  assert.ok(added?.type === "membership" && added.conversation?.title === "incident-42");
  await a.post(`/api/v1/conversations/${g.id}/messages`, { clientId: "m", text: "db down" });
  await ws.until(() => ws.messages(g.id).some((m) => m.text === "db down"));
  assert.deepEqual(
    ws.messages(g.id).map((m) => m.seq),
    [1, 2],
    "the creation notice, then the message",
  );
  // Direct conversations appear too.
  const { client: c } = await userClient(srv, "Carol");
  const d =
    (await c.post("/api/v1/conversations", { kind: "direct", userId: ub.id })).json.conversation;
  await c.post(`/api/v1/conversations/${d.id}/messages`, { clientId: "d1", text: "ping" });
  await ws.until(() => ws.messages(d.id).length === 1);
  ws.close();
});

Deno.test("ws - receipts: the sender sees delivered then read; groups say who read", async () => {
  await using srv = await startServer({ config: { deliveredFlushMs: 20 } });
  const { client: a, user: ua } = await adminClient(srv);
  const { client: b, user: ub } = await userClient(srv, "Bob");
  const { user: uc } = await userClient(srv, "Carol");
  const g = await group(a, [ub.id, uc.id]);
  const wa = await connect(a, { hello: { [g.id]: 1 } });
  const wb = await connect(b, { hello: { [g.id]: 1 } });
  const sent =
    (await a.post(`/api/v1/conversations/${g.id}/messages`, { clientId: "r", text: "ack?" })).json
      .message;
  await wb.until(() => wb.messages(g.id).length === 1);
  // Bob's device confirms receipt.
  wb.send({ type: "received", conversationId: g.id, seq: sent.seq });
  await wa.until((f) =>
    f.some((x) =>
      x.type === "receipt" && x.userId === ub.id && x.delivered >= sent.seq && x.read < sent.seq
    )
  );
  wb.send({ type: "read", conversationId: g.id, seq: sent.seq });
  await wa.until((f) =>
    f.some((x) => x.type === "receipt" && x.userId === ub.id && x.read === sent.seq)
  );
  const receipts = (await a.get(`/api/v1/conversations/${g.id}/receipts`)).json.items;
  const byUser = Object.fromEntries(receipts.map((r: { userId: string }) => [r.userId, r]));
  assert.equal(byUser[ub.id].read, sent.seq);
  assert.equal(byUser[ua.id].read, sent.seq, "the sender has read their own message");
  assert.equal(byUser[uc.id].read, 0);
  assert.equal(byUser[uc.id].delivered, 0);
  wa.close();
  wb.close();
});

Deno.test("ws - a device cannot acknowledge what it was not given", async () => {
  await using srv = await startServer({ config: { deliveredFlushMs: 10 } });
  const { client: a } = await adminClient(srv);
  const { client: b, user: ub } = await userClient(srv, "Bob");
  const g = await group(a, [ub.id]);
  const wb = await connect(b, { hello: { [g.id]: 1 } });
  wb.send({ type: "received", conversationId: g.id, seq: 999 });
  await sleep(100);
  const r = (await a.get(`/api/v1/conversations/${g.id}/receipts`)).json.items;
  assert.equal(r.find((x: { userId: string }) => x.userId === ub.id).delivered, 1);
  wb.close();
});

Deno.test("ws - two tabs of one user see the same messages and read state", async () => {
  await using srv = await startServer();
  const { client: a } = await adminClient(srv);
  const { client: b, user: ub } = await userClient(srv, "Bob");
  const g = await group(a, [ub.id]);
  const tab1 = await connect(b, { hello: { [g.id]: 1 } });
  const tab2 = await connect(b, { hello: { [g.id]: 1 } });
  tab1.send({ type: "send", conversationId: g.id, clientId: "t1", text: "from tab 1" });
  await tab2.until(() => tab2.messages(g.id).some((m) => m.text === "from tab 1"));
  await a.post(`/api/v1/conversations/${g.id}/messages`, { clientId: "x", text: "from a" });
  await tab1.until(() => tab1.messages(g.id).length === 2);
  await tab2.until(() => tab2.messages(g.id).length === 2);
  assert.deepEqual(tab1.messages(g.id), tab2.messages(g.id));
  tab1.send({ type: "read", conversationId: g.id, seq: 3 });
  await tab2.until((f) =>
    f.some((x) => x.type === "receipt" && x.userId === ub.id && x.read === 3)
  );
  tab1.close();
  tab2.close();
});

Deno.test("ws - a removed member gets the removal notice and nothing after it", async () => {
  await using srv = await startServer();
  const { client: a } = await adminClient(srv);
  const { client: b, user: ub } = await userClient(srv, "Bob");
  const g = await group(a, [ub.id]);
  const wb = await connect(b, { hello: { [g.id]: 1 } });
  await a.delete(`/api/v1/conversations/${g.id}/members/${ub.id}`);
  await a.post(`/api/v1/conversations/${g.id}/messages`, {
    clientId: "after",
    text: "secret plan",
  });
  await wb.until((f) => f.some((x) => x.type === "membership" && x.change === "removed"));
  await sleep(100);
  const texts = wb.messages(g.id).map((m) => m.system?.event ?? m.text);
  assert.deepEqual(texts, ["member_removed"]);
  // On reconnect with the old cursor, the client is told it is no longer a member.
  wb.close();
  const again = await connect(b, { hello: { [g.id]: 2 } });
  await again.until((f) => f.some((x) => x.type === "membership" && x.change === "removed"));
  assert.equal(again.messages(g.id).length, 0);
  again.close();
});

Deno.test("ws - logout closes the sockets of that session only", async () => {
  await using srv = await startServer();
  const { client: a } = await adminClient(srv);
  const other = (await userClient(srv)).client;
  const ws = await connect(a);
  const ws2 = await connect(other);
  await a.delete("/api/v1/session");
  const closed = await ws.untilClosed();
  assert.equal(closed.code, 4001);
  await sleep(50);
  assert.equal(ws2.closed, null);
  ws2.close();
});

Deno.test("ws - malformed frames get an error frame and the socket stays open", async () => {
  await using srv = await startServer();
  const { client: a } = await adminClient(srv);
  const g = await group(a, []);
  const ws = await connect(a, { hello: false });
  ws.send({ type: "send", conversationId: g.id, clientId: "early", text: "x" });
  await ws.until((f) => f.some((x) => x.type === "error" && /hello/.test(x.message)));
  ws.send({ type: "hello", cursors: {} });
  await ws.until((f) => f.some((x) => x.type === "ready"));
  for (const bad of ["{oops", "[]", '{"type":"nope"}', '{"type":"send"}', '"str"', "null"]) {
    ws.send(bad);
  }
  ws.send({ type: "send", conversationId: g.id, clientId: "bad id!", text: "x" });
  ws.send({
    type: "send",
    conversationId: "01ARZ3NDEKTSV4RRFFQ69G5FAV",
    clientId: "nf",
    text: "x",
  });
  ws.send({ type: "hello", cursors: {} });
  await ws.until((f) => f.filter((x) => x.type === "error").length >= 10);
  const codes = ws.frames.flatMap((f) => f.type === "error" ? [f.code] : []);
  assert.ok(codes.includes("invalid_json"));
  assert.ok(codes.includes("invalid_input"));
  assert.ok(codes.includes("not_found"));
  const nf = ws.frames.find((f) => f.type === "error" && f.code === "not_found");
  assert.equal(nf?.type === "error" && nf.clientId, "nf");
  ws.send({ type: "keepalive" });
  await ws.until((f) => f.some((x) => x.type === "keepalive"));
  ws.send({ type: "send", conversationId: g.id, clientId: "fine", text: "still works" });
  await ws.until((f) => f.some((x) => x.type === "sent"));
  assert.equal(ws.closed, null);
  ws.close();
});

Deno.test("ws - a frame over the size limit closes the socket with 1009", async () => {
  await using srv = await startServer({ config: { wsMaxFrameBytes: 1024 } });
  const { client: a } = await adminClient(srv);
  const ws = await connect(a);
  ws.send(JSON.stringify({ type: "keepalive", pad: "x".repeat(5000) }));
  const closed = await ws.untilClosed();
  assert.equal(closed.code, 1009);
});

Deno.test("ws - a socket that never says hello is closed", async () => {
  await using srv = await startServer({ config: { wsHelloTimeoutMs: 100 } });
  const { client: a } = await adminClient(srv);
  const ws = await connect(a, { hello: false });
  assert.equal((await ws.untilClosed()).code, 1008);
});

Deno.test("ws - a cursor ahead of the server gets a resync frame", async () => {
  await using srv = await startServer();
  const { client: a } = await adminClient(srv);
  const g = await group(a, []);
  const ws = await connect(a, { hello: { [g.id]: 50 } });
  await ws.until((f) => f.some((x) => x.type === "resync"));
  const r = ws.frames.find((f) => f.type === "resync");
  assert.ok(r?.type === "resync" && r.seq === 1);
  ws.close();
});

/** A client that completes the WebSocket handshake and then never reads. */
async function neverReadingSocket(url: string, cookie: string, hello: unknown) {
  const u = new URL(url);
  const conn = await Deno.connect({ hostname: u.hostname, port: Number(u.port) });
  const req = [
    `GET /api/v1/ws HTTP/1.1`,
    `Host: ${u.host}`,
    `Upgrade: websocket`,
    `Connection: Upgrade`,
    `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==`,
    `Sec-WebSocket-Version: 13`,
    `Origin: ${u.origin}`,
    `Cookie: ${cookie}`,
    "",
    "",
  ].join("\r\n");
  await conn.write(new TextEncoder().encode(req));
  const buf = new Uint8Array(1024);
  await conn.read(buf); // the 101 answer; nothing is read after this
  const payload = new TextEncoder().encode(JSON.stringify(hello));
  const mask = crypto.getRandomValues(new Uint8Array(4));
  const header = payload.length < 126
    ? [0x81, 0x80 | payload.length]
    : [0x81, 0x80 | 126, payload.length >> 8, payload.length & 255];
  const frame = new Uint8Array(header.length + 4 + payload.length);
  frame.set(header);
  frame.set(mask, header.length);
  payload.forEach((b, i) => (frame[header.length + 4 + i] = b ^ mask[i % 4]));
  await conn.write(frame);
  return conn;
}

Deno.test("ws - a reader that never reads is closed; the others keep up", async () => {
  await using srv = await startServer({
    config: { wsMaxBufferedBytes: 64 * 1024, sendRatePerSec: 0 },
  });
  const { client: a } = await adminClient(srv);
  const { client: b, user: ub } = await userClient(srv, "Bob");
  const { client: s, user: us } = await userClient(srv, "Sloth");
  const g = await group(a, [ub.id, us.id]);
  const slow = await neverReadingSocket(srv.url, s.cookie, {
    type: "hello",
    cursors: { [g.id]: 1 },
  });
  const fast = await connect(b, { hello: { [g.id]: 1 } });
  const text = "x".repeat(7000);
  const N = 800; // ~5.6 MB towards the slow socket: far past loopback TCP buffers
  for (let i = 0; i < N; i += 50) {
    await Promise.all(
      Array.from(
        { length: 50 },
        (_, j) => a.post(`/api/v1/conversations/${g.id}/messages`, { clientId: `b${i + j}`, text }),
      ),
    );
  }
  await fast.until(() => fast.messages(g.id).length === N, 15000, "fast reader got everything");
  assertGapFree([1, ...fast.messages(g.id).map((m) => m.seq)]);
  // The server dropped the slow one (its buffered output passed the bound).
  let stats = srv.core.hub.stats();
  const deadline = Date.now() + 5000;
  while (stats.subscribers !== 1 && Date.now() < deadline) {
    await sleep(50);
    stats = srv.core.hub.stats();
  }
  assert.equal(stats.subscribers, 1, "only the fast socket is left");
  slow.close();
  fast.close();
});

Deno.test("sse - streams frames and resumes from Last-Event-ID without duplicates", async () => {
  await using srv = await startServer();
  const { client: a } = await adminClient(srv);
  const g = await group(a, []);
  const url = `/api/v1/conversations/${g.id}/messages`;
  const read = async (lastEventId: string | null, want: number) => {
    const headers: Record<string, string> = { cookie: a.cookie };
    if (lastEventId !== null) headers["last-event-id"] = lastEventId;
    const res = await fetch(`${srv.url}/api/v1/events?cursors=${g.id}:1`, { headers });
    assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    const frames: { type: string; message?: { seq: number } }[] = [];
    let lastId: string | null = null;
    const deadline = Date.now() + 5000;
    while (frames.filter((f) => f.type === "message").length < want && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const event = buf.slice(0, i);
        buf = buf.slice(i + 2);
        for (const line of event.split("\n")) {
          if (line.startsWith("id: ")) lastId = line.slice(4);
          if (line.startsWith("data: ")) frames.push(...JSON.parse(line.slice(6)));
        }
      }
    }
    await reader.cancel();
    return { frames, lastId };
  };
  await a.post(url, { clientId: "1", text: "one" });
  await a.post(url, { clientId: "2", text: "two" });
  const first = await read(null, 2);
  assert.deepEqual(first.frames.filter((f) => f.type === "message").map((f) => f.message!.seq), [
    2,
    3,
  ]);
  assert.ok(first.lastId);
  await a.post(url, { clientId: "3", text: "three" });
  const second = await read(first.lastId, 1);
  assert.deepEqual(second.frames.filter((f) => f.type === "message").map((f) => f.message!.seq), [
    4,
  ]);
});

Deno.test("poll - answers at once with what is after the cursors, else waits for news", async () => {
  await using srv = await startServer();
  const { client: a } = await adminClient(srv);
  const g = await group(a, []);
  const url = `/api/v1/conversations/${g.id}/messages`;
  await a.post(url, { clientId: "1", text: "one" });
  const first = await a.get(`/api/v1/poll?cursors=${g.id}:1&timeout=5000`);
  assert.equal(first.status, 200);
  assert.deepEqual(first.json.frames.map((f: { message: { seq: number } }) => f.message.seq), [2]);
  assert.deepEqual(first.json.cursors, { [g.id]: 2 });
  const t0 = Date.now();
  const waiting = a.get(`/api/v1/poll?cursors=${g.id}:2&timeout=5000`);
  await sleep(100);
  await a.post(url, { clientId: "2", text: "two" });
  const second = await waiting;
  assert.ok(Date.now() - t0 < 4000, "answered on news, not at the timeout");
  assert.deepEqual(second.json.frames.map((f: { message: { seq: number } }) => f.message.seq), [3]);
  const idle = await a.get(`/api/v1/poll?cursors=${g.id}:3&timeout=100`);
  assert.deepEqual(idle.json.frames, []);
  const bad = await a.get(`/api/v1/poll?cursors=nonsense`);
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, "invalid_input");
});

Deno.test("shutdown - clients that reconnect at once do not hold the server's shutdown up", async () => {
  const srv = await startServer();
  const { client: a } = await adminClient(srv);
  // A client like the web client: reconnects the moment it is closed, for ever.
  let stop = false;
  let reconnects = 0;
  const loop = (async () => {
    while (!stop) {
      try {
        const ws = await connect(a, { hello: false });
        ws.send({ type: "hello", cursors: {} });
        await ws.untilClosed(60_000);
        reconnects++;
      } catch {
        await sleep(10);
      }
    }
  })();
  await sleep(200);
  const done = srv[Symbol.asyncDispose]().then(() => "closed");
  const timeout = new Promise((r) => setTimeout(() => r("hung"), 5_000));
  const outcome = await Promise.race([done, timeout]);
  stop = true;
  await loop;
  assert.equal(outcome, "closed", `shutdown hung (${reconnects} reconnects)`);
});

Deno.test("fanout - with 64 shards (7 watches) the server starts and every shard delivers live", async () => {
  await using srv = await startServer({ config: { fanoutShards: 64 } });
  assert.equal(srv.core.fanout.watches, 7);
  const { client: a } = await adminClient(srv);
  const { client: b, user: ub } = await userClient(srv, "Bob");
  // Enough conversations that they spread over most shards.
  const convs: string[] = [];
  for (let i = 0; i < 40; i++) convs.push((await group(a, [ub.id], `g${i}`)).id);
  const shards = new Set(convs.map((c) => srv.core.fanout.shard(c)));
  assert.ok(shards.size > 20, `conversations spread over ${shards.size} shards`);
  const ws = await connect(b);
  for (const c of convs) {
    await a.post(`/api/v1/conversations/${c}/messages`, { clientId: c, text: `to ${c}` });
  }
  // A generous deadline: the server suite runs beside the fuzz on two cores.
  await ws.until(() => convs.every((c) => ws.messages(c).length === 1), 20_000, "every message");
  ws.close();
});
