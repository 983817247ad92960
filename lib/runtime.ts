/**
 * The wiring of a running Tocsin, used by main.ts and the tests: the domain's
 * ports (lib/core/deps.ts), the hub that fanout hints go to, the receipt
 * buffer the hub's delivery marks go to, and the one timer dispatcher (woken
 * through fanout for every timer committed here or elsewhere).
 */
import { type Clock, systemClock } from "./core/clock.ts";
import type { Config } from "./core/config.ts";
import { Fanout } from "./core/fanout.ts";
import { CLOSE } from "./protocol.ts";
import { Hub } from "./realtime/hub.ts";
import { type Deps, Limits } from "./core/deps.ts";
import { fireTimer } from "./paging/escalation.ts";
import { DeliveredBuffer } from "./chat/receipts.ts";
import { claimTimer, type Timer, TimerSchema, TimerService } from "./jobs/timers.ts";
import { RetentionService } from "./chat/retention.ts";
import { runMigrations } from "./ops/migrations.ts";
import { SelfHeartbeat } from "./ops/heartbeat.ts";
import { FileSweepService } from "./files/sweep.ts";
import { PresenceBeat } from "./realtime/presence.ts";
import { deliverWebhook, fireAutomation } from "./alerts/automation.ts";
import { deliverPersonal } from "./notify/deliveries.ts";
import { deliverZabbix } from "./alerts/zabbix_sync.ts";
import { stagePersonalBatch } from "./notify/personal_timers.ts";
import { flushRobot } from "./notify/robots.ts";
import { fireDingStep } from "./notify/ding_steps.ts";
import { deliverEventWebhook } from "./notify/event_webhook_delivery.ts";
import { keys } from "./core/keys.ts";
import { describeIssues } from "./core/schemas.ts";
import { timerLateness } from "./ops/metrics.ts";
import { fireHeartbeat } from "./alerts/heartbeats.ts";
import { fireSilenceNotice } from "./alerts/silences.ts";
import { fireBurn } from "./chat/burn.ts";
import { fireOverdue } from "./paging/overdue.ts";
import { AlertRetentionService } from "./alerts/retention.ts";
import { fireLdapSync } from "./sso/ldap.ts";
import { PackService } from "./search/blocks.ts";

/** Everything a running Tocsin holds: the domain's ports plus the hub, receipts, timers and retention. */
export interface Core extends Deps {
  hub: Hub;
  delivered: DeliveredBuffer;
  timers: TimerService;
  retention: RetentionService;
  heartbeat: SelfHeartbeat;
  /** Deletes resolved alerts past TOCSIN_ALERT_RETENTION_DAYS. */
  alertRetention: AlertRetentionService;
  /** Deletes abandoned uploads and the chunks of deleted files. */
  files: FileSweepService;
  /** Records who is connected to this process, for presence across processes. */
  presenceBeat: PresenceBeat;
  /** Packs long search posting lists into blocks (lib/search/blocks.ts). */
  searchPack: PackService;
  /** Starts following fanout. */
  start(): Promise<void>;
  /** Closes subscribers, flushes buffered receipts and stops the watch. Does not close `kv`. */
  close(): Promise<void>;
  /** The part `close()` is waiting for ("timers", "fanout"...), or null: names a shutdown that hangs. */
  closing: string | null;
}

/** The health check: KV answers a read (or this throws), and the hub's counts. */
export async function checkHealth(
  core: Core,
): Promise<{ ok: true; subscribers: number; users: number; channels: number }> {
  await core.kv.get(keys.healthProbe());
  return { ok: true, ...core.hub.stats() };
}

