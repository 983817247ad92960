/**
 * Integrations: inbound alert sources, one per tool and team. Each has a
 * secret token (shown once, stored as a SHA-256 hash, compared in constant
 * time) and optionally a signing secret (Grafana's HMAC).
 */
import { auditedAtomic } from "../audit/chain.ts";
import { z } from "zod";
import { IntegrationTypeSchema, type Priority, PrioritySchema } from "./model.ts";
import { randomToken, sha256Hex, timingSafeEqual } from "../core/crypto.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { checkAbsent, commitOrConflict, getManyChunked, listByIndex } from "../core/kv_util.ts";
import { NameSchema } from "../core/schemas.ts";
import { checkOutboundUrl } from "../notify/outbound.ts";
import { type User } from "../accounts/model.ts";
import { ensureTeamConversation, requireTeamManager } from "../accounts/teams.ts";

/** Prefix of integration tokens. */
export const INTEGRATION_TOKEN_PREFIX = "tih_";

/** Length of a PagerDuty-style routing key (PagerDuty's integration keys are 32 characters). */
export const PAGERDUTY_KEY_LENGTH = 32;

/** The header names Grafana signs with by default (its "Signature Header"; older versions use the second). */
export const GRAFANA_SIGNATURE_HEADERS = [
  "x-grafana-alerting-signature",
  "x-grafana-alert-signature",
] as const;
/** The timestamp header read when an integration names none. */
export const GRAFANA_TIMESTAMP_HEADER = "x-grafana-alerting-timestamp";

/** An HTTP header name, as Grafana lets a user choose one. */
const HeaderNameSchema = z.string().regex(/^[A-Za-z0-9-]{1,100}$/, "a header name (A-Z, 0-9, -)")
  .transform((s) => s.toLowerCase());

/** Zabbix's frontend (or its api_jsonrpc.php) and an API token, for acknowledging back. */
const ZabbixUrlSchema = z.url({ protocol: /^https?$/ }).max(2_048);
const ZabbixTokenSchema = z.string().min(8).max(256).regex(
  /^[\x21-\x7e]+$/,
  "printable, no spaces",
);

export const CreateIntegrationInputSchema = z.strictObject({
  name: NameSchema,
  type: IntegrationTypeSchema,
  teamId: z.string().min(1).max(64),
  signingSecret: z.string().min(16).max(256).optional(),
  severityMap: z.record(z.string().min(1).max(50), PrioritySchema).optional(),
  /** "pagerduty": a 32-character routing key, for senders that check its length (events only). */
  keyFormat: z.enum(["tocsin", "pagerduty"]).optional(),
  /** Grafana: the one signature header to read (default: both of Grafana's names). */
  signatureHeader: HeaderNameSchema.optional(),
  /** Grafana: the timestamp header (default X-Grafana-Alerting-Timestamp). */
  timestampHeader: HeaderNameSchema.optional(),
  /** Zabbix two-way: acknowledging, resolving and noting here call Zabbix's event.acknowledge. */
  zabbixUrl: ZabbixUrlSchema.optional(),
  zabbixApiToken: ZabbixTokenSchema.optional(),
});
export type CreateIntegrationInput = z.infer<typeof CreateIntegrationInputSchema>;

export interface Integration {
  id: string;
  name: string;
  type: z.infer<typeof IntegrationTypeSchema>;
  teamId: string;
  tokenHash: string;
  signingSecret: string | null;
  severityMap: Record<string, Priority>;
  createdAt: number;
  createdBy: string;
  /** Paused: webhooks answer 503 with Retry-After and store nothing (absent on older records). */
  disabled?: boolean;
  /** "pagerduty": its token is a 32-character routing key (absent: Tocsin's own form). */
  keyFormat?: "tocsin" | "pagerduty";
  /** Grafana's header names (lower case); absent or null: the defaults. */
  signatureHeader?: string | null;
  timestampHeader?: string | null;
  /** Zabbix two-way: where and with what token actions are sent back (absent: one-way). */
  zabbix?: ZabbixLink | null;
}

