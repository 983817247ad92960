import * as assert from "node:assert/strict";
import { CERT, KEY } from "../../tests/_tls.ts";
import { ApiError } from "../core/errors.ts";
import {
  checkOutboundUrl,
  COULD_NOT_DELIVER,
  OUTBOUND_MAX_RESPONSE_BYTES,
  type OutboundPolicy,
  postSigned,
  sendOutbound,
} from "./outbound.ts";

/** A resolver for tests: fixed answers, and a count of the lookups made. */
function fakeDns(answers: Record<string, string[]>) {
  const calls: string[] = [];
  const resolve = (host: string) => {
    calls.push(host);
    return Promise.resolve(Object.hasOwn(answers, host) ? answers[host] : []);
  };
  return { resolve, calls };
}

const dns = fakeDns({
  "internal.example.com": ["127.0.0.1"],
  "mixed.example.com": ["93.184.215.14", "10.1.2.3"],
  "public.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
});
const strict: OutboundPolicy = {
  allowPrivateWebhooks: false,
  outboundAllow: [],
  resolve: dns.resolve,
};

/** Hostile URL, and a range that, allowed, lets it through. */
const HOSTILE: [string, string][] = [
  ["http://[::ffff:7f00:1]:8080/", "127.0.0.0/8"],
  ["http://[::ffff:127.0.0.1]/", "::ffff:0:0/96"],
  ["http://[::127.0.0.1]/", "127.0.0.1/32"],
  ["http://[64:ff9b::7f00:1]/", "127.0.0.0/8"],
  ["http://[64:ff9b:1::a00:1]/", "64:ff9b:1::/48"],
  ["http://[2002:7f00:1::]/", "127.0.0.1"],
  ["http://[2002:a9fe:a9fe::1]/", "169.254.0.0/16"],
  ["http://0x7f.1/", "127.0.0.0/8"],
  ["http://2130706433/", "127.0.0.0/8"],
  ["http://127.1/", "127.0.0.0/8"],
  ["http://017700000001/", "127.0.0.0/8"],
  ["http://[fec0::1]/", "fec0::/10"],
  ["http://[fd00::1]/", "fc00::/7"],
  ["http://[fe80::1]/", "fe80::/10"],
  ["http://[ff02::1]/", "ff00::/8"],
  ["http://[::1]/", "::1/128"],
  ["http://[::]/", "::/128"],
  ["http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "2001::/32"],
  ["http://169.254.169.254/", "169.254.169.254/32"],
  ["http://10.0.0.1/", "10.0.0.0/8"],
  ["http://172.16.5.4/", "172.16.0.0/12"],
  ["http://192.168.1.1/", "192.168.0.0/16"],
  ["http://100.64.0.1/", "100.64.0.0/10"],
  ["http://224.0.0.1/", "224.0.0.0/4"],
  ["http://255.255.255.255/", "240.0.0.0/4"],
  ["http://0.0.0.0/", "0.0.0.0/8"],
  ["http://0/", "0.0.0.0/32"],
  ["https://localhost/", "127.0.0.0/8, ::1/128"],
  ["https://LOCALHOST./", "127.0.0.0/8, ::1/128"],
  ["http://api.localhost/", "127.0.0.0/8, ::1/128"],
  ["https://internal.example.com/hook", "127.0.0.0/8"],
  ["https://mixed.example.com/hook", "10.0.0.0/8"],
];

async function refused(url: string, policy: OutboundPolicy): Promise<boolean> {
  try {
    await checkOutboundUrl(url, policy);
    return false;
  } catch (e) {
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.code, "invalid_input");
    assert.match(e.message, /not public/);
    return true;
  }
}

Deno.test("outbound - every spelling of a non-public address is refused", async () => {
  for (const [url] of HOSTILE) assert.ok(await refused(url, strict), `${url} must be refused`);
});

