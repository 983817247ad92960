/**
 * Integrations: inbound alert sources, one per tool and team. Each has a
 * secret token (shown once, stored as a SHA-256 hash, compared in constant
 * time) and optionally a signing secret (Grafana's HMAC).
 */
import { z } from "zod";
import { IntegrationTypeSchema, type Priority, PrioritySchema } from "./model.ts";
import { randomToken, sha256Hex, timingSafeEqual } from "../core/crypto.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { checkAbsent, commitOrConflict, getManyChunked, listByIndex } from "../core/kv_util.ts";
import { NameSchema } from "../core/schemas.ts";
import { type User } from "../accounts/model.ts";
import { ensureTeamConversation, requireTeamManager } from "../accounts/teams.ts";

/** Prefix of integration tokens. */
export const INTEGRATION_TOKEN_PREFIX = "tih_";

export const CreateIntegrationInputSchema = z.strictObject({
  name: NameSchema,
  type: IntegrationTypeSchema,
  teamId: z.string().min(1).max(64),
  signingSecret: z.string().min(16).max(256).optional(),
  severityMap: z.record(z.string().min(1).max(50), PrioritySchema).optional(),
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
}

export const UpdateIntegrationInputSchema = z.strictObject({
  name: NameSchema.optional(),
  disabled: z.boolean().optional(),
  /** null removes the signing secret. */
  signingSecret: z.string().min(16).max(256).nullable().optional(),
  severityMap: z.record(z.string().min(1).max(50), PrioritySchema).optional(),
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
  const { tokenHash: _t, signingSecret, ...rest } = i;
  return {
    ...rest,
    disabled: i.disabled === true,
    url: `/hooks/${i.id}`,
    signed: signingSecret !== null,
  };
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
  await ensureTeamConversation(deps, team.id);
  const token = randomToken(INTEGRATION_TOKEN_PREFIX);
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
  };
  const op = checkAbsent(kv.atomic(), keys.integration(integration.id))
    .set(keys.integration(integration.id), integration)
    .set(keys.integrationByTeam(team.id, integration.id), integration.id);
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
  const res = await kv.atomic().check(entry).set(entry.key, next).commit();
  if (!res.ok) throw new ApiError("conflict", "the integration changed; retry");
  return next;
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
  const token = randomToken(INTEGRATION_TOKEN_PREFIX);
  const res = await kv.atomic().check(entry)
    .set(entry.key, { ...entry.value, tokenHash: await sha256Hex(token) }).commit();
  if (!res.ok) throw new ApiError("conflict", "the integration changed; retry");
  return token;
}

export async function deleteIntegration(deps: Deps, actor: User, id: string): Promise<void> {
  const { kv } = deps;
  const entry = await kv.get<Integration>(keys.integration(id));
  if (!entry.value) throw notFound("integration");
  await requireTeamManager(kv, actor, entry.value.teamId);
  const res = await kv.atomic().check(entry).delete(entry.key)
    .delete(keys.integrationByTeam(entry.value.teamId, id))
    .delete(keys.integrationStat(id, "alerts")).delete(keys.integrationStat(id, "events"))
    .delete(keys.integrationStat(id, "last")).commit();
  if (!res.ok) throw new ApiError("conflict", "the integration changed; retry");
}
