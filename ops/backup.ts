/**
 * `deno task backup [--out FILE] [--kv PATH]`: writes every entry of Tocsin's KV store as NDJSON
 * to FILE (written whole, then renamed into place) or to stdout. The store is TOCSIN_KV, as for
 * the server; it may be serving meanwhile (docs/operations.md says what that backup guarantees).
 */
import { parseArgs } from "node:util";
import { systemClock } from "../lib/core/clock.ts";
import { loadConfig } from "../lib/core/config.ts";
import { writeBackup } from "../lib/ops/backup.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { out: { type: "string" }, kv: { type: "string" } },
});
const config = loadConfig(Deno.env.toObject());
const path = values.kv ?? config.kvPath;
if (!/^https?:\/\//.test(path) && path !== ":memory:") {
  // Opening a missing file would create an empty store and back up nothing.
  await Deno.stat(path).catch(() => {
    console.error(`backup: no KV store at ${path} (set TOCSIN_KV or pass --kv)`);
    Deno.exit(1);
  });
}
const kv = await Deno.openKv(path);
try {
  let stats;
  if (values.out) {
    const tmp = `${values.out}.partial`;
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
    try {
      stats = await writeBackup(kv, file.writable, { clock: systemClock });
    } catch (err) {
      await Deno.remove(tmp).catch(() => {});
      throw err;
    }
    await Deno.rename(tmp, values.out);
  } else {
    stats = await writeBackup(kv, Deno.stdout.writable, { clock: systemClock });
  }
  const skipped = Object.entries(stats.skipped).map(([p, n]) => `${p} ${n}`).join(", ");
  console.error(
    `backup: ${stats.entries} entries${skipped ? `; left out: ${skipped}` : ""}` +
      (values.out ? ` -> ${values.out}` : ""),
  );
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  Deno.exitCode = 1;
} finally {
  kv.close();
}
