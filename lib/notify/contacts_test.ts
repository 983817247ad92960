import assert from "node:assert/strict";
import { ManualClock } from "../core/clock.ts";
import { keys } from "../core/keys.ts";
import { testConfig } from "../core/config.ts";
import type { Deps } from "../core/deps.ts";
import type { User } from "../accounts/model.ts";
import { addContact, ContactSchema, migrateContactChannels } from "./contacts.ts";

Deno.test("contacts - the channel migration is stamped with the injected clock", async () => {
  await using kv = await Deno.openKv(":memory:");
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  await migrateContactChannels(kv, clock);
  assert.equal((await kv.get(keys.migration("contact_channels"))).value, Date.UTC(2030, 0, 1));
});

Deno.test("contacts - ContactSchema describes the record addContact stores, field for field", async () => {
  await using kv = await Deno.openKv(":memory:");
  const deps = { kv, clock: new ManualClock(), config: testConfig() } as unknown as Deps;
  const user = { id: "u1" } as User;
  const c = await addContact(
    deps,
    user,
    { kind: "webhook", address: "https://example.com/h" },
    () => Promise.resolve(),
  );
  const stored = (await kv.get(keys.contact("u1", c.id))).value;
  assert.deepEqual(ContactSchema.strict().parse(stored), stored);
  assert.equal(ContactSchema.safeParse({ ...c, kind: "pigeon" }).success, false);
});
