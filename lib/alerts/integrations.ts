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
import { checkAbsent, commitOrConflict, listByIndex } from "../core/kv_util.ts";
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
}

/** What the API shows of an integration (never its secrets). */
export function publicIntegration(i: Integration) {
  const { tokenHash: _t, signingSecret, ...rest } = i;
  return { ...rest, url: `/hooks/${i.id}`, signed: signingSecret !== null };
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
    severityMap: Object.fromEntries(
      Object.entries(input.severityMap ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    ),
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
  await kv.atomic().check(entry).delete(entry.key)
    .delete(keys.integrationByTeam(entry.value.teamId, id)).commit();
}
