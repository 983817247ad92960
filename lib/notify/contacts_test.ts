import assert from "node:assert/strict";
import { ManualClock } from "../core/clock.ts";
import { keys } from "../core/keys.ts";
import { migrateContactChannels } from "./contacts.ts";

Deno.test("contacts - the channel migration is stamped with the injected clock", async () => {
  await using kv = await Deno.openKv(":memory:");
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  await migrateContactChannels(kv, clock);
  assert.equal((await kv.get(keys.migration("contact_channels"))).value, Date.UTC(2030, 0, 1));
});
