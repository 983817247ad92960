import * as assert from "node:assert/strict";
import {
  formatIp,
  inCidr,
  nonPublicReason,
  parseCidr,
  parseIp,
  parseIpv4,
  parseIpv6,
} from "./ip.ts";

Deno.test("ip - IPv6 spellings parse to the same bytes", () => {
  const want = formatIp(parseIpv6("0:0:0:0:0:ffff:7f00:1")!);
  for (
    const s of ["::ffff:7f00:1", "::ffff:127.0.0.1", "[::FFFF:7F00:0001]", "0::ffff:127.0.0.1"]
  ) {
    assert.equal(formatIp(parseIpv6(s)!), want, s);
  }
  assert.equal(formatIp(parseIpv6("::")!), "0:0:0:0:0:0:0:0");
  assert.equal(formatIp(parseIpv6("1::")!), "1:0:0:0:0:0:0:0");
  assert.equal(formatIp(parseIpv6("fe80::1")!), "fe80:0:0:0:0:0:0:1");
});

Deno.test("ip - malformed addresses do not parse", () => {
  for (
    const s of [
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      "::ffff:127.0.0.256",
      "::1.2.3.4:5",
      "fe80::1%eth0",
      "12345::",
      "1:2:3:4:5:6:7",
      ":::",
      "g::1",
    ]
  ) {
    assert.equal(parseIpv6(s), null, s);
  }
  for (const s of ["1.2.3", "1.2.3.4.5", "01.2.3.4", "0x7f.0.0.1", "256.1.1.1", "1.2.3.-1", ""]) {
    assert.equal(parseIpv4(s), null, s);
  }
  assert.equal(parseIp("example.com"), null);
});

Deno.test("ip - CIDR ranges match by prefix bits, per family", () => {
  const r = parseCidr("172.16.0.0/12")!;
  assert.ok(inCidr(parseIp("172.31.255.255")!, r));
  assert.ok(!inCidr(parseIp("172.32.0.0")!, r));
  assert.ok(!inCidr(parseIp("::ffff:172.16.0.1")!, r), "families do not mix");
  assert.ok(inCidr(parseIp("fd12::1")!, parseCidr("fc00::/7")!));
  assert.ok(inCidr(parseIp("8.8.8.8")!, parseCidr("0.0.0.0/0")!));
  assert.equal(parseCidr("10.0.0.0/33"), null);
  assert.equal(parseCidr("10.0.0.0/8/8"), null);
  assert.equal(parseCidr("10.0.0.0/"), null);
});

Deno.test("ip - what is public", () => {
  const cases: [string, string | null][] = [
    ["8.8.8.8", null],
    ["192.0.2.1", null], // documentation
    ["2001:db8::1", null], // documentation
    ["2606:4700::1111", null],
    ["::ffff:8.8.8.8", null],
    ["64:ff9b::808:808", null],
    ["2002:808:808::1", null],
    ["127.0.0.1", "loopback"],
    ["::1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:0:7f00:1", "loopback"],
    ["::7f00:1", "loopback"],
    ["64:ff9b::a00:1", "private"],
    ["2002:c0a8:101::", "private"],
    ["::", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["fec0::1", "site-local"],
    ["fe80::1", "link-local"],
    ["fd00::1", "unique-local"],
    ["ff02::1", "multicast"],
    ["64:ff9b:1::a00:1", "not global unicast"],
    ["100::1", "not global unicast"],
    ["2001::1", "Teredo"],
    ["100.100.0.1", "shared (CGNAT)"],
    ["169.254.169.254", "link-local"],
    ["239.1.1.1", "multicast"],
    ["255.255.255.255", "reserved or broadcast"],
  ];
  for (const [s, want] of cases) assert.equal(nonPublicReason(parseIp(s)!), want, s);
});