export function createCore(kv: Deno.Kv, config: Config, clock: Clock = systemClock): Core {
  const hub = new Hub(kv, config, () => clock.now());
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
    presence: { isConnected: (userId) => hub.subscribersOf(userId).length > 0 },
    timers: null as unknown as TimerService,
    retention: null as unknown as RetentionService,
    heartbeat: null as unknown as SelfHeartbeat,
    alertRetention: null as unknown as AlertRetentionService,
    files: null as unknown as FileSweepService,
    presenceBeat: null as unknown as PresenceBeat,
    searchPack: null as unknown as PackService,
    async start() {
      await runMigrations(core);
      await fanout.start();
      core.timers.start();
      core.retention.start();
      core.heartbeat.start();
      core.alertRetention.start();
      core.files.start();
      core.presenceBeat.start();
      core.searchPack.start();
    },
    closing: null,
    async close() {
      const parts: [string, () => unknown][] = [
        ["heartbeat", () => core.heartbeat.close()],
        ["subscribers", () => hub.closeAll(CLOSE.shutdown, "server shutting down")],
        ["retention", () => core.retention.close()],
        ["alert retention", () => core.alertRetention.close()],
        ["file sweep", () => core.files.close()],
        ["presence", () => core.presenceBeat.close()],
        ["search packing", () => core.searchPack.close()],
        ["timers", () => core.timers.close()],
        ["delivery receipts", () => delivered.close()],
        ["fanout", () => fanout.close()],
      ];
      for (const [name, close] of parts) {
        core.closing = name;
        await close();
      }
      core.closing = null;
    },
  };
  core.retention = new RetentionService(core);
  core.heartbeat = new SelfHeartbeat(core);
  core.alertRetention = new AlertRetentionService(core);
  core.files = new FileSweepService(core);
  core.presenceBeat = new PresenceBeat(core, () => hub.connectedUsers());
  core.searchPack = new PackService(core);
  core.timers = new TimerService(core, (id) => fireAnyTimer(core, id));
  // Timers committed here wake this process at once; those of other processes come from the log.
  fanout.onTimer = (dueAt, here) => core.timers.wake(dueAt, here);
  return core;
}

/** Kinds whose handler sends something outside: claimed before they run (claimTimer). */
const REACHES_OUT: ReadonlySet<Timer["kind"]> = new Set([
  "webhook",
  "personal",
  "robot",
  "ding",
  "event_webhook",
  "zabbix",
  "ldap_sync",
]);

/**
 * The one dispatcher for every kind of timer, on the parsed record. A record that does not parse
 * throws: the failure is counted, and it ends among the dead letters, where admins see it.
 */
async function fireAnyTimer(core: Core, id: string): Promise<boolean> {
  const entry = await core.kv.get(keys.timer(id));
  if (entry.value === null) return false;
  const parsed = TimerSchema.safeParse(entry.value);
  if (!parsed.success) throw new Error(`timer ${id}: ${describeIssues(parsed.error)}`);
  const t = parsed.data;
  if (t.dueAt <= core.clock.now()) {
    if (REACHES_OUT.has(t.kind) && !(await claimTimer(core, { ...entry, value: t }))) return false;
    timerLateness.observe({ kind: t.kind }, (core.clock.now() - t.dueAt) / 1e3);
  }
  switch (t.kind) {
    case "reminder":
    case "escalation":
      return await fireTimer(core, id);
    case "automation":
      return await fireAutomation(core, id);
    case "webhook":
      return await deliverWebhook(core, id);
    case "personal":
      return await deliverPersonal(core, id);
    case "personal_batch":
      return await stagePersonalBatch(core, id);
    case "robot":
      return await flushRobot(core, id);
    case "ding":
      return await fireDingStep(core, id);
    case "event_webhook":
      return await deliverEventWebhook(core, id);
    case "zabbix":
      return await deliverZabbix(core, id);
    case "heartbeat":
      return await fireHeartbeat(core, id);
    case "silence":
      return await fireSilenceNotice(core, id);
    case "overdue":
      return await fireOverdue(core, id);
    case "ldap_sync":
      return await fireLdapSync(core, id);
    case "burn":
      return await fireBurn(core, id);
    default: {
      const unknown: never = t;
      throw new Error(`timer ${id}: no handler for ${JSON.stringify(unknown)}`);
    }
  }
}
