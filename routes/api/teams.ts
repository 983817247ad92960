/** Teams: admins create and archive them; admins and team admins rename them and manage members. */
import { Hono } from "hono";
import type { Core } from "../../lib/runtime.ts";
import {
  CreateTeamInputSchema,
  TeamListQuerySchema,
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
  setTeamArchived,
  setTeamMemberRole,
} from "../../lib/accounts/teams.ts";
import { type AppEnv, idParam, json, me, query, requireAdmin, requireAuth } from "../middleware.ts";

export function teamRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  app.use(requireAuth);

  app.get("/", query(TeamListQuerySchema), async (c) => {
    const archived = c.req.valid("query").archived === "1";
    return c.json({ items: await listTeams(deps.kv, me(c).user, { archived }) });
  });

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

  // Archiving is for admins, like creating: a team admin could otherwise silence their own paging.
  app.post("/:id/archive", requireAdmin, async (c) => {
    const team = await setTeamArchived(deps, idParam(c, "id", "team"), true);
    return c.json({ team });
  });

  app.post("/:id/unarchive", requireAdmin, async (c) => {
    const team = await setTeamArchived(deps, idParam(c, "id", "team"), false);
    return c.json({ team });
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
