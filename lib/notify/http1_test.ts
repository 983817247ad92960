import * as assert from "node:assert/strict";
import { dechunk, encodeRequest, exchange } from "./http1.ts";

const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("http1 - the request keeps the URL's host and drops a caller's framing headers", () => {
  const text = dec(encodeRequest({
    method: "POST",
    url: new URL("https://hooks.example.com/a%20b?x=1#frag"),
    headers: new Headers({ host: "evil", "content-length": "1", "x-a": "1" }),
    body: "é",
  }));
  assert.equal(
    text,
    "POST /a%20b?x=1 HTTP/1.1\r\nhost: hooks.example.com\r\nx-a: 1\r\ncontent-length: 2\r\n" +
      "connection: close\r\n\r\né",
  );
  assert.throws(() => new Headers({ "x-a": "1\r\nx-b: 2" }), TypeError);
});

Deno.test("http1 - chunked bodies decode, also when cut short", () => {
  assert.deepEqual(dechunk(enc("3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")), {
    body: enc("abcde"),
    done: true,
  });
  assert.deepEqual(dechunk(enc("3\r\nabc\r\n5\r\nde")), { body: enc("abcde"), done: false });
  assert.throws(() => dechunk(enc("zz\r\n")));
});

/** Answers one connection with `answer`, in pieces. */
async function answerWith(answer: string, maxBytes = 1024) {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const c = await l.accept();
    await c.read(new Uint8Array(4096));
    for (const piece of answer.match(/[^]{1,7}/g) ?? []) await c.write(enc(piece));
    c.close();
  })();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: (l.addr as Deno.NetAddr).port });
  try {
    return await exchange(
      conn,
      { method: "POST", url: new URL("http://x/"), headers: new Headers(), body: "" },
      maxBytes,
    );
  } finally {
    conn.close();
    await served;
    l.close();
  }
}

Deno.test("http1 - answers: length, chunked, until close, interim 1xx, cut at the limit", async () => {
  const r1 = await answerWith("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nokEXTRA");
  assert.deepEqual([r1.status, dec(r1.body)], [201, "ok"]);
  const r2 = await answerWith(
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
  );
  assert.deepEqual([r2.status, dec(r2.body)], [200, "hi"]);
  const r3 = await answerWith("HTTP/1.0 503 Busy\r\n\r\nlater");
  assert.deepEqual([r3.status, dec(r3.body)], [503, "later"]);
  const r4 = await answerWith("HTTP/1.1 200 OK\r\n\r\n" + "x".repeat(500), 100);
  assert.equal(r4.status, 200);
  assert.equal(dec(r4.body), "x".repeat(100 - 19));
  await assert.rejects(() => answerWith(""), /closed without an answer/);
  await assert.rejects(() => answerWith("SSH-2.0-OpenSSH\r\n\r\n"), /not an HTTP/);
});