Deno.test("outbound - a range in TOCSIN_OUTBOUND_ALLOW lets its addresses through", async () => {
  for (const [url, allow] of HOSTILE) {
    const policy = { ...strict, outboundAllow: allow.split(",").map((s) => s.trim()) };
    assert.equal(await refused(url, policy), false, `${url} must be allowed by ${allow}`);
  }
  // A range covers only itself.
  assert.ok(
    await refused("http://10.0.0.1/", { ...strict, outboundAllow: ["192.168.0.0/16", "fc00::/7"] }),
  );
});

Deno.test("outbound - public addresses, names and documentation ranges pass", async () => {
  for (
    const url of [
      "https://93.184.215.14/",
      "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/",
      "https://public.example.com/x",
      "http://192.0.2.10/",
      "http://[2001:db8::1]/",
      "http://[::ffff:93.184.215.14]/",
      "http://[64:ff9b::5db8:d70e]/",
      "http://[2002:5db8:d70e::1]/",
      "https://nowhere.invalid/", // decided when sent
    ]
  ) {
    assert.equal((await checkOutboundUrl(url, strict)).protocol.startsWith("http"), true, url);
  }
});

Deno.test("outbound - only http(s), no credentials", async () => {
  for (
    const url of ["ftp://93.184.215.14/", "file:///etc/passwd", "http://u:p@example.com/", "x"]
  ) {
    await assert.rejects(() => checkOutboundUrl(url, strict), ApiError, url);
  }
});

Deno.test("outbound - TOCSIN_ALLOW_PRIVATE_WEBHOOKS lifts the check", async () => {
  const url = await checkOutboundUrl("http://[::ffff:7f00:1]/", {
    ...strict,
    allowPrivateWebhooks: true,
  });
  assert.equal(url.hostname, "[::ffff:7f00:1]");
});

/** A real HTTP listener on 127.0.0.1 that records what reaches it. */
function listener() {
  const seen: { host: string | null; path: string; body: string }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const u = new URL(req.url);
    seen.push({
      host: req.headers.get("host"),
      path: u.pathname + u.search,
      body: await req.text(),
    });
    if (u.pathname === "/redirect") {
      return new Response(null, { status: 302, headers: { location: "/elsewhere" } });
    }
    return Response.json({ ok: true, path: u.pathname });
  });
  return { seen, port: server.addr.port, [Symbol.asyncDispose]: () => server.shutdown() };
}

/** A port nothing listens on. */
function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

Deno.test("outbound - a refused target gets no connection, open or closed port alike", async () => {
  await using rx = listener();
  const closed = closedPort();
  for (const host of ["[::ffff:7f00:1]", "[::ffff:127.0.0.1]", "127.1", "internal.example.com"]) {
    const details: string[] = [];
    for (const port of [rx.port, closed]) {
      const r = await postSigned(`http://${host}:${port}/x`, "s", "{}", {
        now: Date.now(),
        timeoutMs: 2_000,
        policy: strict,
      });
      assert.equal(r.ok, false);
      assert.equal(r.transient, false);
      assert.match(r.detail, /not public \(loopback\)/);
      details.push(r.detail);
    }
    assert.equal(details[0], details[1], host);
  }
  assert.equal(rx.seen.length, 0, "nothing reached the listener");
});

Deno.test("outbound - the checked address is the one connected to: one lookup, Host kept", async () => {
  await using rx = listener();
  let lookups = 0;
  const policy: OutboundPolicy = {
    allowPrivateWebhooks: false,
    outboundAllow: ["127.0.0.0/8"],
    // A rebinding resolver: the first answer is the allowed one, later ones would not be.
    resolve: () => Promise.resolve(lookups++ === 0 ? ["127.0.0.1"] : ["10.9.9.9"]),
  };
  const res = await sendOutbound(
    `http://hooks.example.com:${rx.port}/a/b?c=1`,
    { headers: { "x-test": "1" }, body: "hello", timeoutMs: 2_000 },
    policy,
  );
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.text), { ok: true, path: "/a/b" });
  assert.equal(lookups, 1);
  assert.deepEqual(rx.seen, [{
    host: `hooks.example.com:${rx.port}`,
    path: "/a/b?c=1",
    body: "hello",
  }]);
});

