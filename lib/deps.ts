/**
 * The dependencies every domain function takes, and `createCore`, which
 * wires them: fanout hints go to the hub, the hub's delivery marks go to the
 * receipt buffer.
 */
import { type Clock, systemClock } from "./clock.ts";
import type { Config } from "./config.ts";
import { Fanout } from "./fanout.ts";
import { CLOSE, Hub } from "./hub.ts";
import { TokenBucket } from "./ratelimit.ts";
import { fireTimer } from "./escalation.ts";
import { DeliveredBuffer } from "./receipts.ts";
import { type Timer, TimerService } from "./timers.ts";
import { RetentionService } from "./retention.ts";
import { migrateContactChannels } from "./contacts.ts";
import { deliverWebhook, fireAutomation } from "./automation.ts";
import { deliverPersonal, stagePersonalBatch } from "./deliveries.ts";
import { flushRobot } from "./robots.ts";
import { keys } from "./keys.ts";

/** Per-user send rate buckets (in-process; one user rarely spans processes). */
export class Limits {
  #send = new Map<string, TokenBucket>();
  constructor(private config: Config, private clock: Clock) {}

  allowSend(userId: string): boolean {
    let b = this.#send.get(userId);
    if (!b) {
      // Bounded memory: forgetting buckets only ever grants a fresh burst.
      if (this.#send.size > 10_000) this.#send.clear();
      b = new TokenBucket(this.config.sendRatePerSec, this.config.sendRatePerSec * 4, this.clock);
      this.#send.set(userId, b);
    }
    return b.take();
  }
}

export interface Deps {
  kv: Deno.Kv;
  config: Config;
  clock: Clock;
  fanout: Fanout;
  hub: Hub;
  delivered: DeliveredBuffer;
  limits: Limits;
}

export interface Core extends Deps {
  timers: TimerService;
  retention: RetentionService;
  /** Starts following fanout. */
  start(): Promise<void>;
  /** Closes subscribers, flushes buffered receipts and stops the watch. Does not close `kv`. */
  close(): Promise<void>;
}

export function createCore(kv: Deno.Kv, config: Config, clock: Clock = systemClock): Core {
  const hub = new Hub(kv, config);
  const fanout = new Fanout(kv, config, (hints) => hub.onHints(hints), () => hub.resync());
  const delivered = new DeliveredBuffer(kv, fanout, config.deliveredFlushMs);
  hub.onDelivered = (sub, conversationId, seq) => delivered.mark(conversationId, sub.userId, seq);
  const core: Core = {
    kv,
    config,
    clock,
    fanout,
    hub,
    delivered,
    limits: new Limits(config, clock),
    timers: null as unknown as TimerService,
    retention: null as unknown as RetentionService,
    async start() {
      await migrateContactChannels(kv);
      await fanout.start();
      core.timers.start();
      core.retention.start();
    },
    async close() {
      hub.closeAll(CLOSE.shutdown, "server shutting down");
      await core.retention.close();
      await core.timers.close();
      await delivered.close();
      await fanout.close();
    },
  };
  core.retention = new RetentionService(core);
  core.timers = new TimerService(core, async (id) => {
    // One dispatcher for every kind of timer.
    const t = (await kv.get<Timer>(keys.timer(id))).value;
    if (!t) return false;
    if (t.kind === "automation") return await fireAutomation(core, id);
    if (t.kind === "webhook") return await deliverWebhook(core, id);
    if (t.kind === "personal") return await deliverPersonal(core, id);
    if (t.kind === "personal_batch") return await stagePersonalBatch(core, id);
    if (t.kind === "robot") return await flushRobot(core, id);
    return await fireTimer(core, id);
  });
  return core;
}
