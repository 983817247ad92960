/**
 * A process that only runs the migrations (the real list plus a counted one) on the KV file named
 * by its argument, then prints the names it ran as JSON: tests/upgrade_test.ts starts two at once.
 */
import { systemClock } from "../lib/core/clock.ts";
import { MIGRATIONS, runMigrations } from "../lib/ops/migrations.ts";

/** The key the counted migration adds one to, each time it runs. */
export const COUNTED_KEY = ["test_migration_runs"];

if (import.meta.main) {
  const kv = await Deno.openKv(Deno.args[0]);
  const ran = await runMigrations({ kv, clock: systemClock }, [
    ...MIGRATIONS,
    {
      name: "test_counted",
      async run({ kv }) {
        await kv.atomic().sum(COUNTED_KEY, 1n).commit();
        // Long enough that the other process arrives while this one runs.
        await new Promise((r) => setTimeout(r, 500));
      },
    },
  ]);
  console.log(JSON.stringify(ran));
  kv.close();
}
