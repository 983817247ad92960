import assert from "node:assert/strict";
import { freePort, ServerProcess, setupTeam } from "./_process.ts";
import { keys } from "../lib/core/keys.ts";
import type { AuditEntry } from "../lib/audit/chain.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** Runs `deno task audit:verify` on the file as an operator would. */
async function verifyTask(kvPath: string): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "audit:verify"],
    cwd: ROOT,
    env: { TOCSIN_KV: kvPath },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: r.code, out: new TextDecoder().decode(r.stdout) };
}

Deno.test("audit - an entry edited in the KV file while the server is stopped is named by verify after restart", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tocsin-audit-" });
  const kvPath = `${dir}/t.kv`;
  await using srv = new ServerProcess(kvPath, freePort());
  await srv.start();
  const { admin, hook } = await setupTeam(srv.url, "text");
  await fetch(`${srv.url}/hooks/${hook.integration.id}`, {
    method: "POST",
    headers: { authorization: `Bearer ${hook.token}`, "content-type": "text/plain" },
    body: "disk full",
  }).then((r) => r.body?.cancel());
  const alert = (await admin.get("/api/v1/alerts")).json.items[0];
  assert.equal((await admin.post(`/api/v1/alerts/${alert.id}/ack`)).status, 200);
  const before = (await admin.get("/api/v1/audit/verify")).json;
  assert.equal(before.ok, true);
  const ack = (await admin.get("/api/v1/audit?action=alert.ack")).json.items[0] as AuditEntry;
  await srv.stop();

  // Somebody with the file rewrites who acknowledged the alert.
  const kv = await Deno.openKv(kvPath);
  await kv.set(keys.auditEntry(ack.seq), { ...ack, actorName: "Somebody else" });
  kv.close();
  const task = await verifyTask(kvPath);
  assert.equal(task.code, 1, task.out);
  assert.match(task.out, new RegExp(`BROKEN at entry ${ack.seq} \\(hash_mismatch\\)`));

  await srv.start();
  const after = (await admin.get("/api/v1/audit/verify")).json;
  assert.deepEqual(after.broken, { seq: ack.seq, reason: "hash_mismatch" });
  assert.equal(after.count, ack.seq - 1);
  await srv.stop();

  // Put back, it verifies again; deleting an earlier entry is named as missing.
  const kv2 = await Deno.openKv(kvPath);
  await kv2.set(keys.auditEntry(ack.seq), ack);
  assert.equal((await verifyTask(kvPath)).code, 0);
  await kv2.delete(keys.auditEntry(2));
  kv2.close();
  const gone = await verifyTask(kvPath);
  assert.equal(gone.code, 1);
  assert.match(gone.out, /BROKEN at entry 2 \(missing\)/);
  await Deno.remove(dir, { recursive: true });
});
