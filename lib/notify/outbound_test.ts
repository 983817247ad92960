import * as assert from "node:assert/strict";
import { ApiError } from "../core/errors.ts";
import {
  checkOutboundUrl,
  COULD_NOT_DELIVER,
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
