/**
 * `deno task audit:verify [--kv PATH] [--json]`: checks the audit log's hash chain in Tocsin's
 * KV store (TOCSIN_KV, as for the server) and prints the verdict: how many entries are intact
 * and, when the chain is broken, the first broken entry and why. Exit code 0 when intact, 1
 * when broken, 2 when the store cannot be opened. It only reads, so the server may be running.
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../lib/core/config.ts";
import { verifyAudit } from "../lib/audit/verify.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { kv: { type: "string" }, json: { type: "boolean" } },
});
const config = loadConfig(Deno.env.toObject());
const path = values.kv ?? config.kvPath;
if (!/^https?:\/\//.test(path) && path !== ":memory:") {
  // Opening a missing file would create an empty store, whose empty chain verifies.
  await Deno.stat(path).catch(() => {
    console.error(`audit:verify: no KV store at ${path} (set TOCSIN_KV or pass --kv)`);
    Deno.exit(2);
  });
}
const kv = await Deno.openKv(path);
try {
  const v = await verifyAudit(kv);
  if (values.json) console.log(JSON.stringify(v));
  else if (v.ok) console.log(`audit chain intact: ${v.count} entries, last hash ${v.lastHash}`);
  else {
    console.log(
      `audit chain BROKEN at entry ${v.broken!.seq} (${v.broken!.reason}); ` +
        `${v.count} entries before it are intact`,
    );
  }
  Deno.exitCode = v.ok ? 0 : 1;
} finally {
  kv.close();
}
