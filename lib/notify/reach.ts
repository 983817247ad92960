/**
 * Who a team pages and how each of them can be reached, cached per process, so that an alert
 * storm to a team of thousands costs one KV read per alert instead of a read per member.
 *
 * Validity across processes: every commit that changes a team's members (lib/accounts/teams.ts)
 * or a user's verified channels (contacts.ts) also bumps `reach_version` (a `sum`, which never
 * conflicts). A cached copy is used while that key's versionstamp is the one it was built under,
 * and for at most TOCSIN_REACH_CACHE_MS (a backstop for a writer that forgot the bump).
 */
import { keys } from "../core/keys.ts";
import { lastPart, listAll } from "../core/kv_util.ts";
import { type Channel, reachableChannelsMany } from "./contacts.ts";

export interface TeamReach {
  /** The team's members, in key order (as the team member list reads them). */
  members: string[];
  /** Each member's verified channels (sms implies voice). */
  channels: Map<string, Set<Channel>>;
}

interface Cached {
  stamp: string;
  at: number;
  reach: Promise<TeamReach>;
}

/** Per KV handle (tests open several), per team. */
const cache = new WeakMap<Deno.Kv, Map<string, Cached>>();

/** Teams whose copy is kept per KV handle at most (the oldest is dropped). */
const TEAMS_MAX = 256;

/** The team's members and their reachable channels, from the cache while it is valid. */
export async function teamReach(kv: Deno.Kv, teamId: string, maxAgeMs: number): Promise<TeamReach> {
  const version = await kv.get(keys.reachVersion());
  const stamp = version.versionstamp ?? "none";
  let teams = cache.get(kv);
  if (!teams) cache.set(kv, teams = new Map());
  const now = performance.now();
  const hit = teams.get(teamId);
  if (hit && hit.stamp === stamp && now - hit.at < maxAgeMs) return hit.reach;
  // Read under the stamp seen first: a change committed meanwhile carries a newer stamp, so the
  // next call reads again; a copy newer than its stamp is harmless.
  const reach = readReach(kv, teamId);
  teams.delete(teamId);
  teams.set(teamId, { stamp, at: now, reach });
  if (teams.size > TEAMS_MAX) teams.delete(teams.keys().next().value!);
  reach.catch(() => {
    if (teams.get(teamId)?.reach === reach) teams.delete(teamId);
  });
  return reach;
}

async function readReach(kv: Deno.Kv, teamId: string): Promise<TeamReach> {
  const members = (await listAll(kv, keys.teamMembers(teamId))).map((e) => lastPart(e.key));
  const sets = await reachableChannelsMany(kv, members);
  return { members, channels: new Map(members.map((u, i) => [u, sets[i]])) };
}

/** Reachable channels of `userIds`: from the team's copy where it has them, else read. */
export async function reachOf(
  kv: Deno.Kv,
  reach: TeamReach | null,
  userIds: string[],
): Promise<Set<Channel>[]> {
  const out: (Set<Channel> | undefined)[] = userIds.map((u) => reach?.channels.get(u));
  const missing = userIds.filter((_, i) => !out[i]);
  if (missing.length) {
    const read = await reachableChannelsMany(kv, missing);
    let k = 0;
    for (let i = 0; i < out.length; i++) if (!out[i]) out[i] = read[k++];
  }
  return out as Set<Channel>[];
}
