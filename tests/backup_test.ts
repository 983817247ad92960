/**
 * Backup while serving, restore into a fresh store, and run Tocsin on it: everything is there
 * and a reminder that was pending at backup time fires once, on the restored server.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import type { TimelineEntry } from "../lib/alerts/model.ts";
import { EXPIRY_RULES } from "../lib/ops/backup.ts";
import { Client, sleep } from "./_helpers.ts";
import { freePort, ServerProcess, setupTeam } from "./_process.ts";

const ROOT = new URL("../", import.meta.url).pathname;
/** The reminder comes this long after the alert: time enough to back up, restore and restart. */
const REMINDER_S = 12;

/** Runs one of the ops scripts as a user would (`deno task backup|restore`). */
async function task(
  script: "backup" | "restore",
  kvPath: string,
  args: string[],
): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}ops/${script}.ts`, ...args],
    env: { TOCSIN_KV: kvPath },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${script} failed: ${stderr}`);
  return stderr;
}

/**
 * The first key part of every entry of a SQLite store that has an expiry, read from the file
 * itself (KV does not tell a reader): a string part is 0x02, its UTF-8, 0x00.
 */
function expiringPrefixes(kvPath: string): Set<string> {
  const db = new DatabaseSync(kvPath, { readOnly: true });
  try {
    const rows = db.prepare("SELECT k FROM kv WHERE expiration_ms >= 0").all() as {
      k: Uint8Array;
    }[];
    return new Set(rows.map(({ k }) => {
      assert.equal(k[0], 0x02, "keys start with a string");
      return new TextDecoder().decode(k.subarray(1, k.indexOf(0, 1)));
    }));
  } finally {
    db.close();
  }
}

/** Every entry of a store, keys and values, except those backup leaves out on purpose. */
async function dump(kvPath: string) {
  const kv = await Deno.openKv(kvPath);
  try {
    const out: { key: Deno.KvKey; value: unknown }[] = [];
    for await (const e of kv.list({ prefix: [] })) {
      if (EXPIRY_RULES.get(String(e.key[0]))?.kind === "skip") continue;
      out.push({ key: e.key, value: e.value });
    }
    return out;
  } finally {
    kv.close();
  }
}

