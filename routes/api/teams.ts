/** Teams: admins create them; admins and team admins manage members. */
import { Hono } from "hono";
import type { Core } from "../../lib/runtime.ts";
import {
  CreateTeamInputSchema,
  TeamMemberRoleInputSchema,
  TeamMembersInputSchema,
  UpdateTeamInputSchema,
} from "../../lib/accounts/model.ts";
import {
  createTeam,
  getTeam,
  listTeamMembers,
  listTeams,
  putTeamMembers,
  removeTeamMember,
  renameTeam,
  requireTeamManager,
  setTeamMemberRole,
} from "../../lib/accounts/teams.ts";
import { type AppEnv, idParam, json, me, requireAdmin, requireAuth } from "../middleware.ts";

export function teamRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  app.use(requireAuth);

  app.get("/", async (c) => c.json({ items: await listTeams(deps.kv, me(c).user) }));

  app.post("/", requireAdmin, json(CreateTeamInputSchema), async (c) => {
    const team = await createTeam(deps, c.req.valid("json"));
    return c.json({ team, members: await listTeamMembers(deps.kv, team.id) }, 201);
  });

  app.get("/:id", async (c) => {
    const team = await getTeam(deps.kv, me(c).user, idParam(c, "id", "team"));
    return c.json({ team, members: await listTeamMembers(deps.kv, team.id) });
  });

  app.patch("/:id", json(UpdateTeamInputSchema), async (c) => {
    const team = await requireTeamManager(deps.kv, me(c).user, idParam(c, "id", "team"));
    return c.json({ team: await renameTeam(deps, team, c.req.valid("json").name) });
  });

  app.post("/:id/members", json(TeamMembersInputSchema), async (c) => {
    const team = await requireTeamManager(deps.kv, me(c).user, idParam(c, "id", "team"));
    const { userIds, role } = c.req.valid("json");
    await putTeamMembers(deps, team.id, userIds, role);
    return c.json({ members: await listTeamMembers(deps.kv, team.id) });
  });

  app.patch("/:id/members/:userId", json(TeamMemberRoleInputSchema), async (c) => {
    const team = await requireTeamManager(deps.kv, me(c).user, idParam(c, "id", "team"));
    const userId = idParam(c, "userId", "team member");
    await setTeamMemberRole(deps, team.id, userId, c.req.valid("json").role);
    return c.json({ members: await listTeamMembers(deps.kv, team.id) });
  });

  app.delete("/:id/members/:userId", async (c) => {
    const team = await requireTeamManager(deps.kv, me(c).user, idParam(c, "id", "team"));
    await removeTeamMember(deps, team.id, idParam(c, "userId", "team member"));
    return c.json({ members: await listTeamMembers(deps.kv, team.id) });
  });

  return app;
}
