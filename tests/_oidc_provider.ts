/**
 * A real OpenID provider for tests: the certified `oidc-provider` package on
 * node:http, port 0, with its development login form (any password) and
 * accounts given by the test. Its signing key is the test's own, so that a
 * test can make it issue an ID token for another audience (`tamper`).
 */
import Provider from "oidc-provider";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { base64url } from "../lib/core/crypto.ts";

export interface TestProvider extends AsyncDisposable {
  issuer: string;
  /** When set, the token endpoint's ID token is re-signed with this audience. */
  tamper: { audience?: string };
}

/** Cookies of one browser, per host (enough for the provider and Tocsin on 127.0.0.1). */
export class Jar {
  #cookies = new Map<string, string>();
  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair.indexOf("=");
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1);
      if (value === "" || /max-age=0|expires=thu, 01 jan 1970/i.test(c)) {
        this.#cookies.delete(name);
      } else this.#cookies.set(name, value);
    }
  }
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.#cookies.size) headers.set("cookie", this.header());
    const res = await fetch(url, { ...init, headers, redirect: "manual" });
    this.take(res);
    return res;
  }
}

async function signingKey() {
  const pair = await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  );
  // Without WebCrypto's key_ops (["sign"]), which would stop the provider verifying with it.
  const { key_ops: _ops, ext: _ext, ...jwk } = await crypto.subtle.exportKey(
    "jwk",
    pair.privateKey,
  );
  return { jwk: { ...jwk, kid: "test-key", alg: "RS256", use: "sig" }, key: pair.privateKey };
}

async function resign(jwt: string, key: CryptoKey, patch: Record<string, unknown>) {
  const [h, p] = jwt.split(".");
  const claims = JSON.parse(new TextDecoder().decode(
    Uint8Array.from(atob(p.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0)),
  ));
  const body = base64url(new TextEncoder().encode(JSON.stringify({ ...claims, ...patch })));
  const sig = await crypto.subtle.sign(
    "RSASSA-PKCS1-v1_5",
    key,
    new TextEncoder().encode(`${h}.${body}`),
  );
  return `${h}.${body}.${base64url(new Uint8Array(sig))}`;
}

/**
 * Starts a provider with one confidential client (`tocsin`, secret `tocsin-secret`) allowed to
 * come back to `redirectUri`, and the given accounts (id -> claims).
 */
export async function startProvider(
  redirectUri: string,
  accounts: Record<string, Record<string, unknown>>,
): Promise<TestProvider> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { jwk, key } = await signingKey();
  const origin = new URL(redirectUri).origin;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: "tocsin",
      client_secret: "tocsin-secret",
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [`${origin}/login`],
    }],
    jwks: { keys: [jwk] },
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name"],
      groups: ["groups"],
    },
    pkce: { required: () => true },
    findAccount: (_ctx: unknown, id: string) =>
      Object.hasOwn(accounts, id)
        ? { accountId: id, claims: () => ({ sub: id, ...accounts[id] }) }
        : undefined,
  });
  const tamper: TestProvider["tamper"] = {};
  // deno-lint-ignore no-explicit-any
  provider.use(async (ctx: any, next: () => Promise<void>) => {
    await next();
    if (ctx.path === "/token" && tamper.audience && ctx.body?.id_token) {
      ctx.body = {
        ...ctx.body,
        id_token: await resign(ctx.body.id_token, key, { aud: tamper.audience }),
      };
    }
  });
  server.on("request", provider.callback());
  return {
    issuer,
    tamper,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * Signs in at the provider as `login` the way a browser would (its login form,
 * then its consent form) and returns the URL it sends the browser back to.
 */
export async function loginAtProvider(
  jar: Jar,
  authorizationUrl: string,
  login: string,
  redirectUri: string,
): Promise<URL> {
  let url = authorizationUrl;
  for (let i = 0; i < 12; i++) {
    if (url.startsWith(redirectUri)) return new URL(url);
    let res = await jar.fetch(url);
    if (res.status === 200) {
      const html = await res.text();
      const action = new URL(/action="([^"]+)"/.exec(html)![1], url).href;
      const form: Record<string, string> = html.includes('name="login"')
        ? { prompt: "login", login, password: "any" }
        : { prompt: "consent" };
      res = await jar.fetch(action, {
        method: "POST",
        body: new URLSearchParams(form),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
    } else await res.body?.cancel();
    const loc = res.headers.get("location");
    if (!loc) throw new Error(`the provider stopped at ${url} with ${res.status}`);
    url = new URL(loc, url).href;
  }
  throw new Error("too many redirects at the provider");
}
