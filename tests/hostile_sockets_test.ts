/**
 * Fault suite T10: hostile sockets. 200 normal clients receive 50 messages/s
 * in one group while 20 clients never read, 5 flood 1,000 frames/s and 10 keep
 * sending 1 MiB frames. The normal clients get every message, in order; the
 * flooders are throttled and then cut off; the big frames are refused; the
 * server's memory stays bounded. The latency the normal clients see is printed
 * (`deno task bench` measures it without other tests beside it).
 */
import assert from "node:assert/strict";
import { sleep } from "./_helpers.ts";
import { freePort, ServerProcess } from "./_process.ts";
import { seed } from "./_seed.ts";

const NORMAL = 200;
const NEVER_READ = 20;
const FLOOD = 5;
const BIG = 10;
const RATE = 50;
const SECONDS = 8;

function rssMiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** A masked client text frame (RFC 6455 5.2), for the raw sockets that never read. */
function clientFrame(text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  const len = payload.length;
  const head = len < 126 ? [0x81, 0x80 | len] : [0x81, 0x80 | 126, len >> 8, len & 255];
  const mask = crypto.getRandomValues(new Uint8Array(4));
  const out = new Uint8Array(head.length + 4 + len);
  out.set(head);
  out.set(mask, head.length);
  for (let i = 0; i < len; i++) out[head.length + 4 + i] = payload[i] ^ mask[i % 4];
  return out;
}

/** Upgrades a raw TCP connection, says hello, and then never reads another byte. */
async function neverReader(port: number, cookie: string): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const req = `GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
    `Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
    `Sec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:${port}\r\nCookie: ${cookie}\r\n\r\n`;
  await conn.write(new TextEncoder().encode(req));
  const buf = new Uint8Array(1024);
  const n = await conn.read(buf); // the 101 answer, and then nothing more is ever read
  assert.match(new TextDecoder().decode(buf.subarray(0, n ?? 0)), /^HTTP\/1.1 101/);
  await conn.write(clientFrame(JSON.stringify({ type: "hello", cursors: {} })));
  return conn;
}

function ws(url: string, cookie: string): WebSocket {
  const origin = url.replace(/^ws/, "http").replace(/\/api.*/, "");
  return new WebSocket(url, { headers: { cookie, origin } } as unknown as string);
}

