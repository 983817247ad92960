/**
 * Invitations, password reset and self-registration, end to end over HTTP,
 * with the e-mails received by a real SMTP server (aiosmtpd).
 */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import {
  adminClient,
  Client,
  sleep,
  startServer,
  type TestServer,
  userClient,
} from "./_helpers.ts";
import { PYTHON, smtpServer } from "./_smtp.ts";

const hasSmtp = await Deno.stat(PYTHON).then(() => true, () => false);

/** Decodes quoted-printable soft breaks and escapes, enough to find a link. */
function qp(s: string): string {
  return s.replace(/=\r?\n/g, "").replace(
    /=([0-9A-F]{2})/g,
    (_, h) => String.fromCharCode(parseInt(h, 16)),
  );
}

/** Waits for a message to `to` and returns the token after `/<path>#`. */
async function linkFor(
  smtp: Awaited<ReturnType<typeof smtpServer>>,
  to: string,
  path: string,
  exclude: string[] = [],
): Promise<string> {
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    const found = (await smtp.messages()).map(qp).filter((m) => m.includes(`To: ${to}`));
    const tokens = found.flatMap((m) =>
      [...m.matchAll(new RegExp(`/${path}#([\\w.-]+)`, "g"))].map((x) => x[1])
    );
    const unique = [...new Set(tokens)];
    const fresh = unique.find((t) => !exclude.includes(t));
    if (fresh) return fresh;
    await sleep(50);
  }
  throw new Error(`no ${path} e-mail to ${to}`);
}

