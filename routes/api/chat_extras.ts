/**
 * Mentions of me, burn after reading, and quick replies (a team's list and a conversation's).
 * Mounted under /api/v1 before the conversation routes. A non-member of a conversation gets 404.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { Core } from "../../lib/runtime.ts";
import { openBurn } from "../../lib/chat/burn.ts";
import { listMentions, MENTIONS_PAGE_MAX } from "../../lib/chat/mentions.ts";
import {
  conversationQuickReplies,
  getQuickReplies,
  QuickRepliesInputSchema,
  setQuickReplies,
} from "../../lib/chat/quick_replies.ts";
import { notFound } from "../../lib/core/errors.ts";
import { IdSchema } from "../../lib/core/schemas.ts";
import { type AppEnv, idParam, json, me, query, requireAuth } from "../middleware.ts";

const MentionsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MENTIONS_PAGE_MAX).default(50),
  before: IdSchema.optional(),
});

export function chatExtraRoutes(deps: Core) {
  const app = new Hono<AppEnv>();

  app.get("/me/mentions", requireAuth, query(MentionsQuerySchema), async (c) => {
    return c.json(await listMentions(deps, me(c).user.id, c.req.valid("query")));
  });

  app.post("/conversations/:id/messages/:seq/open", requireAuth, async (c) => {
    const raw = c.req.param("seq");
    const seq = /^[1-9][0-9]{0,15}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(seq)) throw notFound("message");
    const id = idParam(c, "id", "conversation");
    return c.json({ message: await openBurn(deps, me(c).user.id, id, seq) });
  });

  app.get("/conversations/:id/quick-replies", requireAuth, async (c) => {
    const id = idParam(c, "id", "conversation");
    return c.json(await conversationQuickReplies(deps, me(c).user.id, id));
  });

  app.get("/teams/:id/quick-replies", requireAuth, async (c) => {
    return c.json(await getQuickReplies(deps, me(c).user, idParam(c, "id", "team")));
  });

  app.put("/teams/:id/quick-replies", requireAuth, json(QuickRepliesInputSchema), async (c) => {
    const id = idParam(c, "id", "team");
    return c.json(await setQuickReplies(deps, me(c).user, id, c.req.valid("json").items));
  });

  return app;
}
