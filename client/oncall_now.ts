/** "On call now" for a team's alert conversation (the chat header). */
import { api } from "./api.ts";
import type { OnCallNowItem } from "../components/OnCallNow.tsx";

let teams: Promise<{ id: string; conversationId?: string }[]> | null = null;

/** Who is on call in the team whose alert conversation this is; [] for any other conversation. */
export async function onCallForConversation(conversationId: string): Promise<OnCallNowItem[]> {
  teams ??= api<{ items: { id: string; conversationId?: string }[] }>("GET", "/api/v1/teams")
    .then((r) => r.items).catch(() => {
      teams = null;
      return [];
    });
  const team = (await teams).find((x) => x.conversationId === conversationId);
  if (!team) return [];
  return (await api<{ items: OnCallNowItem[] }>("GET", `/api/v1/teams/${team.id}/oncall`)).items;
}