Deno.test("hostile sockets - never-readers, flooders and 1 MiB frames do not hurt 200 normal clients (T10)", async () => {
  const total = NORMAL + NEVER_READ + FLOOD + BIG;
  const s = await seed(total, total);
  const conv = s.groups[0].id;
  await using server = new ServerProcess(s.kvPath, freePort(), {
    TOCSIN_SEND_RATE_PER_SEC: String(RATE * 2),
  });
  await server.start();
  const url = server.url.replace(/^http/, "ws") + "/api/v1/ws";
  const port = Number(new URL(server.url).port);

  // 200 normal clients: each records the seq and latency of every message.
  const seqs: number[][] = Array.from({ length: NORMAL }, () => []);
  const latencies: number[] = [];
  const closedEarly: number[] = [];
  const normal = await Promise.all(
    Array.from({ length: NORMAL }, (_, i) =>
      new Promise<WebSocket>((resolve) => {
        const w = ws(url, s.cookies[i]);
        w.onopen = () => w.send(JSON.stringify({ type: "hello", cursors: {} }));
        w.onclose = () => closedEarly.push(i);
        w.onmessage = (e) => {
          for (const f of JSON.parse(e.data)) {
            if (f.type === "ready") resolve(w);
            if (f.type === "message" && f.message.text.startsWith("t=")) {
              seqs[i].push(f.message.seq);
              latencies.push(Date.now() - Number(f.message.text.slice(2)));
            }
          }
        };
      })),
  );
  const rssBefore = rssMiB(server.pid);

  // 20 that never read.
  const silent = await Promise.all(
    Array.from({ length: NEVER_READ }, (_, i) => neverReader(port, s.cookies[NORMAL + i])),
  );
  // 5 that flood 1,000 frames/s (reads, keepalives and garbage), and see what they are told.
  let flooderErrors = 0;
  let floodersClosed = 0;
  const flooders = Array.from({ length: FLOOD }, (_, i) => {
    const w = ws(url, s.cookies[NORMAL + NEVER_READ + i]);
    w.onopen = () => w.send(JSON.stringify({ type: "hello", cursors: {} }));
    w.onmessage = (e) => {
      for (const f of JSON.parse(e.data)) if (f.type === "error") flooderErrors++;
    };
    w.onclose = () => floodersClosed++;
    return w;
  });
  // 10 that send 1 MiB frames, reconnecting each time they are thrown out.
  const big = "x".repeat(1024 * 1024);
  let bigClosed = 0;
  let stop = false;
  const bigSenders: WebSocket[] = [];
  const bigSender = (i: number) => {
    if (stop) return;
    const w = ws(url, s.cookies[NORMAL + NEVER_READ + FLOOD + i]);
    bigSenders.push(w);
    w.onopen = () => w.send(JSON.stringify({ type: "hello", cursors: {} }));
    w.onmessage = () => {
      if (w.readyState === 1) w.send(big);
    };
    w.onerror = () => {};
    w.onclose = (e) => {
      if (e.code === 1009) bigClosed++;
      setTimeout(() => bigSender(i), 100);
    };
  };
  for (let i = 0; i < BIG; i++) bigSender(i);
  const flood = setInterval(() => {
    for (const w of flooders) {
      if (w.readyState !== 1) continue;
      for (let k = 0; k < 10; k++) {
        w.send(k % 3 === 0 ? "{not json" : JSON.stringify({ type: "keepalive" }));
      }
    }
  }, 10);

  // The traffic: 50 messages/s from one member over HTTP, for 8 s.
  const sender = s.cookies[0];
  let sent = 0;
  const t0 = Date.now();
  while (Date.now() - t0 < SECONDS * 1000) {
    const due = Math.floor(((Date.now() - t0) / 1000) * RATE);
    const batch: Promise<void>[] = [];
    while (sent < due) {
      const i = sent++;
      batch.push((async () => {
        const r = await fetch(`${server.url}/api/v1/conversations/${conv}/messages`, {
          method: "POST",
          headers: { cookie: sender, origin: server.url, "content-type": "application/json" },
          body: JSON.stringify({ clientId: `m${i}`, text: `t=${Date.now()}` }),
        });
        await r.body?.cancel();
        assert.equal(r.status, 201);
      })());
    }
    await Promise.all(batch);
    await sleep(5);
  }
  const rssPeak = rssMiB(server.pid);
  clearInterval(flood);
  stop = true;

  // Every normal client gets every message, in order, once.
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && seqs.some((x) => x.length < sent)) await sleep(100);
  latencies.sort((a, b) => a - b);
  const p = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  console.log(
    `T10: ${sent} messages to ${NORMAL} normal clients: p50 ${p(0.5)} ms, p99 ${p(0.99)} ms; ` +
      `${flooderErrors} errors to flooders, ${floodersClosed} flooders cut off, ` +
      `${bigClosed} 1 MiB frames refused; server RSS ${rssBefore.toFixed(0)} -> ${
        rssPeak.toFixed(0)
      } MiB`,
  );
  assert.deepEqual(closedEarly, [], "no normal client was disconnected");
  for (let i = 0; i < NORMAL; i++) {
    const first = seqs[i][0];
    assert.deepEqual(
      seqs[i],
      Array.from({ length: sent }, (_, k) => first + k),
      `client ${i} got every message once, in order`,
    );
  }
  assert.ok(bigClosed >= BIG, "1 MiB frames are refused with 1009");
  assert.ok(flooderErrors > 0 || floodersClosed === FLOOD, "flooders are throttled");
  assert.equal(floodersClosed, FLOOD, "a socket that keeps flooding is cut off");
  assert.ok(rssPeak - rssBefore < 256, `server memory stays bounded (${rssBefore} -> ${rssPeak})`);

  // The server still serves.
  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200);
  await health.body?.cancel();
  for (const w of [...normal, ...flooders, ...bigSenders]) {
    if (w.readyState <= 1) w.close();
  }
  for (const c of silent) c.close();
  await sleep(200);
  await server.kill();
  await Deno.remove(s.kvPath.replace(/\/[^/]+$/, ""), { recursive: true }).catch(() => {});
});
