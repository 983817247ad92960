/**
 * Presence across processes: each process writes `["presence", userId]` for the users with a
 * stream open on it every TOCSIN_PRESENCE_BEAT_MS, expiring after 2.5 beats. A user is online
 * when this process has a stream of theirs or such an entry exists. Never stored as messages.
 */
import type { Deps } from "../core/deps.ts";
import { keys } from "../core/keys.ts";
import { getManyChunked } from "../core/kv_util.ts";
import { log } from "../core/log.ts";

/** Presence writes per commit. */
const BATCH = 500;

/** Whether each of `ids` is online now. */
export async function getPresence(
  deps: Deps,
  ids: string[],
): Promise<Record<string, boolean>> {
  const out: Record<string, boolean> = Object.create(null);
  const remote = await getManyChunked<number>(deps.kv, ids.map((id) => keys.presence(id)));
  ids.forEach((id, i) => out[id] = deps.presence.isConnected(id) || remote[i].value !== null);
  return out;
}

/** Records this process's connected users every beat. */
export class PresenceBeat {
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(private deps: Deps, private connected: () => string[]) {}

  start(): void {
    if (!this.deps.config.presenceBeatMs) return;
    this.#timer = setInterval(() => this.beat(), this.deps.config.presenceBeatMs);
  }

  async beat(): Promise<void> {
    const { kv, clock, config } = this.deps;
    const users = this.connected();
    const expireIn = Math.round(config.presenceBeatMs * 2.5);
    try {
      for (let i = 0; i < users.length; i += BATCH) {
        const op = kv.atomic();
        for (const u of users.slice(i, i + BATCH)) {
          op.set(keys.presence(u), clock.now(), { expireIn });
        }
        await op.commit();
      }
    } catch (err) {
      log.error("presence: beat failed", err);
    }
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
