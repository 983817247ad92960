/**
 * Group admin in the browser: each group's mute, pins and announcement (reloaded whenever an
 * admin system message arrives), the owner/admin actions, and my notification mutes.
 */
import { signal } from "@preact/signals";
import type { GroupAdminView } from "../lib/protocol.ts";
import { api } from "./api.ts";

export const adminViews = signal<Record<string, GroupAdminView>>({});
/** Conversations whose notifications I muted: until when (0: until I unmute). */
export const notifyMutes = signal<Record<string, number>>({});

const base = (convId: string) => `/api/v1/conversations/${convId}`;

function keep(convId: string, v: GroupAdminView): GroupAdminView {
  adminViews.value = { ...adminViews.value, [convId]: v };
  return v;
}

export async function loadAdminView(convId: string): Promise<GroupAdminView> {
  return keep(convId, await api<GroupAdminView>("GET", `${base(convId)}/admin`));
}

export async function muteGroup(convId: string, until: number | null): Promise<void> {
  keep(convId, await api("PUT", `${base(convId)}/mute`, { until }));
}

export async function muteMember(convId: string, userId: string, until: number | null) {
  keep(convId, await api("PUT", `${base(convId)}/members/${userId}/mute`, { until }));
}

export async function pinMessage(convId: string, seq: number): Promise<void> {
  keep(convId, await api("POST", `${base(convId)}/pins`, { seq }));
}

export async function unpinMessage(convId: string, seq: number): Promise<void> {
  keep(convId, await api("DELETE", `${base(convId)}/pins/${seq}`));
}

export async function announce(convId: string, text: string, until: number): Promise<void> {
  keep(convId, await api("PUT", `${base(convId)}/announcement`, { text, until }));
}

export async function clearAnnouncement(convId: string): Promise<void> {
  keep(convId, await api("DELETE", `${base(convId)}/announcement`));
}

export async function renameGroup(convId: string, title: string): Promise<void> {
  await api("PATCH", base(convId), { title });
}

export async function setRole(convId: string, userId: string, role: string): Promise<void> {
  await api("PATCH", `${base(convId)}/members/${userId}`, { role });
}

export async function loadNotifyMutes(): Promise<void> {
  notifyMutes.value =
    (await api<{ items: Record<string, number> }>("GET", "/api/v1/me/notify-mutes"))
      .items;
}

/** Mutes my notifications of a conversation (until `until`, or until unmuted) or unmutes them. */
export async function setNotifyMute(convId: string, muted: boolean, until?: number): Promise<void> {
  await api(
    "PUT",
    `${base(convId)}/notify-mute`,
    until === undefined ? { muted } : { muted, until },
  );
  const next = { ...notifyMutes.value };
  if (!muted) delete next[convId];
  else next[convId] = until ?? 0;
  notifyMutes.value = next;
}

/** True while I muted this conversation's notifications. */
export function notifyMuted(convId: string, now = Date.now()): boolean {
  const until = notifyMutes.value[convId];
  return until !== undefined && (until === 0 || until > now);
}
