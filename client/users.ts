/** The user directory, as the pickers search it. */
import type { PublicUser } from "../lib/protocol.ts";
import { api } from "./api.ts";

/** Up to 30 users matching `q` by name or e-mail. */
export async function searchUsers(q: string): Promise<PublicUser[]> {
  const r = await api<{ items: PublicUser[] }>(
    "GET",
    `/api/v1/users?q=${encodeURIComponent(q)}&limit=30`,
  );
  return r.items;
}