Deno.test("outbound - network failures all read the same; redirects are not followed", async () => {
  await using rx = listener();
  const allowLocal: OutboundPolicy = { ...strict, outboundAllow: ["127.0.0.0/8"] };
  // A listener that accepts and never answers (timeout), one that resets at once.
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  (async () => {
    for await (const c of silent) held.push(c);
  })().catch(() => {});
  const rude = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const c of rude) c.close();
  })().catch(() => {});
  try {
    for (
      const url of [
        `http://127.0.0.1:${closedPort()}/`,
        `http://127.0.0.1:${(silent.addr as Deno.NetAddr).port}/`,
        `http://127.0.0.1:${(rude.addr as Deno.NetAddr).port}/`,
        `https://127.0.0.1:${rx.port}/`, // TLS to a plain HTTP server
        "http://nowhere.example.com/", // does not resolve
      ]
    ) {
      const r = await postSigned(url, "s", "{}", {
        now: Date.now(),
        timeoutMs: 500,
        policy: allowLocal,
      });
      assert.deepEqual(
        { ok: r.ok, status: r.status, transient: r.transient, detail: r.detail },
        { ok: false, status: 0, transient: true, detail: COULD_NOT_DELIVER },
        url,
      );
    }
    const r = await postSigned(`http://127.0.0.1:${rx.port}/redirect`, "s", "{}", {
      now: Date.now(),
      timeoutMs: 2_000,
      policy: allowLocal,
    });
    assert.equal(r.status, 302);
    assert.equal(r.ok, false);
    assert.deepEqual(rx.seen.map((s) => s.path), ["/redirect"], "one request, no second hop");
  } finally {
    silent.close();
    rude.close();
    for (const c of held) c.close();
  }
});

/** Every name leads to 127.0.0.1, which is allowed. */
const toLoopback: OutboundPolicy = {
  allowPrivateWebhooks: false,
  outboundAllow: ["127.0.0.0/8"],
  resolve: () => Promise.resolve(["127.0.0.1"]),
};

Deno.test("outbound - https: a self-signed certificate passes only with its CA and its name", async () => {
  const seen: string[] = [];
  await using _server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {}, cert: CERT, key: KEY },
    (req) => {
      seen.push(`${req.headers.get("host")} ${new URL(req.url).pathname}`);
      return new Response("ok");
    },
  );
  const port = _server.addr.port;
  const init = { headers: {}, body: "", timeoutMs: 2_000 };
  const withCa = { ...toLoopback, caCerts: [CERT] };
  const failed = { status: 0, text: COULD_NOT_DELIVER };
  // Not trusted: no CA given.
  assert.deepEqual(
    await sendOutbound(`https://hooks.example.test:${port}/a`, init, toLoopback),
    failed,
  );
  // Trusted, but for another name than the URL's (the address is the same).
  assert.deepEqual(
    await sendOutbound(`https://other.example.test:${port}/b`, init, withCa),
    failed,
  );
  // Trusted, but the URL names the address, which the certificate does not carry.
  assert.deepEqual(await sendOutbound(`https://127.0.0.1:${port}/c`, init, withCa), failed);
  assert.deepEqual(seen, [], "no request went out over an unverified connection");
  const ok = await sendOutbound(`https://hooks.example.test:${port}/d`, init, withCa);
  assert.deepEqual(ok, { status: 200, text: "ok" });
  assert.deepEqual(seen, [`hooks.example.test:${port} /d`]);
});

/**
 * A raw TCP receiver on `hostname` that reads one request head (and its
 * body) per connection, records it, and writes `answer` in 7-byte pieces;
 * it closes unless `keepOpen`.
 */
