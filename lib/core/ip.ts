/**
 * IP addresses as bytes: parsing (every IPv6 spelling, dotted IPv4), CIDR
 * ranges, and which addresses are not public. Outbound requests decide on
 * these bytes, never on how a host was spelt: `new URL()` rewrites
 * `[::ffff:127.0.0.1]` to `[::ffff:7f00:1]`, `0x7f.1` to `127.0.0.1`.
 */

/** 4 bytes (IPv4) or 16 bytes (IPv6). */
export type IpBytes = Uint8Array;

/** A range: the address bytes and how many leading bits count. */
export interface Cidr {
  bytes: IpBytes;
  prefix: number;
}

/** Parses a dotted-quad IPv4 address (four decimal parts, no leading zeros), or null. */
export function parseIpv4(s: string): IpBytes | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^(0|[1-9]\d{0,2})$/.test(parts[i])) return null;
    const n = Number(parts[i]);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

/** Parses an IPv6 address in any RFC 4291 form (`::`, a dotted IPv4 tail; no zone), or null. */
export function parseIpv6(input: string): IpBytes | null {
  let s = input;
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  if (s.includes("%")) return null;
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const groups = (h: string): number[] | null => {
    if (h === "") return [];
    const out: number[] = [];
    const parts = h.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIpv4(p);
        if (!v4) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(parseInt(p, 16));
      else return null;
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return null;
  // A dotted tail is only allowed at the very end.
  if (halves.length === 2 && halves[0].includes(".")) return null;
  const total = head.length + tail.length;
  if (halves.length === 2 ? total > 7 : total !== 8) return null;
  const all = [...head, ...new Array(8 - total).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** Parses an IPv4 or IPv6 literal (brackets allowed), or null for anything else. */
export function parseIp(s: string): IpBytes | null {
  return s.includes(":") ? parseIpv6(s) : parseIpv4(s);
}

/** Formats bytes as an address that `Deno.connect` takes (IPv6 uncompressed). */
export function formatIp(b: IpBytes): string {
  if (b.length === 4) return b.join(".");
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[i] << 8) | b[i + 1]).toString(16));
  return g.join(":");
}

/** Parses `addr/prefix` (a bare address is a single-address range), or null. */
export function parseCidr(s: string): Cidr | null {
  const [addr, len, extra] = s.trim().split("/");
  if (extra !== undefined) return null;
  const bytes = parseIp(addr);
  if (!bytes) return null;
  const max = bytes.length * 8;
  if (len === undefined) return { bytes, prefix: max };
  if (!/^\d{1,3}$/.test(len) || Number(len) > max) return null;
  return { bytes, prefix: Number(len) };
}

/** Whether `addr` lies in `range` (both of the same family). */
export function inCidr(addr: IpBytes, range: Cidr): boolean {
  if (addr.length !== range.bytes.length) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((addr[i] & mask) !== (range.bytes[i] & mask)) return false;
  }
  return true;
}

const V4_BLOCKED: [string, string][] = [
  ["0.0.0.0/8", "unspecified"],
  ["10.0.0.0/8", "private"],
  ["100.64.0.0/10", "shared (CGNAT)"],
  ["127.0.0.0/8", "loopback"],
  ["169.254.0.0/16", "link-local"],
  ["172.16.0.0/12", "private"],
  ["192.0.0.0/24", "IETF protocol assignments"],
  ["192.168.0.0/16", "private"],
  ["198.18.0.0/15", "benchmarking"],
  ["224.0.0.0/4", "multicast"],
  ["240.0.0.0/4", "reserved or broadcast"],
];
const V4_RANGES = V4_BLOCKED.map(([c, name]) => ({ range: parseCidr(c)!, name }));

/**
 * IPv6 prefixes whose last (or, for 6to4, bytes 2..5) 32 bits are an IPv4
 * address that the packet ends up at: the IPv4 address decides.
 */
const V6_EMBEDDING: { range: Cidr; at: number }[] = [
  { range: parseCidr("::ffff:0:0/96")!, at: 12 }, // IPv4-mapped
  { range: parseCidr("::/96")!, at: 12 }, // IPv4-compatible (deprecated)
  { range: parseCidr("::ffff:0:0:0/96")!, at: 12 }, // IPv4-translated (SIIT)
  { range: parseCidr("64:ff9b::/96")!, at: 12 }, // NAT64 well-known prefix
  { range: parseCidr("2002::/16")!, at: 2 }, // 6to4
];
const V6_GLOBAL = parseCidr("2000::/3")!;
const V6_BLOCKED_GLOBAL: { range: Cidr; name: string }[] = [
  // Teredo hides the client's IPv4 address (inverted) and a server's: refused as a whole.
  { range: parseCidr("2001::/32")!, name: "Teredo" },
];

/** The IPv4 address an IPv6 address is a wrapper for (mapped, NAT64, 6to4...), or null. */
export function embeddedIpv4(addr: IpBytes): IpBytes | null {
  if (addr.length !== 16) return null;
  for (const { range, at } of V6_EMBEDDING) {
    if (inCidr(addr, range)) return addr.slice(at, at + 4);
  }
  return null;
}

/**
 * Why `addr` is not a public unicast address ("loopback", "private",
 * "link-local", ...), or null when it is one. IPv4 documentation ranges
 * count as public. IPv6 outside 2000::/3 (loopback, `::`, fe80::/10,
 * fec0::/10, fc00::/7, ff00::/8, the local-use NAT64 prefix 64:ff9b:1::/48,
 * whose IPv4 position is not fixed...) is refused; wrappers of an IPv4
 * address are decided by that address.
 */
export function nonPublicReason(addr: IpBytes): string | null {
  if (addr.length === 4) {
    for (const { range, name } of V4_RANGES) if (inCidr(addr, range)) return name;
    return null;
  }
  // `::1` lies in the IPv4-compatible range but is IPv6's own loopback (`::` is 0.0.0.0 there).
  if (addr.every((b, i) => b === (i === 15 ? 1 : 0))) return "loopback";
  const v4 = embeddedIpv4(addr);
  if (v4) return nonPublicReason(v4);
  if (!inCidr(addr, V6_GLOBAL)) {
    if (addr[0] === 0xff) return "multicast";
    if (addr[0] === 0xfe && (addr[1] & 0xc0) === 0x80) return "link-local";
    if (addr[0] === 0xfe && (addr[1] & 0xc0) === 0xc0) return "site-local";
    if ((addr[0] & 0xfe) === 0xfc) return "unique-local";
    return "not global unicast";
  }
  for (const { range, name } of V6_BLOCKED_GLOBAL) if (inCidr(addr, range)) return name;
  return null;
}

/**
 * Whether `addr` is in one of `allow`: the address itself or, for a wrapper
 * of an IPv4 address, that IPv4 address.
 */
export function inAnyCidr(addr: IpBytes, allow: readonly Cidr[]): boolean {
  const v4 = embeddedIpv4(addr);
  return allow.some((r) => inCidr(addr, r) || (v4 !== null && inCidr(v4, r)));
}
