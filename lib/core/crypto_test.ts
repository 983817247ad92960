import assert from "node:assert/strict";
import {
  base64,
  hex,
  hmac,
  hmacSha256,
  hmacSha256Base64,
  hmacSha256Hex,
  sha256Hex,
} from "./crypto.ts";

Deno.test("crypto - sha256Hex matches the FIPS 180-2 vector for 'abc'", async () => {
  assert.equal(
    await sha256Hex("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(await sha256Hex(new TextEncoder().encode("abc")), await sha256Hex("abc"));
});

Deno.test("crypto - hmacSha256Hex matches RFC 4231 test case 2", async () => {
  assert.equal(
    await hmacSha256Hex("Jefe", "what do ya want for nothing?"),
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  );
});

Deno.test("crypto - hmacSha256 takes a byte key (RFC 4231 test case 1) and base64 encodes", async () => {
  const key = new Uint8Array(20).fill(0x0b);
  const mac = await hmacSha256(key, "Hi There");
  assert.equal(hex(mac), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  assert.equal(await hmacSha256Base64(key, "Hi There"), base64(mac));
  assert.equal(base64(mac), "sDRMYdjbOFNcqK/OrwvxK4gdwgDJgz2nJuk3bC4yz/c=");
});

Deno.test("crypto - hmac SHA-1 matches RFC 2202 test case 2 (Aliyun's signature)", async () => {
  assert.equal(
    hex(await hmac("SHA-1", "Jefe", "what do ya want for nothing?")),
    "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
  );
});

Deno.test("crypto - an empty key and an empty message are signed, not refused", async () => {
  // HMAC-SHA256 with an empty key and message, a widely published value. Feishu signs "", and
  // WebCrypto alone refuses an empty key.
  assert.equal(
    await hmacSha256Hex("", ""),
    "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad",
  );
});
