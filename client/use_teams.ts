/**
 * The team a team page shows: the teams I can see, the one picked (from
 * `?team=` on the address, else the first), and whether I may change it.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "./api.ts";
import type { PublicUser } from "../lib/protocol.ts";

/** A team as GET /api/v1/teams lists it for me. */
export interface TeamChoice {
  id: string;
  name: string;
  myRole: "admin" | "member" | null;
}

export interface Teams {
  teams: TeamChoice[];
  /** The picked team's id, "" before one is picked. */
  teamId: string;
  current: TeamChoice | undefined;
  /** A server admin, or an admin of the picked team. */
  canManage: boolean;
  pick: (id: string) => Promise<boolean>;
}

/**
 * Loads my teams once and picks the first; `load` fetches what the page shows
 * of a team, and `run` is the page's error-showing runner. `onNone` runs when
 * I am in no team.
 */
export function useTeams(opts: {
  me: PublicUser;
  run: (f: () => Promise<void>) => Promise<boolean>;
  load: (id: string) => Promise<void>;
  onNone?: () => void;
}): Teams {
  const teams = useSignal<TeamChoice[]>([]);
  const teamId = useSignal("");
  const pick = (id: string) =>
    opts.run(async () => {
      teamId.value = id;
      await opts.load(id);
    });
  useEffect(() => {
    opts.run(async () => {
      teams.value = (await api<{ items: TeamChoice[] }>("GET", "/api/v1/teams")).items;
      const asked = new URLSearchParams(location.search).get("team");
      const first = teams.value.find((x) => x.id === asked) ?? teams.value[0];
      if (first) await pick(first.id);
      else opts.onNone?.();
    });
  }, []);
  const current = teams.value.find((x) => x.id === teamId.value);
  return {
    teams: teams.value,
    teamId: teamId.value,
    current,
    canManage: opts.me.role === "admin" || current?.myRole === "admin",
    pick,
  };
}
