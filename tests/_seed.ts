/**
 * Seeds users, sessions and groups straight into a KV file (fast: no HTTP, no
 * login rate limits), before a server process is started on it. Used by the
 * bench and by fault-suite tests that need hundreds of sockets.
 */
import { testConfig } from "../lib/core/config.ts";
import { createConversation } from "../lib/chat/conversations.ts";
import { addMembers } from "../lib/chat/membership.ts";
import { createCore } from "../lib/runtime.ts";
import { createIntegration } from "../lib/alerts/integrations.ts";
import { createSession } from "../lib/accounts/sessions.ts";
import { createTeam, putTeamMembers } from "../lib/accounts/teams.ts";
import { createUser, setup } from "../lib/accounts/users.ts";
import type { User } from "../lib/accounts/model.ts";

export interface Seeded {
  kvPath: string;
  cookies: string[];
  groups: { id: string; members: number[] }[];
  userIds: string[];
  integration?: { id: string; token: string; teamId: string };
}

/** Seeds users, sessions and groups straight into a KV file (fast), before the server starts. */
export async function seed(
  sockets: number,
  groupSize: number,
  opts: {
    /** An Alertmanager integration for a team "SRE". */
    integration?: boolean;
    /** The first N users are members of that team (they get its alert cards). */
    teamMembers?: number;
  } = {},
): Promise<Seeded> {
  const dir = await Deno.makeTempDir({ prefix: "tocsin-bench-" });
  const kvPath = `${dir}/bench.kv`;
  const kv = await Deno.openKv(kvPath);
  const core = createCore(kv, testConfig());
  const admin = await setup(core, {
    email: "admin@bench.example",
    name: "Admin",
    password: "admin-password",
  });
  const users: User[] = [];
  const cookies: string[] = [];
  for (let i = 0; i < sockets; i++) {
    const u = await createUser(core, {
      email: `u${i}@bench.example`,
      name: `User ${i}`,
      password: "bench-password",
      role: "member",
    });
    users.push(u);
    cookies.push(
      `tocsin_session=${(await createSession(core, u, { ip: "bench", userAgent: "bench" })).token}`,
    );
  }
  const groups: Seeded["groups"] = [];
  for (let g = 0; g * groupSize < sockets; g++) {
    const members = Array.from({ length: groupSize }, (_, i) => g * groupSize + i).filter((i) =>
      i < sockets
    );
    // A request adds at most 200 members: larger groups grow in steps, as through the API.
    const others = members.slice(1).map((i) => users[i].id);
    const { conversation } = await createConversation(core, users[members[0]], {
      kind: "group",
      title: `g${g}`,
      memberIds: others.slice(0, 150),
    });
    for (let k = 150; k < others.length; k += 150) {
      await addMembers(core, users[members[0]], conversation.id, others.slice(k, k + 150));
    }
    groups.push({ id: conversation.id, members });
  }
  let integration;
  if (opts.integration) {
    const team = await createTeam(core, { name: "SRE", memberIds: [], adminIds: [admin.id] });
    // Teams take at most 300 members at creation; more join afterwards, as through the API.
    const members = users.slice(0, opts.teamMembers ?? 0).map((u) => u.id);
    if (members.length) await putTeamMembers(core, team.id, members, "member");
    const r = await createIntegration(core, admin, {
      name: "am",
      type: "alertmanager",
      teamId: team.id,
    });
    integration = { id: r.integration.id, token: r.token, teamId: team.id };
  }
  await core.close();
  kv.close();
  return { kvPath, cookies, groups, userIds: users.map((u) => u.id), integration };
}