function rawReceiver(
  answer: string,
  opts: { hostname?: string; port?: number; keepOpen?: boolean } = {},
) {
  const l = Deno.listen({ hostname: opts.hostname ?? "127.0.0.1", port: opts.port ?? 0 });
  const requests: string[] = [];
  const conns: Deno.Conn[] = [];
  let connections = 0;
  const serve = async (c: Deno.Conn) => {
    const buf = new Uint8Array(64 * 1024);
    let len = 0;
    while (true) {
      const text = new TextDecoder().decode(buf.subarray(0, len));
      const end = text.indexOf("\r\n\r\n");
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text)?.[1] ?? 0);
      if (end >= 0 && len >= end + 4 + length) {
        requests.push(text);
        break;
      }
      const n = await c.read(buf.subarray(len));
      if (n === null) return;
      len += n;
    }
    for (const piece of answer.match(/[^]{1,7}/g) ?? []) {
      await c.write(new TextEncoder().encode(piece));
    }
    if (!opts.keepOpen) c.close();
  };
  (async () => {
    for await (const c of l) {
      connections++;
      conns.push(c);
      serve(c).catch(() => {});
    }
  })().catch(() => {});
  return {
    requests,
    port: (l.addr as Deno.NetAddr).port,
    connections: () => connections,
    [Symbol.dispose]() {
      l.close();
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // Already closed.
        }
      }
    },
  };
}

Deno.test("outbound - answers: chunked, after an interim 1xx, by length, until close; garbage or a cut answer fails", async () => {
  const cases: [string, { status: number; text: string }][] = [
    [
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
      { status: 200, text: "abcde" },
    ],
    ["HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", { status: 201, text: "ok" }],
    ["HTTP/1.0 503 Busy\r\n\r\nlater", { status: 503, text: "later" }],
    ["HTTP/1.1 204 No Content\r\n\r\n", { status: 204, text: "" }],
    ["SSH-2.0-OpenSSH_9.2\r\n\r\n", { status: 0, text: COULD_NOT_DELIVER }],
    ["HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", { status: 0, text: COULD_NOT_DELIVER }],
    ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", {
      status: 0,
      text: COULD_NOT_DELIVER,
    }],
    ["", { status: 0, text: COULD_NOT_DELIVER }],
  ];
  for (const [answer, want] of cases) {
    using rx = rawReceiver(answer);
    const got = await sendOutbound(
      `http://hooks.example.com:${rx.port}/in`,
      { headers: {}, body: "", timeoutMs: 2_000 },
      toLoopback,
    );
    assert.deepEqual(got, want, JSON.stringify(answer));
  }
});

Deno.test("outbound - the request keeps the URL's host and drops a caller's framing headers", async () => {
  using rx = rawReceiver("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  const res = await sendOutbound(
    `http://Hooks.Example.com:${rx.port}/a%20b?x=1#frag`,
    {
      method: "PUT",
      headers: {
        host: "evil.example",
        "content-length": "1",
        connection: "keep-alive",
        "transfer-encoding": "chunked",
        "x-a": "1",
      },
      body: "é",
      timeoutMs: 2_000,
    },
    toLoopback,
  );
  assert.equal(res.status, 200);
  assert.equal(rx.requests.length, 1);
  const [head, body] = rx.requests[0].split("\r\n\r\n");
  const [line, ...fields] = head.split("\r\n");
  assert.equal(line, "PUT /a%20b?x=1 HTTP/1.1");
  assert.deepEqual(fields.map((f) => f.toLowerCase()).sort(), [
    "connection: close",
    "content-length: 2",
    `host: hooks.example.com:${rx.port}`,
    "x-a: 1",
  ]);
  assert.equal(body, "é");
  // Line breaks never reach the wire: the Headers class refuses them first.
  await assert.rejects(
    () =>
      sendOutbound(
        `http://hooks.example.com:${rx.port}/`,
        { headers: { "x-a": "1\r\nx-b: 2" }, body: "", timeoutMs: 2_000 },
        toLoopback,
      ),
    ApiError,
  );
  assert.equal(rx.requests.length, 1);
});