/** A Zabbix integration's way back: its API endpoint and token. */
export interface ZabbixLink {
  url: string;
  apiToken: string;
}

export const UpdateIntegrationInputSchema = z.strictObject({
  name: NameSchema.optional(),
  disabled: z.boolean().optional(),
  /** null removes the signing secret. */
  signingSecret: z.string().min(16).max(256).nullable().optional(),
  severityMap: z.record(z.string().min(1).max(50), PrioritySchema).optional(),
  /** null: back to the defaults. */
  signatureHeader: HeaderNameSchema.nullable().optional(),
  timestampHeader: HeaderNameSchema.nullable().optional(),
  /** null removes the way back; the token may be left out to keep the stored one. */
  zabbixUrl: ZabbixUrlSchema.nullable().optional(),
  zabbixApiToken: ZabbixTokenSchema.optional(),
});
export type UpdateIntegrationInput = z.infer<typeof UpdateIntegrationInputSchema>;

/** What ingest counted for an integration (written in each ingest commit). */
export interface IntegrationStats {
  /** Alerts it opened. */
  alerts: number;
  /** Events it applied (new alerts and changes to open ones). */
  events: number;
  /** When it last applied one (ms), or null. */
  lastAlertAt: number | null;
}

/** What the API shows of an integration (never its secrets). */
export function publicIntegration(i: Integration) {
  const { tokenHash: _t, signingSecret, zabbix, ...rest } = i;
  return {
    ...rest,
    disabled: i.disabled === true,
    url: `/hooks/${i.id}`,
    signed: signingSecret !== null,
    keyFormat: i.keyFormat ?? "tocsin",
    signatureHeader: i.signatureHeader ?? null,
    timestampHeader: i.timestampHeader ?? null,
    /** The way back to Zabbix, without its token. */
    zabbix: zabbix ? { url: zabbix.url, tokenSet: true } : null,
  };
}

/** The token of a new integration (or a rotation) in the integration's format. */
function newToken(format: Integration["keyFormat"]): string {
  if (format !== "pagerduty") return randomToken(INTEGRATION_TOKEN_PREFIX);
  // 16 random bytes as 32 hex digits: PagerDuty's length and alphabet, 128 bits.
  const bytes = crypto.getRandomValues(new Uint8Array(PAGERDUTY_KEY_LENGTH / 2));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The type-specific settings of a create input: 400 when one does not belong to the type. */
function typeSettings(input: CreateIntegrationInput): Partial<Integration> {
  const out: Partial<Integration> = {};
  if (input.keyFormat && input.keyFormat !== "tocsin") {
    if (input.type !== "events") {
      throw new ApiError("invalid_input", "keyFormat: only events integrations have routing keys");
    }
    out.keyFormat = input.keyFormat;
  }
  if (input.signatureHeader || input.timestampHeader) {
    if (input.type !== "grafana") {
      throw new ApiError("invalid_input", "signatureHeader: only grafana integrations are signed");
    }
    out.signatureHeader = input.signatureHeader ?? null;
    out.timestampHeader = input.timestampHeader ?? null;
  }
  if (input.zabbixUrl || input.zabbixApiToken) {
    if (input.type !== "zabbix") {
      throw new ApiError("invalid_input", "zabbixUrl: only zabbix integrations call Zabbix back");
    }
    if (!input.zabbixUrl || !input.zabbixApiToken) {
      throw new ApiError("invalid_input", "zabbixUrl and zabbixApiToken go together");
    }
    out.zabbix = { url: input.zabbixUrl, apiToken: input.zabbixApiToken };
  }
  return out;
}

function lowerKeys(map: Record<string, Priority>): Record<string, Priority> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k.toLowerCase(), v]));
}

