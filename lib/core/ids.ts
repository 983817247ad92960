/**
 * Time-sortable ids (ULID): 48 bits of milliseconds and 80 random bits in
 * Crockford base32. Ids made in one process are strictly increasing even
 * within one millisecond (the random part is incremented).
 */

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

let lastTime = -1;
const lastRandom = new Uint8Array(10);

function encodeTime(ms: number): string {
  let out = "";
  for (let i = 9; i >= 0; i--) {
    const mod = ms % 32;
    out = ALPHABET[mod] + out;
    ms = (ms - mod) / 32;
  }
  return out;
}

function encodeRandom(bytes: Uint8Array): string {
  // 80 bits -> 16 base32 characters.
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = "";
  for (let i = 0; i < 16; i++) {
    out = ALPHABET[Number(bits & 31n)] + out;
    bits >>= 5n;
  }
  return out;
}

/** A new monotonic ULID for time `now` (milliseconds). */
export function ulid(now: number = Date.now()): string {
  if (now <= lastTime) {
    // Same (or earlier, if the clock stepped back) millisecond: increment.
    for (let i = 9; i >= 0; i--) {
      if (lastRandom[i] === 255) {
        lastRandom[i] = 0;
        continue;
      }
      lastRandom[i]++;
      break;
    }
    return encodeTime(lastTime) + encodeRandom(lastRandom);
  }
  lastTime = now;
  crypto.getRandomValues(lastRandom);
  // Leave headroom so that increments within a millisecond never overflow.
  lastRandom[0] &= 0x7f;
  return encodeTime(now) + encodeRandom(lastRandom);
}

/** True when `s` looks like a ULID. Used to reject junk ids before touching KV. */
export function isUlid(s: string): boolean {
  return /^[0-9A-HJKMNP-TV-Z]{26}$/.test(s);
}

/** The first 10 characters of every ULID made at `ms`: a bound for id ranges by time. */
export function ulidTimePrefix(ms: number): string {
  return encodeTime(Math.max(0, Math.min(ms, 2 ** 48 - 1)));
}