Deno.test("outbound - at most OUTBOUND_MAX_RESPONSE_BYTES are read, then the connection is dropped", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  // An answer without end: only a client that stops reading and hangs up ends it.
  const served = (async () => {
    const c = await l.accept();
    await c.read(new Uint8Array(4096));
    const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
    await c.write(new TextEncoder().encode("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\n"));
    try {
      while (true) await c.write(chunk);
    } catch {
      return "dropped";
    } finally {
      c.close();
    }
  })();
  try {
    const res = await sendOutbound(
      `http://hooks.example.com:${(l.addr as Deno.NetAddr).port}/`,
      { headers: {}, body: "", timeoutMs: 5_000 },
      toLoopback,
    );
    assert.equal(res.status, 200);
    assert.equal(res.text, "x".repeat(OUTBOUND_MAX_RESPONSE_BYTES));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise((r) => timer = setTimeout(() => r("still sending"), 5_000));
    assert.equal(await Promise.race([served, late]), "dropped");
    clearTimeout(timer);
  } finally {
    l.close();
  }
});

Deno.test("outbound - a connection to one checked address never carries a request for another", async () => {
  // Two receivers on the same port of 127.0.0.2 and 127.0.0.1; both keep connections open.
  const answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok";
  using second = rawReceiver(answer, { hostname: "127.0.0.2", keepOpen: true });
  using first = rawReceiver(answer, { port: second.port, keepOpen: true });
  let lookups = 0;
  const policy: OutboundPolicy = {
    allowPrivateWebhooks: false,
    outboundAllow: ["127.0.0.0/8"],
    // The same name answers differently the second time (both allowed).
    resolve: () => Promise.resolve([lookups++ === 0 ? "127.0.0.1" : "127.0.0.2"]),
  };
  const url = `http://hooks.example.com:${first.port}/`;
  for (let i = 0; i < 2; i++) {
    const res = await sendOutbound(url, { headers: {}, body: "", timeoutMs: 2_000 }, policy);
    assert.deepEqual(res, { status: 200, text: "ok" });
  }
  assert.equal(first.requests.length, 1);
  assert.equal(second.requests.length, 1, "the second request went to the second address");
  assert.equal(first.connections() + second.connections(), 2);
});

Deno.test("outbound - IPv6: a literal and a name that resolves to one", async () => {
  const seen: (string | null)[] = [];
  await using server = Deno.serve({ hostname: "::1", port: 0, onListen() {} }, (req) => {
    seen.push(req.headers.get("host"));
    return new Response("v6");
  });
  const port = server.addr.port;
  const policy: OutboundPolicy = {
    allowPrivateWebhooks: false,
    outboundAllow: ["::1/128"],
    resolve: () => Promise.resolve(["::1"]),
  };
  const init = { headers: {}, body: "", timeoutMs: 2_000 };
  assert.deepEqual(await sendOutbound(`http://[::1]:${port}/`, init, policy), {
    status: 200,
    text: "v6",
  });
  assert.deepEqual(await sendOutbound(`http://v6.example.com:${port}/`, init, policy), {
    status: 200,
    text: "v6",
  });
  assert.deepEqual(seen, [`[::1]:${port}`, `v6.example.com:${port}`]);
});

Deno.test("outbound - a proxy set in the environment is not used", async () => {
  using rx = rawReceiver("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  using proxy = rawReceiver("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
  const proxyUrl = `http://127.0.0.1:${proxy.port}`;
  // Its own process: the environment is the whole process's.
  const script = `
    import { sendOutbound } from ${JSON.stringify(new URL("./outbound.ts", import.meta.url).href)};
    const res = await sendOutbound("http://hooks.example.com:${rx.port}/", { headers: {}, body: "", timeoutMs: 2000 }, {
      allowPrivateWebhooks: false, outboundAllow: ["127.0.0.0/8"], resolve: () => Promise.resolve(["127.0.0.1"]),
    });
    console.log(JSON.stringify(res));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", script],
    env: {
      NODE_USE_ENV_PROXY: "1",
      HTTP_PROXY: proxyUrl,
      HTTPS_PROXY: proxyUrl,
      http_proxy: proxyUrl,
      https_proxy: proxyUrl,
    },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000),
  }).output();
  const stdout = new TextDecoder().decode(out.stdout).trim();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.deepEqual(JSON.parse(stdout), { status: 200, text: "ok" });
  assert.equal(proxy.connections(), 0);
  assert.equal(rx.requests.length, 1);
});
