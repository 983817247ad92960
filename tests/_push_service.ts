/**
 * A stand-in Web Push service on 127.0.0.1 (RFC 8030), checking what a real one checks: the
 * VAPID JWT (RFC 8292: ES256 signature by the key in `k`, audience = this origin, expiry within
 * 24 h, a contact), the TTL header, and aes128gcm content coding. It plays the browser too: it
 * makes each subscription's keys and decrypts the payload (RFC 8291) with them, as a browser
 * would. A subscription can be made "gone" (410), like one whose browser unsubscribed.
 */
import crypto from "node:crypto";
import ece from "http_ece";

export interface Received {
  subscription: string;
  vapidKey: string;
  ttl: number;
  urgency: string | null;
  payload: Record<string, unknown>;
}

function b64urlBytes(s: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(s, "base64url"));
}

/** Verifies a VAPID JWT; returns why not, or null when it is good. */
async function checkVapid(header: string | null, origin: string): Promise<string | null> {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? "");
  if (!m) return "no vapid authorization";
  const [h, p, s] = m[1].split(".");
  if (!h || !p || !s) return "malformed jwt";
  const head = JSON.parse(new TextDecoder().decode(b64urlBytes(h)));
  if (head.alg !== "ES256") return "alg is not ES256";
  const key = await crypto.webcrypto.subtle.importKey(
    "raw",
    b64urlBytes(m[2]),
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["verify"],
  );
  const ok = await crypto.webcrypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    key,
    b64urlBytes(s),
    new TextEncoder().encode(`${h}.${p}`),
  );
  if (!ok) return "bad signature";
  const claims = JSON.parse(new TextDecoder().decode(b64urlBytes(p)));
  if (claims.aud !== origin) return `audience ${claims.aud} is not ${origin}`;
  const now = Date.now() / 1000;
  if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) return "bad expiry";
  if (!/^(mailto:|https:)/.test(String(claims.sub ?? ""))) return "no contact (sub)";
  return null;
}

export function pushService() {
  const subs = new Map<string, { ecdh: crypto.ECDH; auth: Buffer; gone: boolean }>();
  const received: Received[] = [];
  const refused: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const id = url.pathname.split("/").pop() ?? "";
    const sub = subs.get(id);
    const body = new Uint8Array(await req.arrayBuffer());
    if (!sub) return new Response("no such subscription", { status: 404 });
    if (sub.gone) return new Response("gone", { status: 410 });
    const why = await checkVapid(req.headers.get("authorization"), url.origin);
    if (why) {
      refused.push(why);
      return new Response(why, { status: 401 });
    }
    const ttl = Number(req.headers.get("ttl"));
    if (!Number.isInteger(ttl) || ttl < 0) return new Response("no TTL", { status: 400 });
    if (req.headers.get("content-encoding") !== "aes128gcm") {
      return new Response("content-encoding", { status: 415 });
    }
    const plain = ece.decrypt(Buffer.from(body), {
      version: "aes128gcm",
      privateKey: sub.ecdh,
      authSecret: sub.auth.toString("base64url"),
    });
    const k = /k=([A-Za-z0-9_-]+)/.exec(req.headers.get("authorization")!)![1];
    received.push({
      subscription: id,
      vapidKey: k,
      ttl,
      urgency: req.headers.get("urgency"),
      payload: JSON.parse(plain.toString()),
    });
    return new Response(null, { status: 201 });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  return {
    base,
    received,
    refused,
    /** A new subscription, as a browser's PushSubscription.toJSON() gives it. */
    subscribe(id: string) {
      const ecdh = crypto.createECDH("prime256v1");
      ecdh.generateKeys();
      const auth = crypto.randomBytes(16);
      subs.set(id, { ecdh, auth, gone: false });
      return {
        endpoint: `${base}/push/${id}`,
        keys: {
          p256dh: ecdh.getPublicKey().toString("base64url"),
          auth: auth.toString("base64url"),
        },
      };
    },
    gone(id: string) {
      subs.get(id)!.gone = true;
    },
    close: () => server.shutdown(),
  };
}