/** Creates an integration (admins and the team's admins); returns its token once. */
export async function createIntegration(
  deps: Deps,
  actor: User,
  input: CreateIntegrationInput,
): Promise<{ integration: Integration; token: string }> {
  const { kv, clock } = deps;
  const team = await requireTeamManager(kv, actor, input.teamId);
  const settings = typeSettings(input);
  if (settings.zabbix) await checkOutboundUrl(settings.zabbix.url, deps.config);
  await ensureTeamConversation(deps, team.id);
  const token = newToken(settings.keyFormat);
  const integration: Integration = {
    id: ulid(clock.now()),
    name: input.name,
    type: input.type,
    teamId: team.id,
    tokenHash: await sha256Hex(token),
    signingSecret: input.signingSecret ?? null,
    severityMap: lowerKeys(input.severityMap ?? {}),
    createdAt: clock.now(),
    createdBy: actor.id,
    ...settings,
  };
  const op = checkAbsent(
    auditedAtomic(kv, deps.clock, {
      action: "integration.create",
      target: { type: "integration", id: integration.id },
    }),
    keys.integration(integration.id),
  )
    .set(keys.integration(integration.id), integration)
    .set(keys.integrationByTeam(team.id, integration.id), integration.id)
    .set(keys.integrationByTokenHash(integration.tokenHash), integration.id);
  await commitOrConflict(op, "could not create the integration; retry");
  return { integration, token };
}

export async function getIntegration(kv: Deno.Kv, id: string): Promise<Integration | null> {
  return (await kv.get<Integration>(keys.integration(id))).value;
}

/** The integrations of a team (its members may list them). */
export async function listIntegrations(kv: Deno.Kv, teamId: string): Promise<Integration[]> {
  return await listByIndex<Integration>(kv, keys.integrationsByTeam(teamId), keys.integration);
}

/** The counters of each integration, in the order given. */
export async function getIntegrationStats(
  kv: Deno.Kv,
  ids: string[],
): Promise<IntegrationStats[]> {
  const stats = ["alerts", "events", "last"] as const;
  const entries = await getManyChunked<Deno.KvU64>(
    kv,
    ids.flatMap((id) => stats.map((s) => keys.integrationStat(id, s))),
  );
  return ids.map((_, i) => {
    const [a, e, l] = entries.slice(i * 3, i * 3 + 3).map((x) => x.value ? Number(x.value) : 0);
    return { alerts: a, events: e, lastAlertAt: l || null };
  });
}

/** Changes an integration's name, signing secret, severity map, or pauses/resumes it. */
export async function updateIntegration(
  deps: Deps,
  actor: User,
  id: string,
  input: UpdateIntegrationInput,
): Promise<Integration> {
  const { kv } = deps;
  const entry = await kv.get<Integration>(keys.integration(id));
  if (!entry.value) throw notFound("integration");
  await requireTeamManager(kv, actor, entry.value.teamId);
  const next: Integration = { ...entry.value };
  if (input.name !== undefined) next.name = input.name;
  if (input.disabled !== undefined) next.disabled = input.disabled;
  if (input.signingSecret !== undefined) next.signingSecret = input.signingSecret;
  if (input.severityMap !== undefined) next.severityMap = lowerKeys(input.severityMap);
  applyTypeUpdate(next, input);
  if (next.zabbix && input.zabbixUrl) await checkOutboundUrl(next.zabbix.url, deps.config);
  const res = await auditedAtomic(kv, deps.clock, {
    action: "integration.update",
    target: { type: "integration", id: id },
  }).check(entry).set(entry.key, next).commit();
  if (!res.ok) throw new ApiError("conflict", "the integration changed; retry");
  return next;
}