async function addSmtp(admin: Client, port: number) {
  const r = await admin.post("/api/v1/providers", {
    name: "loopback",
    kind: "smtp",
    config: { host: "127.0.0.1", port, security: "none", from: "Tocsin <tocsin@example.com>" },
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
}

function withSmtp(
  name: string,
  fn: (
    srv: TestServer,
    smtp: Awaited<ReturnType<typeof smtpServer>>,
    clock: ManualClock,
  ) => Promise<void>,
  config = {},
) {
  Deno.test({
    name,
    ignore: !Deno.env.get("CI") && !hasSmtp,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const smtp = await smtpServer();
      const clock = new ManualClock(Date.now());
      try {
        await using srv = await startServer({ clock, config });
        await fn(srv, smtp, clock);
      } finally {
        await smtp.close();
      }
    },
  });
}

withSmtp(
  "invitations - e-mailed link creates the account once; expired, tampered and revoked links are refused",
  async (srv, smtp, clock) => {
    const { client: admin } = await adminClient(srv);
    const member = await userClient(srv, "Mem");
    await addSmtp(admin, smtp.port);
    assert.equal(
      (await member.client.post("/api/v1/invitations", { email: "x@example.com" })).status,
      403,
    );

    const inv = await admin.post("/api/v1/invitations", {
      email: "New.Person@Example.com",
      role: "member",
    });
    assert.equal(inv.status, 201, JSON.stringify(inv.json));
    assert.equal(inv.json.invitation.email, "new.person@example.com");
    assert.equal(JSON.stringify(inv.json).includes("secretHash"), false);
    // A second invitation to the same address, or to an existing account, is a conflict.
    assert.equal(
      (await admin.post("/api/v1/invitations", { email: "new.person@example.com" })).status,
      409,
    );
    assert.equal(
      (await admin.post("/api/v1/invitations", { email: member.user.email })).status,
      409,
    );
    const token = await linkFor(smtp, "new.person@example.com", "invite");
    // Only the secret's hash is stored.
    const secret = token.split(".")[1];
    for await (const e of srv.kv.list({ prefix: [] })) {
      assert.equal(JSON.stringify(e.value).includes(secret), false, String(e.key));
    }
    const list = await admin.get("/api/v1/invitations");
    assert.deepEqual(list.json.items.map((i: { email: string }) => i.email), [
      "new.person@example.com",
    ]);

    // Tampered: the secret's last character changed, or another id.
    const anon = new Client(srv.url);
    const flip = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
    for (const bad of [flip, "01ARZ3NDEKTSV4RRFFQ69G5FAV" + token.slice(26), "nonsense"]) {
      const r = await anon.post("/api/v1/invitations/accept", {
        token: bad,
        name: "X",
        password: "long-enough-1",
      });
      assert.equal(r.status, 404, bad);
    }
    assert.deepEqual((await anon.post("/api/v1/invitations/peek", { token })).json, {
      email: "new.person@example.com",
      role: "member",
    });
    const ok = await anon.post("/api/v1/invitations/accept", {
      token,
      name: "New Person",
      password: "long-enough-1",
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.equal((await anon.get("/api/v1/me")).json.user.name, "New Person");
    // Single use; the invitation is gone from the list; the password works for login.
    const again = await new Client(srv.url).post("/api/v1/invitations/accept", {
      token,
      name: "Y",
      password: "long-enough-2",
    });
    assert.equal(again.status, 404);
    assert.deepEqual((await admin.get("/api/v1/invitations")).json.items, []);
    assert.equal(
      (await new Client(srv.url).post("/api/v1/session", {
        email: "new.person@example.com",
        password: "long-enough-1",
      })).status,
      200,
    );

    // Expiry, resend (the old link stops working, the new one works), revoke.
    const inv2 =
      (await admin.post("/api/v1/invitations", { email: "late@example.com", role: "admin" })).json
        .invitation;
    const t1 = await linkFor(smtp, "late@example.com", "invite");
    clock.advance(srv.config.inviteTtlMs + 1);
    assert.equal((await anon.post("/api/v1/invitations/peek", { token: t1 })).status, 404);
    assert.equal((await admin.post(`/api/v1/invitations/${inv2.id}/resend`)).status, 200);
    const t2 = await linkFor(smtp, "late@example.com", "invite", [t1]);
    assert.notEqual(t1, t2);
    assert.equal((await anon.post("/api/v1/invitations/peek", { token: t1 })).status, 404);
    assert.equal((await anon.post("/api/v1/invitations/peek", { token: t2 })).json.role, "admin");
    assert.equal((await admin.delete(`/api/v1/invitations/${inv2.id}`)).status, 200);
    assert.equal((await anon.post("/api/v1/invitations/peek", { token: t2 })).status, 404);
  },
);

withSmtp(
  "password reset - same answer for unknown addresses, rate limited, single use, ends the user's sessions",
  async (srv, smtp) => {
    const { client: admin } = await adminClient(srv);
    await addSmtp(admin, smtp.port);
    const ann = await userClient(srv, "Ann");
    const token = (await ann.client.post("/api/v1/tokens", { name: "cli" })).json.token;
    const anon = new Client(srv.url);

    const known = await anon.post("/api/v1/password-reset", { email: ann.user.email });
    const unknown = await anon.post("/api/v1/password-reset", { email: "nobody@example.com" });
    assert.equal(known.status, 202);
    assert.deepEqual([unknown.status, unknown.json], [known.status, known.json]);
    const link = await linkFor(smtp, ann.user.email, "reset");
    await sleep(200);
    assert.equal((await smtp.messages()).some((m) => m.includes("nobody@example.com")), false);

    // Per e-mail: the limit holds for known and unknown addresses alike.
    for (let i = 0; i < srv.config.accountMailMaxPerEmail - 1; i++) {
      assert.equal(
        (await anon.post("/api/v1/password-reset", { email: "nobody@example.com" })).status,
        202,
      );
    }
    const limited = await anon.post("/api/v1/password-reset", { email: "nobody@example.com" });
    assert.equal(limited.status, 429);
    assert.ok(limited.headers.get("retry-after"));

    const weak = await anon.post("/api/v1/password-reset/confirm", {
      token: link,
      password: "short",
    });
    assert.equal(weak.status, 400);
    const done = await anon.post("/api/v1/password-reset/confirm", {
      token: link,
      password: "brand-new-pass",
    });
    assert.equal(done.status, 200, JSON.stringify(done.json));
    // The old session and API token are ended; the new session works; the link works once.
    assert.equal((await ann.client.get("/api/v1/me")).status, 401);
    assert.equal((await new Client(srv.url, token, null).get("/api/v1/me")).status, 401);
    assert.equal((await anon.get("/api/v1/me")).status, 200);
    assert.equal(
      (await new Client(srv.url).post("/api/v1/password-reset/confirm", {
        token: link,
        password: "another-pass-1",
      })).status,
      404,
    );
    assert.equal(
      (await new Client(srv.url).post("/api/v1/session", {
        email: ann.user.email,
        password: "brand-new-pass",
      })).status,
      200,
    );
  },
  { accountMailMaxPerEmail: 3 },
);

withSmtp(
  "password reset - per-address limit counts every e-mail asked for from one client",
  async (srv) => {
    await adminClient(srv);
    const anon = new Client(srv.url);
    for (let i = 0; i < 2; i++) {
      assert.equal(
        (await anon.post("/api/v1/password-reset", { email: `p${i}@example.com` })).status,
        202,
      );
    }
    assert.equal(
      (await anon.post("/api/v1/password-reset", { email: "p9@example.com" })).status,
      429,
    );
  },
  { accountMailMaxPerIp: 2 },
);

withSmtp(
  "self-registration - off by default; allowed domains only; the e-mailed link creates a member",
  async (srv, smtp) => {
    const { client: admin } = await adminClient(srv);
    await addSmtp(admin, smtp.port);
    const anon = new Client(srv.url);
    assert.deepEqual((await anon.get("/api/v1/signup")).json, { enabled: false });
    assert.equal((await anon.post("/api/v1/signup", { email: "a@corp.example" })).status, 403);
    // On without a domain is refused; a member may not change it.
    assert.equal(
      (await admin.request("PUT", "/api/v1/signup-settings", { enabled: true, domains: [] }))
        .status,
      400,
    );
    const member = await userClient(srv, "Mem");
    assert.equal(
      (await member.client.request("PUT", "/api/v1/signup-settings", {
        enabled: true,
        domains: ["corp.example"],
      })).status,
      403,
    );
    const saved = await admin.request("PUT", "/api/v1/signup-settings", {
      enabled: true,
      domains: ["Corp.Example"],
    });
    assert.deepEqual(saved.json, { enabled: true, domains: ["corp.example"] });
    assert.equal((await anon.post("/api/v1/signup", { email: "eve@evil.example" })).status, 400);
    assert.equal((await anon.post("/api/v1/signup", { email: "Bob@corp.example" })).status, 202);
    const token = await linkFor(smtp, "bob@corp.example", "register");
    const r = await anon.post("/api/v1/signup/complete", {
      token,
      name: "Bob",
      password: "bobs-password",
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.user.role, "member");
    assert.equal((await anon.get("/api/v1/me")).json.user.email, "bob@corp.example");
    assert.equal(
      (await new Client(srv.url).post("/api/v1/signup/complete", {
        token,
        name: "B2",
        password: "bobs-password",
      })).status,
      404,
    );
  },
);

Deno.test("self-registration - TOCSIN_SIGNUP_DOMAINS turns it on for those domains", async () => {
  const { loadConfig } = await import("../lib/core/config.ts");
  assert.equal(loadConfig({}).signupEnabled, false);
  const c = loadConfig({ TOCSIN_SIGNUP_DOMAINS: "corp.example, Sub.Corp.Example" });
  assert.deepEqual([c.signupEnabled, c.signupDomains], [true, [
    "corp.example",
    "sub.corp.example",
  ]]);
  assert.throws(() => loadConfig({ TOCSIN_SIGNUP_DOMAINS: "not a domain" }));
});
