/**
 * Every create is one commit with `versionstamp: null` checks: a record that
 * appears under the new key between the create's reads and its commit (a
 * concurrent writer) makes the create fail with 409 instead of overwriting it.
 */
import assert from "node:assert/strict";
import { testConfig } from "../lib/core/config.ts";
import type { Deps } from "../lib/core/deps.ts";
import { ApiError } from "../lib/core/errors.ts";
import { createCore } from "../lib/runtime.ts";
import { createUser } from "../lib/accounts/users.ts";
import { createTeam } from "../lib/accounts/teams.ts";
import type { User } from "../lib/accounts/model.ts";
import { createRule } from "../lib/alerts/automation_rules.ts";
import { createPolicy } from "../lib/paging/policies.ts";
import { createSchedule } from "../lib/paging/schedules.ts";
import { createRobot } from "../lib/notify/robots.ts";
import { createProvider } from "../lib/notify/providers.ts";
import { addContact } from "../lib/notify/contacts.ts";

const FOREIGN = { foreign: true };

/**
 * A KV whose next atomic operation that sets a key in `collection` has a
 * concurrent writer: just before it commits, another value lands under that
 * key. Returns the key that was raced.
 */
function racingKv(kv: Deno.Kv, collection: string): { kv: Deno.Kv; raced: () => Deno.KvKey } {
  let raced: Deno.KvKey | null = null;
  const wrapOp = (real: Deno.AtomicOperation): Deno.AtomicOperation => {
    let target: Deno.KvKey | null = null;
    const op: Deno.AtomicOperation = new Proxy(real, {
      get(t, prop) {
        if (prop === "set") {
          return (key: Deno.KvKey, value: unknown, opts?: { expireIn?: number }) => {
            if (!raced && !target && key[0] === collection) target = key;
            t.set(key, value, opts);
            return op;
          };
        }
        if (prop === "commit") {
          return async () => {
            if (target) {
              raced = target;
              await kv.set(target, FOREIGN);
            }
            return await t.commit();
          };
        }
        const v = Reflect.get(t, prop, t);
        if (typeof v !== "function") return v;
        return (...args: unknown[]) => {
          const r = v.apply(t, args);
          return r === t ? op : r;
        };
      },
    });
    return op;
  };
  const proxy = new Proxy(kv, {
    get(t, prop) {
      if (prop === "atomic") return () => wrapOp(t.atomic());
      const v = Reflect.get(t, prop, t);
      return typeof v === "function" ? v.bind(t) : v;
    },
  });
  return {
    kv: proxy,
    raced: () => {
      assert.ok(raced, `no commit wrote to ${collection}`);
      return raced;
    },
  };
}

async function world(): Promise<
  { core: Deps & { close(): Promise<void> }; admin: User; teamId: string; kv: Deno.Kv }
> {
  const kv = await Deno.openKv(":memory:");
  const core = createCore(kv, testConfig({ allowPrivateWebhooks: true }));
  const admin = await createUser(core, {
    email: "admin@example.com",
    name: "Admin",
    password: "correct horse",
    role: "admin",
  });
  const team = await createTeam(core, { name: "ops", memberIds: [admin.id], adminIds: [admin.id] });
  return { core, admin, teamId: team.id, kv };
}

async function assertRaceRefused(
  collection: string,
  create: (deps: Deps, admin: User, teamId: string) => Promise<unknown>,
) {
  const w = await world();
  try {
    const r = racingKv(w.kv, collection);
    await assert.rejects(
      create({ ...w.core, kv: r.kv }, w.admin, w.teamId),
      (e) => e instanceof ApiError && e.code === "conflict",
    );
    // The other writer's record stands; nothing of the failed create was written.
    assert.deepEqual((await w.kv.get(r.raced())).value, FOREIGN);
    const id = String(r.raced().at(-1));
    for await (const e of w.kv.list({ prefix: [] })) {
      if (e.key.at(-1) === id) assert.deepEqual(e.key, r.raced(), `index ${String(e.key)} left`);
    }
  } finally {
    await w.core.close();
    w.kv.close();
  }
}

Deno.test("createRule - a concurrent write under the new id is a 409, not overwritten", async () => {
  await assertRaceRefused("automation_rules", (deps, admin, teamId) =>
    createRule(deps, admin, {
      name: "bump",
      teamId,
      enabled: true,
      when: { unacknowledgedForMinutes: 5 },
      actions: [{ type: "priority", priority: "high" }],
    }));
});

Deno.test("createPolicy - a concurrent write under the new id is a 409, not overwritten", async () => {
  await assertRaceRefused(
    "escalation_policies",
    (deps, admin, teamId) =>
      createPolicy(deps, admin, {
        name: "default",
        teamId,
        levels: [{ delayMinutes: 5, targets: [{ type: "user", id: admin.id }] }],
        repeat: 0,
      }),
  );
});

Deno.test("createSchedule - a concurrent write under the new id is a 409, not overwritten", async () => {
  await assertRaceRefused("schedules", (deps, admin, teamId) =>
    createSchedule(deps, admin, {
      name: "primary",
      teamId,
      timeZone: "UTC",
      layers: [{
        name: "L",
        participants: [admin.id],
        rotation: "daily",
        handoff: "09:00",
        startDate: "2026-01-01",
      }],
    }));
});

Deno.test("createRobot - a concurrent write under the new id is a 409, not overwritten", async () => {
  await assertRaceRefused("robots", (deps, admin, teamId) =>
    createRobot(deps, admin, {
      name: "ops room",
      teamId,
      kind: "slack",
      url: "http://127.0.0.1:9/hook",
    }));
});

Deno.test("createProvider - a concurrent write under the new id is a 409, not overwritten", async () => {
  await assertRaceRefused("providers", (deps) =>
    createProvider(deps, {
      name: "relay",
      kind: "smtp",
      order: 0,
      config: { host: "127.0.0.1", port: 25, security: "none", from: "tocsin@example.com" },
    }));
});

Deno.test("addContact - a concurrent write under the new id is a 409, not overwritten", async () => {
  await assertRaceRefused(
    "contacts",
    (deps, admin) =>
      addContact(
        deps,
        admin,
        { kind: "email", address: "me@example.com" },
        () => Promise.resolve(),
      ),
  );
});
