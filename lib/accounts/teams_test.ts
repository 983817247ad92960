import assert from "node:assert/strict";
import { ApiError } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import type { TeamRole, User } from "./model.ts";
import { assertTeamAccess, type TeamAccess } from "./teams.ts";

const TEAM = "01ARZ3NDEKTSV4RRFFQ69G5FAV";

function user(id: string, role: User["role"] = "member"): User {
  return { id, email: `${id}@example.com`, name: id, role, disabled: false, createdAt: 0 };
}

async function withTeam(fn: (kv: Deno.Kv) => Promise<void>) {
  await using kv = await Deno.openKv(":memory:");
  const join = (userId: string, role: TeamRole) =>
    kv.atomic()
      .set(keys.teamMember(TEAM, userId), { role })
      .set(keys.teamByUser(userId, TEAM), { role })
      .commit();
  await join("member", "member");
  await join("lead", "admin");
  await fn(kv);
}

/** "ok", or the status and code the guard refused with. */
async function outcome(
  kv: Deno.Kv,
  u: User,
  need: TeamAccess,
  what?: string,
): Promise<string> {
  try {
    await assertTeamAccess(kv, u, TEAM, need, what);
    return "ok";
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return `${e.status} ${e.code}: ${e.message}`;
  }
}

Deno.test("assertTeamAccess - members and team admins are in; outsiders get 404", async () => {
  await withTeam(async (kv) => {
    assert.equal(await outcome(kv, user("member"), "member"), "ok");
    assert.equal(await outcome(kv, user("lead"), "member"), "ok");
    assert.equal(await outcome(kv, user("outsider"), "member"), "404 not_found: team not found");
  });
});

Deno.test("assertTeamAccess - managing needs a team admin: members get 403, outsiders still 404", async () => {
  await withTeam(async (kv) => {
    assert.equal(await outcome(kv, user("lead"), "admin"), "ok");
    assert.equal(
      await outcome(kv, user("member"), "admin"),
      "403 forbidden: only admins and team admins can manage this team",
    );
    assert.equal(await outcome(kv, user("outsider"), "admin"), "404 not_found: team not found");
  });
});

Deno.test("assertTeamAccess - global admins pass without being in the team", async () => {
  await withTeam(async (kv) => {
    assert.equal(await outcome(kv, user("root", "admin"), "member"), "ok");
    assert.equal(await outcome(kv, user("root", "admin"), "admin"), "ok");
  });
});

Deno.test("assertTeamAccess - the 404 names the resource that was asked for", async () => {
  await withTeam(async (kv) => {
    assert.equal(
      await outcome(kv, user("outsider"), "member", "schedule"),
      "404 not_found: schedule not found",
    );
    // A removed member is an outsider again.
    await kv.delete(keys.teamMember(TEAM, "member"));
    assert.equal(
      await outcome(kv, user("member"), "member", "policy"),
      "404 not_found: policy not found",
    );
  });
});