Deno.test("backup - taken while serving, restored into a fresh store, Tocsin runs on it", async () => {
  const dir = await Deno.makeTempDir();
  const env = { TOCSIN_TIMER_SWEEP_MS: "300" };
  try {
    // 1. Traffic through a real server.
    const a = new ServerProcess(`${dir}/a.kv`, freePort(), env);
    await a.start();
    const { admin, team, hook } = await setupTeam(a.url, "text");
    assert.equal(
      (await admin.request("PUT", "/api/v1/settings/reminders", {
        urgent: { everyMinutes: REMINDER_S / 60, maxRepeats: 1 },
        high: { everyMinutes: 0, maxRepeats: 0 },
        medium: { everyMinutes: 0, maxRepeats: 0 },
        low: { everyMinutes: 0, maxRepeats: 0 },
      })).status,
      200,
    );
    await admin.request("PUT", "/api/v1/me/notification-rules", {
      urgent: [],
      high: [],
      medium: [],
      low: [],
    });
    const bob = (await admin.post("/api/v1/users", {
      email: "bob@example.com",
      name: "Bob",
      password: "bob-pass-word",
      role: "member",
    })).json.user;
    const conv = (await admin.post("/api/v1/conversations", {
      kind: "group",
      title: "ops room",
      memberIds: [bob.id],
    })).json.conversation;
    for (let i = 0; i < 5; i++) {
      const r = await admin.post(`/api/v1/conversations/${conv.id}/messages`, {
        clientId: `c-${i}`,
        text: `message ${i} ✓`,
      });
      assert.equal(r.status, 201, JSON.stringify(r.json));
    }
    const sched = await admin.post("/api/v1/schedules", {
      name: "primary",
      teamId: team.id,
      timeZone: "Europe/Berlin",
      layers: [{
        name: "weekly",
        participants: [(await admin.get("/api/v1/me")).json.user.id],
        rotation: "weekly",
        handoff: "09:00",
        startDate: "2026-11-02",
      }],
    });
    assert.equal(sched.status, 201, JSON.stringify(sched.json));
    const post = await fetch(`${a.url}/hooks/${hook.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${hook.token}`, priority: "urgent", title: "disk full" },
      body: "disk full on db-1",
    });
    assert.equal(post.status, 202);
    await post.body?.cancel();
    const alert = (await admin.get("/api/v1/alerts")).json.items[0];
    assert.equal(alert.title, "disk full");

    // 2. Back up while the server serves and messages keep coming.
    let sending = true;
    let sent = 5;
    const traffic = (async () => {
      while (sending) {
        await admin.post(`/api/v1/conversations/${conv.id}/messages`, {
          clientId: `live-${sent}`,
          text: `live ${sent++}`,
        });
      }
    })();
    const said = await task("backup", `${dir}/a.kv`, ["--out", `${dir}/backup.ndjson`]);
    sending = false;
    await traffic;
    assert.match(said, /^backup: \d+ entries/);
    await a.kill();
    // Every key prefix Tocsin wrote with an expiry has a rule for backup and restore.
    const expiring = expiringPrefixes(`${dir}/a.kv`);
    for (const p of ["sessions", "messages_by_client_id", "fanout_log"]) {
      assert.ok(expiring.has(p), `traffic wrote expiring ${p} entries`);
    }
    for (const p of expiring) assert.ok(EXPIRY_RULES.has(p), `no expiry rule for ${p}`);

    // 3. Restore into a fresh store; a second restore into it is refused.
    await task("restore", `${dir}/b.kv`, [`${dir}/backup.ndjson`]);
    await assert.rejects(task("restore", `${dir}/b.kv`, [`${dir}/backup.ndjson`]), /not empty/);
    // Restored entries of those prefixes expire again; the ones left out are not there.
    const reExpiring = expiringPrefixes(`${dir}/b.kv`);
    for (const p of expiring) {
      assert.equal(reExpiring.has(p), EXPIRY_RULES.get(p)!.kind !== "skip", p);
    }
    const restored = await dump(`${dir}/b.kv`);
    const pending = restored.filter((e) => e.key[0] === "timers" && e.value !== null);
    assert.ok(
      pending.some((e) => (e.value as { kind: string; alertId: string }).alertId === alert.id),
      "the pending reminder timer is in the restored store",
    );

    // 4. Tocsin on the restored store: the admin's login still works (sessions are restored).
    await using b = new ServerProcess(`${dir}/b.kv`, freePort(), env);
    await b.start();
    const admin2 = new Client(b.url);
    admin2.cookie = admin.cookie;
    const convs = (await admin2.get("/api/v1/conversations")).json.items as { id: string }[];
    assert.ok(convs.some((c) => c.id === conv.id), "the conversation");
    const history = (await admin2.get(`/api/v1/conversations/${conv.id}/messages?limit=200`)).json;
    const texts = (history.items ?? history.messages).map((m: { text: string }) => m.text);
    for (let i = 0; i < 5; i++) assert.ok(texts.includes(`message ${i} ✓`), `message ${i}`);
    const seqs = (history.items ?? history.messages).map((m: { seq: number }) => m.seq);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), "in order");
    assert.equal((await admin2.get(`/api/v1/alerts/${alert.id}`)).json.alert.title, "disk full");
    assert.equal((await admin2.get(`/api/v1/schedules/${sched.json.schedule.id}`)).status, 200);
    assert.equal((await admin2.get(`/api/v1/teams/${team.id}`)).status, 200);
    // Bob can log in with his password; the integration's token still takes alerts.
    const bobClient = new Client(b.url);
    const login = await bobClient.post("/api/v1/session", {
      email: "bob@example.com",
      password: "bob-pass-word",
    });
    assert.equal(login.status, 200, JSON.stringify(login.json));
    const again = await fetch(`${b.url}/hooks/${hook.integration.id}`, {
      method: "POST",
      headers: { authorization: `Bearer ${hook.token}`, title: "after restore" },
      body: "x",
    });
    assert.equal(again.status, 202);
    await again.body?.cancel();

    // 5. The reminder fires once, on the restored server.
    const reminders = async () =>
      ((await admin2.get(`/api/v1/alerts/${alert.id}`)).json.timeline as TimelineEntry[])
        .filter((t) => t.kind === "notified" && (t.detail as { reminder?: number })?.reminder === 1)
        .length;
    const deadline = Date.now() + (REMINDER_S + 15) * 1000;
    while (await reminders() === 0 && Date.now() < deadline) await sleep(200);
    assert.equal(await reminders(), 1, "the reminder fired");
    await sleep(1_000); // a few more sweeps: still once
    assert.equal(await reminders(), 1, "and only once");
    await b.stop();

    // 6. Offline, a backup restores to exactly the same entries, every value of every type.
    await task("backup", `${dir}/b.kv`, ["--out", `${dir}/b.ndjson`]);
    await task("restore", `${dir}/c.kv`, [`${dir}/b.ndjson`]);
    assert.deepEqual(await dump(`${dir}/c.kv`), await dump(`${dir}/b.kv`));
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