/** Applies an update's type-specific settings to `next`; 400 when one does not belong to its type. */
function applyTypeUpdate(next: Integration, input: UpdateIntegrationInput): void {
  const grafana = input.signatureHeader !== undefined || input.timestampHeader !== undefined;
  if (grafana && next.type !== "grafana") {
    throw new ApiError("invalid_input", "signatureHeader: only grafana integrations are signed");
  }
  if (input.signatureHeader !== undefined) next.signatureHeader = input.signatureHeader;
  if (input.timestampHeader !== undefined) next.timestampHeader = input.timestampHeader;
  const zabbix = input.zabbixUrl !== undefined || input.zabbixApiToken !== undefined;
  if (zabbix && next.type !== "zabbix") {
    throw new ApiError("invalid_input", "zabbixUrl: only zabbix integrations call Zabbix back");
  }
  if (input.zabbixUrl === null) next.zabbix = null;
  else if (input.zabbixUrl !== undefined || input.zabbixApiToken !== undefined) {
    const apiToken = input.zabbixApiToken ?? next.zabbix?.apiToken;
    const url = input.zabbixUrl ?? next.zabbix?.url;
    if (!apiToken || !url) {
      throw new ApiError("invalid_input", "zabbixUrl and zabbixApiToken go together");
    }
    next.zabbix = { url, apiToken };
  }
}

/** The integration whose token is `token` (PagerDuty's routing_key), or null. */
export async function getIntegrationByToken(
  kv: Deno.Kv,
  token: string,
): Promise<Integration | null> {
  const id = (await kv.get<string>(keys.integrationByTokenHash(await sha256Hex(token)))).value;
  const i = id ? await getIntegration(kv, id) : null;
  // The index is a hint: the record's own hash decides (a rotation replaced it).
  return i && await tokenMatches(i, token) ? i : null;
}

/**
 * Indexes the tokens of integrations created before the index existed (once, at start-up;
 * idempotent), so that their routing keys reach /v2/enqueue too.
 */
export async function migrateIntegrationTokenIndex(kv: Deno.Kv): Promise<void> {
  for await (const e of kv.list<Integration>({ prefix: ["integrations"] })) {
    const k = keys.integrationByTokenHash(e.value.tokenHash);
    if ((await kv.get(k)).value !== null) continue;
    await kv.atomic().check(e).check({ key: k, versionstamp: null }).set(k, e.value.id).commit();
  }
}

/** True when `token` is this integration's token (constant-time compare of hashes). */
export async function tokenMatches(
  integration: Integration,
  token: string | null,
): Promise<boolean> {
  if (!token) return false;
  return timingSafeEqual(await sha256Hex(token), integration.tokenHash);
}

/** Replaces the token (the old one stops working at once); returns the new one. */
export async function rotateToken(deps: Deps, actor: User, id: string): Promise<string> {
  const { kv } = deps;
  const entry = await kv.get<Integration>(keys.integration(id));
  if (!entry.value) throw notFound("integration");
  await requireTeamManager(kv, actor, entry.value.teamId);
  const token = newToken(entry.value.keyFormat);
  const tokenHash = await sha256Hex(token);
  const res = await auditedAtomic(kv, deps.clock, {
    action: "integration.rotate_token",
    target: { type: "integration", id: id },
  }).check(entry)
    .set(entry.key, { ...entry.value, tokenHash })
    .delete(keys.integrationByTokenHash(entry.value.tokenHash))
    .set(keys.integrationByTokenHash(tokenHash), id).commit();
  if (!res.ok) throw new ApiError("conflict", "the integration changed; retry");
  return token;
}

export async function deleteIntegration(deps: Deps, actor: User, id: string): Promise<void> {
  const { kv } = deps;
  const entry = await kv.get<Integration>(keys.integration(id));
  if (!entry.value) throw notFound("integration");
  await requireTeamManager(kv, actor, entry.value.teamId);
  const res = await auditedAtomic(kv, deps.clock, {
    action: "integration.delete",
    target: { type: "integration", id: id },
  }).check(entry).delete(entry.key)
    .delete(keys.integrationByTeam(entry.value.teamId, id))
    .delete(keys.integrationStat(id, "alerts")).delete(keys.integrationStat(id, "events"))
    .delete(keys.integrationStat(id, "last"))
    .delete(keys.integrationByTokenHash(entry.value.tokenHash)).commit();
  if (!res.ok) throw new ApiError("conflict", "the integration changed; retry");
}
