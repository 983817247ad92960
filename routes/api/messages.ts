/**
 * Changes to one message of a conversation: edit, recall, react, forward, and the edit history
 * for admins. Mounted under /api/v1/conversations before the conversation routes. A non-member
 * gets 404.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { Core } from "../../lib/runtime.ts";
import { editMessage, listVersions, recallMessage } from "../../lib/chat/edits.ts";
import { resolveMentions } from "../../lib/chat/mention_targets.ts";
import { forwardMessage } from "../../lib/chat/forward.ts";
import { toggleReaction } from "../../lib/chat/reactions.ts";
import { EditInputSchema, ForwardInputSchema, ReactInputSchema } from "../../lib/chat/model.ts";
import { notFound } from "../../lib/core/errors.ts";
import { type AppEnv, idParam, json, me, requireAuth } from "../middleware.ts";

/** The message's seq from the path: a positive integer, else 404. */
function seqParam(c: Context): number {
  const raw = c.req.param("seq") ?? "";
  const n = /^[1-9][0-9]{0,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) throw notFound("message");
  return n;
}

export function messageRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  const conv = (c: Context) => idParam(c, "id", "conversation");
  app.use("/:id/messages/:seq/*", requireAuth);

  app.patch("/:id/messages/:seq", json(EditInputSchema), async (c) => {
    const { text, mentions } = c.req.valid("json");
    const userId = me(c).user.id;
    const message = await editMessage(
      deps,
      userId,
      conv(c),
      seqParam(c),
      text,
      await resolveMentions(deps, userId, conv(c), mentions),
    );
    return c.json({ message });
  });

  app.delete("/:id/messages/:seq", async (c) => {
    return c.json({ message: await recallMessage(deps, me(c).user.id, conv(c), seqParam(c)) });
  });

  app.post("/:id/messages/:seq/reactions", json(ReactInputSchema), async (c) => {
    const r = await toggleReaction(
      deps,
      me(c).user.id,
      conv(c),
      seqParam(c),
      c.req.valid("json").emoji,
    );
    return c.json(r);
  });

  app.post("/:id/messages/:seq/forward", json(ForwardInputSchema), async (c) => {
    const { message, created } = await forwardMessage(
      deps,
      me(c).user,
      conv(c),
      seqParam(c),
      c.req.valid("json"),
    );
    return c.json({ message }, created ? 201 : 200);
  });

  app.get("/:id/messages/:seq/versions", async (c) => {
    return c.json(await listVersions(deps, me(c).user, conv(c), seqParam(c)));
  });

  return app;
}
