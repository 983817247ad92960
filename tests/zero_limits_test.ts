/**
 * "`0` turns it off" must mean what it says. The list of such limits is read from docs/config.md
 * (every row whose meaning says `0`: off / no cap / unbounded / no limit / keeps forever, and every
 * per-second rate, which the section's header says 0 turns off); each one has a probe below that
 * sets it to 0 and drives past where the default would refuse. A documented limit without a probe
 * fails the test, so a new one cannot be forgotten.
 */
import assert from "node:assert/strict";
import type { Config } from "../lib/core/config.ts";
import { addContact } from "../lib/notify/contacts.ts";
import { takeProviderVerifySend } from "../lib/notify/verify_limits.ts";
import { sweepRetention } from "../lib/chat/retention.ts";
import { sweepAlertRetention } from "../lib/alerts/retention.ts";
import { ManualClock } from "../lib/core/clock.ts";
import { keys } from "../lib/core/keys.ts";
import { countMailRequest } from "../lib/accounts/links.ts";
import { createInvitation } from "../lib/accounts/invitations.ts";
import { createScimToken } from "../lib/accounts/scim_tokens.ts";
import {
  adminClient,
  Client,
  connect,
  startServer,
  type TestServer,
  userClient,
} from "./_helpers.ts";

const DOC = new URL("../docs/config.md", import.meta.url);
const ZERO_OFF =
  /`0`: (off|unbounded|no limit|no cap)|\(0: no cap\)|\b0 keeps them forever|0 turns|0: off/;

async function documentedZeroOff(): Promise<string[]> {
  const out: string[] = [];
  for (const line of (await Deno.readTextFile(DOC)).split("\n")) {
    const m = /^\| `(TOCSIN_[A-Z0-9_]+)`\s*\|[^|]*\|(.*)\|\s*$/.exec(line);
    if (!m) continue;
    if (ZERO_OFF.test(m[2]) || m[1].endsWith("_PER_SEC")) out.push(m[1]);
  }
  return out;
}

/** A server with `overrides`, a member with a password, and their logged-in client. */
async function serverWith(overrides: Partial<Config>) {
  const srv = await startServer({ config: overrides });
  const { client, user } = await userClient(srv, "Zed");
  return { srv, client, user };
}

async function loginAs(srv: TestServer, email: string, password: string): Promise<number> {
  return (await new Client(srv.url).post("/api/v1/session", { email, password })).status;
}

type Probe = () => Promise<void>;

/** Wrong passwords past the default's ceiling, then the right one: it must get in. */
function failuresThenLogin(overrides: Partial<Config>, failures: number): Probe {
  return async () => {
    const { srv, user } = await serverWith(overrides);
    await using _ = srv;
    for (let i = 0; i < failures; i++) {
      const s = await loginAs(srv, user.email, "not-the-password");
      assert.notEqual(s, 429, `failure ${i + 1} was rate limited`);
    }
    assert.equal(await loginAs(srv, user.email, "user-password"), 200);
  };
}

