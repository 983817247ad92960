/**
 * Small cryptographic helpers: random tokens, hashing for lookup, HMAC
 * signatures, constant-time compare. Every hash and HMAC in Tocsin goes
 * through this module.
 */

const encoder = new TextEncoder();

/** A key or message: a string (UTF-8) or raw bytes. */
export type Bytes = string | Uint8Array<ArrayBuffer>;

const utf8 = (b: Bytes): Uint8Array<ArrayBuffer> => typeof b === "string" ? encoder.encode(b) : b;

/** A random token: `prefix` + 32 random bytes in base64url (256 bits). */
export function randomToken(prefix = ""): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return prefix + base64url(bytes);
}

/** Standard base64 with padding. */
export function base64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** base64url without padding. */
export function base64url(bytes: Uint8Array): string {
  return base64(bytes).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Lowercase hex. */
export function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** SHA-256 of `data`, lowercase hex. */
export async function sha256Hex(data: Bytes): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(data))));
}

/**
 * HMAC of `data` with `key`. SHA-256 everywhere except Aliyun's RPC
 * signature, which is defined on SHA-1.
 */
export async function hmac(
  hash: "SHA-256" | "SHA-1",
  key: Bytes,
  data: Bytes,
): Promise<Uint8Array<ArrayBuffer>> {
  // WebCrypto refuses an empty key, which HMAC allows: the key is zero-padded to the block
  // size, so one zero byte is the same key.
  const raw = utf8(key);
  const k = await crypto.subtle.importKey(
    "raw",
    raw.length ? raw : new Uint8Array(1),
    { name: "HMAC", hash },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, utf8(data)));
}

/** HMAC-SHA256 of `data` with `key`, as bytes (a key for the next step of a derivation). */
export function hmacSha256(key: Bytes, data: Bytes): Promise<Uint8Array<ArrayBuffer>> {
  return hmac("SHA-256", key, data);
}

/** HMAC-SHA256, lowercase hex (Tocsin's own webhooks, Grafana, acknowledge links). */
export async function hmacSha256Hex(key: Bytes, data: Bytes): Promise<string> {
  return hex(await hmacSha256(key, data));
}

/** HMAC-SHA256, standard base64 (DingTalk and Feishu robots). */
export async function hmacSha256Base64(key: Bytes, data: Bytes): Promise<string> {
  return base64(await hmacSha256(key, data));
}

/** Compares two strings in time that depends only on their lengths. */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
