/**
 * `deno task restore [--force] [--kv PATH] FILE|-`: loads a backup written by `deno task backup`
 * into Tocsin's KV store (TOCSIN_KV), which must be empty unless --force. Stop Tocsin first, and
 * start it on the restored store afterwards (docs/operations.md).
 */
import { parseArgs } from "node:util";
import { systemClock } from "../lib/core/clock.ts";
import { loadConfig } from "../lib/core/config.ts";
import { restoreBackup } from "../lib/ops/backup.ts";
import { openStore } from "../main.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: { force: { type: "boolean" }, kv: { type: "string" } },
});
if (positionals.length !== 1) {
  console.error("usage: deno task restore [--force] [--kv PATH] FILE   (FILE - reads stdin)");
  Deno.exit(2);
}
const config = loadConfig(Deno.env.toObject());
const input = positionals[0] === "-"
  ? Deno.stdin.readable
  : (await Deno.open(positionals[0], { read: true })).readable;
const kv = await openStore(values.kv ?? config.kvPath);
try {
  const stats = await restoreBackup(kv, input, {
    config,
    clock: systemClock,
    force: values.force ?? false,
  });
  const skipped = Object.entries(stats.skipped).map(([p, n]) => `${p} ${n}`).join(", ");
  console.error(
    `restore: ${stats.entries} entries${skipped ? `; left out (expired): ${skipped}` : ""}`,
  );
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  Deno.exitCode = 1;
} finally {
  kv.close();
}
