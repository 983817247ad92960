/** Silences: any member of a team creates, edits, expires and deletes them; members list them. */
import { Hono } from "hono";
import {
  createSilence,
  deleteSilence,
  expireSilence,
  getSilenceFor,
  listSilences,
  type Silence,
  SilenceInputSchema,
  silenceState,
  SilenceUpdateSchema,
  updateSilence,
} from "../../lib/alerts/silences.ts";
import type { Core } from "../../lib/runtime.ts";
import { assertTeamAccess } from "../../lib/accounts/teams.ts";
import { type AppEnv, idParam, idQuery, json, me, requireAuth } from "../middleware.ts";

export function silenceRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  app.use(requireAuth);
  const id = (c: Parameters<typeof idParam>[0]) => idParam(c, "id", "silence");
  const view = (s: Silence) => ({ ...s, state: silenceState(s, deps.clock.now()) });

  app.post("/", json(SilenceInputSchema), async (c) => {
    return c.json(
      { silence: view(await createSilence(deps, me(c).user, c.req.valid("json"))) },
      201,
    );
  });

  app.get("/", async (c) => {
    const teamId = idQuery(c, "teamId");
    await assertTeamAccess(deps.kv, me(c).user, teamId, "member");
    // Newest first: what is on now and what was just set up are at the top.
    const items = (await listSilences(deps.kv, teamId)).reverse().map(view);
    return c.json({ items });
  });

  app.get("/:id", async (c) => {
    return c.json({ silence: view(await getSilenceFor(deps.kv, me(c).user, id(c))) });
  });

  app.put("/:id", json(SilenceUpdateSchema), async (c) => {
    return c.json({
      silence: view(await updateSilence(deps, me(c).user, id(c), c.req.valid("json"))),
    });
  });

  app.post("/:id/expire", async (c) => {
    return c.json({ silence: view(await expireSilence(deps, me(c).user, id(c))) });
  });

  app.delete("/:id", async (c) => {
    await deleteSilence(deps, me(c).user, id(c));
    return c.json({ ok: true });
  });

  return app;
}
