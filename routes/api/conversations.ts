/** Conversations, members, messages and receipts. A non-member gets 404 everywhere. */
import { Hono } from "hono";
import {
  createConversation,
  getMembership,
  listConversations,
  listMembers,
  renameConversation,
  summarize,
} from "../../lib/chat/conversations.ts";
import {
  addMembers,
  leaveConversation,
  removeMember,
  setMemberRole,
} from "../../lib/chat/membership.ts";
import type { Core } from "../../lib/runtime.ts";
import { ApiError } from "../../lib/core/errors.ts";
import { listMessages, sendMessage } from "../../lib/chat/messages.ts";
import { resolveMentions } from "../../lib/chat/mention_targets.ts";
import { hideBurnedFor } from "../../lib/chat/burn.ts";
import { messageFloor } from "../../lib/chat/retention.ts";
import { getReceipts, markRead } from "../../lib/chat/receipts.ts";
import {
  AddMembersInputSchema,
  CreateConversationInputSchema,
  HistoryQuerySchema,
  MemberRoleInputSchema,
  ReadInputSchema,
  SendInputSchema,
  UpdateConversationInputSchema,
} from "../../lib/chat/model.ts";
import { type AppEnv, idParam, json, me, query, requireAuth } from "../middleware.ts";

// Long because: one route table per resource, handlers inline after their paths as Hono recommends.
export function conversationRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  app.use(requireAuth);
  const conv = (c: Parameters<typeof idParam>[0]) => idParam(c, "id", "conversation");
  const summary = async (userId: string, id: string) => (await summarize(deps.kv, userId, [id]))[0];

  app.get("/", async (c) => c.json({ items: await listConversations(deps, me(c).user) }));

  app.post("/", json(CreateConversationInputSchema), async (c) => {
    const user = me(c).user;
    const { conversation, created } = await createConversation(deps, user, c.req.valid("json"));
    return c.json({ conversation: await summary(user.id, conversation.id) }, created ? 201 : 200);
  });

  app.get("/:id", async (c) => {
    const user = me(c).user;
    const id = conv(c);
    await getMembership(deps.kv, user.id, id);
    return c.json({ conversation: await summary(user.id, id) });
  });

  app.patch("/:id", json(UpdateConversationInputSchema), async (c) => {
    const user = me(c).user;
    const id = conv(c);
    const message = await renameConversation(deps, user, id, c.req.valid("json").title);
    return c.json({ conversation: await summary(user.id, id), message });
  });

  app.get("/:id/members", async (c) => {
    return c.json({ items: await listMembers(deps, me(c).user, conv(c)) });
  });

  app.post("/:id/members", json(AddMembersInputSchema), async (c) => {
    const user = me(c).user;
    const id = conv(c);
    const message = await addMembers(deps, user, id, c.req.valid("json").userIds);
    return c.json({ items: await listMembers(deps, user, id), message });
  });

  app.patch("/:id/members/:userId", json(MemberRoleInputSchema), async (c) => {
    const user = me(c).user;
    const id = conv(c);
    const target = idParam(c, "userId", "member");
    const message = await setMemberRole(deps, user, id, target, c.req.valid("json").role);
    return c.json({ items: await listMembers(deps, user, id), message });
  });

  app.delete("/:id/members/:userId", async (c) => {
    const user = me(c).user;
    const id = conv(c);
    const target = idParam(c, "userId", "member");
    const message = await removeMember(deps, user, id, target);
    if (target === user.id) return c.json({ message });
    return c.json({ items: await listMembers(deps, user, id), message });
  });

  app.post("/:id/leave", async (c) => {
    return c.json({ message: await leaveConversation(deps, me(c).user, conv(c)) });
  });

  app.get("/:id/messages", query(HistoryQuerySchema), async (c) => {
    const user = me(c).user;
    const id = conv(c);
    const q = c.req.valid("query");
    if (q.after !== undefined && q.before !== undefined && q.before <= q.after + 1) {
      return c.json({ items: [], cursor: null });
    }
    await getMembership(deps.kv, user.id, id);
    const limit = Math.min(q.limit ?? deps.config.historyPage, deps.config.historyPageMax);
    const listed = await listMessages(deps.kv, id, { after: q.after, before: q.before, limit });
    // A burn-after-reading message whose window passed for this reader shows no text.
    const page = { ...listed, items: hideBurnedFor(listed.items, user.id, deps.clock.now()) };
    // Fetching history counts as delivery to this user.
    const last = page.items[page.items.length - 1];
    if (last) deps.delivered.mark(id, user.id, last.seq);
    if (q.after !== undefined && (page.items[0]?.seq ?? Infinity) > q.after + 1) {
      // Paging on from a cursor that retention has passed: say so, as the stream does.
      const floor = await messageFloor(deps.kv, id);
      if (floor > q.after) return c.json({ ...page, resync: { seq: floor, reason: "retention" } });
    }
    return c.json(page);
  });

  app.post("/:id/messages", json(SendInputSchema), async (c) => {
    const input = c.req.valid("json");
    const userId = me(c).user.id;
    const mentioned = await resolveMentions(deps, userId, conv(c), input.mentions);
    const { message, created, warnings } = await sendMessage(
      deps,
      userId,
      conv(c),
      input,
      undefined,
      mentioned,
    );
    return c.json({ message, ...(warnings ? { warnings } : {}) }, created ? 201 : 200);
  });

  app.post("/:id/read", json(ReadInputSchema), async (c) => {
    const receipt = await markRead(deps, me(c).user.id, conv(c), c.req.valid("json").seq);
    return c.json({ receipt });
  });

  app.get("/:id/receipts", async (c) => {
    const user = me(c).user;
    const id = conv(c);
    await getMembership(deps.kv, user.id, id);
    return c.json({ items: await getReceipts(deps.kv, id) });
  });

  // Unknown sub-paths of a conversation answer like a missing conversation.
  app.all("/:id/*", () => {
    throw new ApiError("not_found", "not found");
  });

  return app;
}
