/** Conversations and their members: creating, joining, leaving, and names of people in them. */
import type { ConversationSummary } from "../../lib/protocol.ts";
import { api, HttpError } from "../api.ts";
import { t } from "../i18n.ts";
import {
  convs,
  cursors,
  me,
  type MemberInfo,
  members,
  openId,
  openMissing,
  type Receipt,
  setConv,
  setReceipt,
} from "./state.ts";

/** Creates a direct or group conversation and lists it at once. */
export async function createConversation(
  input: { kind: "direct"; userId: string } | { kind: "group"; title: string; memberIds: string[] },
): Promise<ConversationSummary> {
  const r = await api<{ conversation: ConversationSummary }>(
    "POST",
    "/api/v1/conversations",
    input,
  );
  convs.value = { ...convs.value, [r.conversation.id]: r.conversation };
  return r.conversation;
}

/** Adds a member to a group, then reloads its members. */
export async function addMember(convId: string, userId: string): Promise<void> {
  await api("POST", `/api/v1/conversations/${convId}/members`, { userIds: [userId] });
  await loadMembers(convId);
}

/** Removes a member from a group, then reloads its members. */
export async function removeMember(convId: string, userId: string): Promise<void> {
  await api("DELETE", `/api/v1/conversations/${convId}/members/${userId}`);
  await loadMembers(convId);
}

/** Leaves a group (its members are reloaded after, as the dialog always did). */
export async function leaveConversation(convId: string): Promise<void> {
  await api("POST", `/api/v1/conversations/${convId}/leave`);
  await loadMembers(convId);
}

export async function loadMembers(id: string): Promise<void> {
  const { items } = await api<{ items: MemberInfo[] }>(
    "GET",
    `/api/v1/conversations/${id}/members`,
  );
  members.value = { ...members.value, [id]: items };
}

export async function loadReceipts(id: string): Promise<void> {
  const { items } = await api<{ items: ({ userId: string } & Receipt)[] }>(
    "GET",
    `/api/v1/conversations/${id}/receipts`,
  );
  for (const r of items) setReceipt(id, r.userId, r);
}

/** Drops a conversation the user is no longer in. */
export function forget(id: string): void {
  const { [id]: _c, ...rest } = convs.value;
  convs.value = rest;
  delete cursors[id];
  if (openId.value === id) openMissing.value = true;
}

export async function refreshConv(id: string): Promise<void> {
  try {
    const { conversation } = await api<{ conversation: ConversationSummary }>(
      "GET",
      `/api/v1/conversations/${id}`,
    );
    setConv(conversation);
  } catch (e) {
    if (e instanceof HttpError && e.status === 404) forget(id);
  }
}

/** A member's display name, from the loaded member list or the conversation peer. */
export function userName(userId: string | null, convId: string): string {
  if (userId === "system") return t("app");
  if (!userId) return t("someone");
  if (userId === me.value?.id) return me.value.name;
  const m = members.value[convId]?.find((x) => x.userId === userId);
  if (m?.user) return m.user.name;
  const c = convs.value[convId];
  if (c?.peer?.id === userId) return c.peer.name;
  return t("someone");
}