const PROBES: Record<string, Probe> = {
  TOCSIN_LOGIN_MAX_FAILURES_PER_ACCOUNT: failuresThenLogin(
    { loginMaxFailuresPerAccount: 0, loginSlowAfterFailures: 0 },
    12,
  ),
  // The reading of the issue: 0 must not refuse every login.
  TOCSIN_LOGIN_MAX_ATTEMPTS_PER_IP: async () => {
    const { srv, user } = await serverWith({ loginMaxAttemptsPerIp: 0 });
    await using _ = srv;
    for (let i = 0; i < 3; i++) assert.equal(await loginAs(srv, user.email, "user-password"), 200);
    // First-run setup counts against the same window.
    const setup = await new Client(srv.url).get("/api/v1/setup");
    assert.notEqual(setup.status, 429);
  },
  TOCSIN_LOGIN_SLOW_AFTER_FAILURES: failuresThenLogin(
    { loginSlowAfterFailures: 0, loginMaxFailuresPerAccount: 0 },
    3,
  ),
  TOCSIN_LOGIN_SLOW_SPACING_MS: failuresThenLogin(
    { loginSlowAfterFailures: 1, loginSlowSpacingMs: 0, loginMaxFailuresPerAccount: 0 },
    3,
  ),
  TOCSIN_PASSWORD_HASH_CONCURRENCY: async () => {
    const { srv, user } = await serverWith({ passwordHashConcurrency: 0 });
    await using _ = srv;
    const all = await Promise.all(
      Array.from({ length: 4 }, () => loginAs(srv, user.email, "user-password")),
    );
    assert.deepEqual(all, [200, 200, 200, 200]);
  },
  TOCSIN_MAX_API_TOKENS_PER_USER: async () => {
    const { srv, client } = await serverWith({ maxApiTokensPerUser: 0 });
    await using _ = srv;
    for (let i = 0; i < 3; i++) {
      assert.equal((await client.post("/api/v1/tokens", { name: `t${i}` })).status, 201);
    }
  },
  TOCSIN_WS_MAX_PER_USER: manyPolls({ wsMaxPerUser: 0 }),
  // Two users, each under their own cap, all from one address.
  TOCSIN_WS_MAX_PER_ADDRESS: manyPolls({ wsMaxPerAddress: 0 }, 2),
  TOCSIN_MESSAGE_RETENTION_DAYS: async () => {
    const { srv, client } = await serverWith({ messageRetentionDays: 0 });
    await using _ = srv;
    const conv = (await client.post("/api/v1/conversations", { kind: "group", title: "keep" }))
      .json.conversation;
    await client.post(`/api/v1/conversations/${conv.id}/messages`, { clientId: "k", text: "old" });
    assert.deepEqual(await sweepRetention(srv.core), { conversations: 0, deleted: 0 });
    const msgs = (await client.get(`/api/v1/conversations/${conv.id}/messages`)).json.items;
    assert.ok(msgs.some((m: { text: string }) => m.text === "old"));
  },
  TOCSIN_ALERT_RETENTION_DAYS: async () => {
    // A resolved alert far older than any retention: 0 keeps it.
    const clock = new ManualClock(Date.now());
    const srv = await startServer({ config: { alertRetentionDays: 0 }, clock });
    await using _ = srv;
    const { client: admin, user } = await adminClient(srv);
    const team = (await admin.post("/api/v1/teams", { name: "keep", memberIds: [user.id] })).json
      .team;
    const integration =
      (await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id }))
        .json;
    const hook = await fetch(`${srv.url}/hooks/${integration.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${integration.token}`, title: "old" },
      body: "old",
    });
    const id = (await hook.json()).alerts[0].alertId;
    assert.equal((await admin.post(`/api/v1/alerts/${id}/resolve`, {})).status, 200);
    clock.advance(3_650 * 86_400_000);
    assert.deepEqual(await sweepAlertRetention(srv.core), { deleted: 0 });
    assert.notEqual((await srv.kv.get(keys.alert(id))).value, null, "the alert is kept");
  },
  TOCSIN_DING_PER_HOUR: async () => {
    // Past the default's 30 an hour, with the repeat wait off too.
    const { srv, client } = await serverWith({ dingPerHour: 0, dingAgainMs: 0 });
    await using _ = srv;
    const other = await userClient(srv, "Yan");
    const conv = (await client.post("/api/v1/conversations", {
      kind: "group",
      title: "z",
      memberIds: [other.user.id],
    })).json.conversation;
    const msg = (await client.post(`/api/v1/conversations/${conv.id}/messages`, {
      clientId: "z1",
      text: "look",
    })).json.message;
    for (let i = 0; i < 35; i++) {
      const r = await client.post(`/api/v1/conversations/${conv.id}/dings`, {
        seq: msg.seq,
        userIds: [other.user.id],
      });
      assert.equal(r.status, 201, `DING ${i + 1}: ${JSON.stringify(r.json)}`);
    }
  },
  TOCSIN_VERIFY_MAX_PER_USER: async () => {
    const { srv, user } = await serverWith({ verifyMaxPerUser: 0 });
    await using _ = srv;
    for (let i = 0; i < 12; i++) {
      await addContact(srv.core, user, { kind: "email", address: `z${i}@example.com` }, noSend);
    }
  },
  TOCSIN_VERIFY_MAX_PER_ADDRESS: async () => {
    const { srv, user } = await serverWith({ verifyMaxPerAddress: 0 });
    await using _ = srv;
    for (let i = 0; i < 7; i++) {
      const c = await addContact(
        srv.core,
        user,
        { kind: "email", address: "z@example.com" },
        noSend,
      );
      // Deleting and adding again does not reset the count: so the limit would apply here.
      await srv.kv.delete(["contacts", user.id, c.id]);
    }
  },
  TOCSIN_VERIFY_MAX_PER_PROVIDER: async () => {
    const { srv } = await serverWith({ verifyMaxPerProvider: 0 });
    await using _ = srv;
    for (let i = 0; i < 5; i++) {
      assert.equal(await takeProviderVerifySend(srv.core, "01ARZ3NDEKTSV4RRFFQ69G5FAV"), 0);
    }
  },
  TOCSIN_SEND_RATE_PER_SEC: async () => {
    const { srv, client } = await serverWith({ sendRatePerSec: 0 });
    await using _ = srv;
    const conv = (await client.post("/api/v1/conversations", { kind: "group", title: "fast" }))
      .json.conversation;
    const sent = await Promise.all(
      Array.from(
        { length: 30 },
        (_, i) =>
          client.post(`/api/v1/conversations/${conv.id}/messages`, {
            clientId: `f${i}`,
            text: "x",
          }),
      ),
    );
    assert.deepEqual(sent.filter((r) => r.status >= 300).map((r) => r.json), []);
  },
  TOCSIN_WS_MAX_FRAMES_PER_SEC: async () => {
    const { srv, client } = await serverWith({ wsMaxFramesPerSec: 0 });
    await using _ = srv;
    const ws = await connect(client);
    try {
      // Far over any allowance in one burst: nothing is refused and the socket stays open.
      for (let i = 0; i < 300; i++) ws.send({ type: "keepalive" });
      await new Promise((r) => setTimeout(r, 300));
      const frames = ws.frames;
      assert.ok(
        !frames.some((f) => f.type === "error"),
        JSON.stringify(frames.filter((f) => f.type === "error").slice(0, 2)),
      );
      assert.equal(ws.closed, null);
    } finally {
      ws.close();
    }
  },
  TOCSIN_ACCOUNT_MAIL_MAX_PER_EMAIL: async () => {
    // Past the default's 3 reset requests for one address.
    const { srv, user } = await serverWith({ accountMailMaxPerEmail: 0 });
    await using _ = srv;
    for (let i = 0; i < 6; i++) await countMailRequest(srv.core, user.email, `10.0.0.${i}`);
  },
  TOCSIN_ACCOUNT_MAIL_MAX_PER_IP: async () => {
    // Past the default's 30 requests from one address, over the HTTP route.
    const { srv } = await serverWith({ accountMailMaxPerIp: 0 });
    await using _ = srv;
    const anon = new Client(srv.url);
    for (let i = 0; i < 35; i++) {
      const r = await anon.post("/api/v1/password-reset", { email: `p${i}@example.com` });
      assert.equal(r.status, 202, `request ${i + 1}: ${JSON.stringify(r.json)}`);
    }
  },
  TOCSIN_MAX_INVITATIONS: async () => {
    // Past the default's 1,000 pending invitations.
    const srv = await startServer({ config: { maxInvitations: 0 } });
    await using _ = srv;
    const { user } = await adminClient(srv);
    for (let i = 0; i < 1_005; i++) {
      await createInvitation(srv.core, user, { email: `i${i}@example.com`, role: "member" });
    }
  },
  TOCSIN_MAX_SCIM_TOKENS: async () => {
    // Past the default's 10 SCIM tokens.
    const srv = await startServer({ config: { maxScimTokens: 0 } });
    await using _ = srv;
    const { user } = await adminClient(srv);
    for (let i = 0; i < 12; i++) await createScimToken(srv.core, user, `t${i}`);
  },
};

function noSend(): Promise<void> {
  return Promise.resolve();
}

/** 25 long polls (of `users` users) from one address at once: none refused. */
function manyPolls(overrides: Partial<Config>, users = 1): Probe {
  return async () => {
    const { srv, client } = await serverWith(overrides);
    await using _ = srv;
    const clients = [client];
    while (clients.length < users) clients.push((await userClient(srv, "Yan")).client);
    const polls = await Promise.all(
      Array.from({ length: 25 }, (_, i) => clients[i % users].get("/api/v1/poll?timeout=100")),
    );
    assert.deepEqual(polls.filter((p) => p.status !== 200).map((p) => p.status), []);
  };
}

Deno.test("zero limits - every limit documented as off at 0 has a probe", async () => {
  const names = await documentedZeroOff();
  assert.ok(names.includes("TOCSIN_LOGIN_MAX_ATTEMPTS_PER_IP"), "the doc is read");
  assert.deepEqual(names.filter((n) => !Object.hasOwn(PROBES, n)), []);
});

for (const name of await documentedZeroOff()) {
  if (!Object.hasOwn(PROBES, name)) continue;
  Deno.test({
    name: `zero limits - ${name}=0 turns the limit off`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: PROBES[name],
  });
}
