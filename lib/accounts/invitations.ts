/**
 * Invitations: an admin invites an e-mail address with a role; the person
 * opens the single-use, expiring link from the e-mail and chooses their name
 * and password, which creates the account (and uses up the invitation) in one
 * commit. Admins list pending invitations, send them again (a new link; the
 * old one stops working) and revoke them. Tokens are `<id>.<secret>` as in
 * links.ts: the secret is stored only as its hash.
 */
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import { listAll } from "../core/kv_util.ts";
import { hashPassword } from "./passwords.ts";
import type { User, UserRole } from "./model.ts";
import { badLink, newLinkSecret, parseLinkToken, secretMatches } from "./links.ts";
import { createUserRecord, getUserByEmail } from "./users.ts";
import { auditedAtomic } from "../audit/chain.ts";

export interface Invitation {
  id: string;
  email: string;
  role: UserRole;
  invitedBy: string;
  createdAt: number;
  /** When the current link was sent (a resend moves it on). */
  sentAt: number;
  expiresAt: number;
  secretHash: string;
}

/** What admins see of an invitation (never the hash). */
export type PublicInvitation = Omit<Invitation, "secretHash">;

export function publicInvitation(i: Invitation): PublicInvitation {
  const { secretHash: _h, ...rest } = i;
  return rest;
}

/** Creates an invitation; returns it and the token for the e-mail. 409 when the address has an account or one pending. */
export async function createInvitation(
  deps: Deps,
  actor: User,
  input: { email: string; role: UserRole },
): Promise<{ invitation: Invitation; token: string }> {
  const { kv, clock, config } = deps;
  if (await getUserByEmail(kv, input.email)) {
    throw new ApiError("conflict", "this address has an account already");
  }
  const max = config.maxInvitations;
  if (max > 0 && (await listAll(kv, keys.invitations(), max)).length >= max) {
    throw new ApiError("invalid_input", `at most ${max} pending invitations; revoke some first`);
  }
  const now = clock.now();
  const { id, token, secretHash } = await newLinkSecret(now);
  const invitation: Invitation = {
    id,
    email: input.email,
    role: input.role,
    invitedBy: actor.id,
    createdAt: now,
    sentAt: now,
    expiresAt: now + config.inviteTtlMs,
    secretHash,
  };
  const res = await auditedAtomic(kv, clock, {
    actor,
    action: "invitation.create",
    target: { type: "invitation", id },
    detail: { email: invitation.email, role: invitation.role },
  })
    .check({ key: keys.invitation(id), versionstamp: null })
    .check({ key: keys.invitationByEmail(input.email), versionstamp: null })
    .set(keys.invitation(id), invitation)
    .set(keys.invitationByEmail(input.email), id)
    .commit();
  if (!res.ok) throw new ApiError("conflict", "this address is invited already; send it again");
  return { invitation, token };
}

/** Pending invitations, newest first; expired ones are listed too (the admin resends or revokes). */
export async function listInvitations(kv: Deno.Kv): Promise<Invitation[]> {
  return (await listAll<Invitation>(kv, keys.invitations())).map((e) => e.value).reverse();
}

/** A new link for an invitation, with a fresh expiry; the old link stops working. */
export async function resendInvitation(
  deps: Deps,
  id: string,
): Promise<{ invitation: Invitation; token: string }> {
  const { kv, clock, config } = deps;
  const entry = await kv.get<Invitation>(keys.invitation(id));
  if (!entry.value) throw notFound("invitation");
  const now = clock.now();
  const { token: fresh, secretHash } = await newLinkSecret(now);
  // The id stays (the admin's list keeps its row); only the secret changes.
  const token = `${id}.${fresh.slice(fresh.indexOf(".") + 1)}`;
  const invitation: Invitation = {
    ...entry.value,
    secretHash,
    sentAt: now,
    expiresAt: now + config.inviteTtlMs,
  };
  const res = await auditedAtomic(kv, clock, {
    action: "invitation.resend",
    target: { type: "invitation", id },
    detail: { email: invitation.email },
  }).check(entry).set(entry.key, invitation).commit();
  if (!res.ok) throw new ApiError("conflict", "the invitation changed meanwhile; retry");
  return { invitation, token };
}

/** Deletes an invitation; `why` says so in the audit entry when it was not an admin's choice. */
export async function revokeInvitation(deps: Deps, id: string, why?: string): Promise<void> {
  const { kv, clock } = deps;
  const entry = await kv.get<Invitation>(keys.invitation(id));
  if (!entry.value) throw notFound("invitation");
  const res = await auditedAtomic(kv, clock, {
    action: "invitation.revoke",
    target: { type: "invitation", id },
    detail: { email: entry.value.email, ...(why ? { why } : {}) },
  }).check(entry).delete(entry.key)
    .delete(keys.invitationByEmail(entry.value.email)).commit();
  if (!res.ok) throw new ApiError("conflict", "the invitation changed meanwhile; retry");
}

async function readInvitation(deps: Deps, token: string): Promise<Deno.KvEntry<Invitation>> {
  const parts = parseLinkToken(token);
  if (!parts) throw badLink();
  const entry = await deps.kv.get<Invitation>(keys.invitation(parts.id));
  const inv = entry.value;
  if (!inv || inv.expiresAt <= deps.clock.now()) throw badLink();
  if (!(await secretMatches(parts.secret, inv.secretHash))) throw badLink();
  return entry as Deno.KvEntry<Invitation>;
}

/** What the invitee's page shows before they accept: the address and role. */
export async function peekInvitation(
  deps: Deps,
  token: string,
): Promise<{ email: string; role: UserRole }> {
  const inv = (await readInvitation(deps, token)).value;
  return { email: inv.email, role: inv.role };
}

/** Creates the account from an invitation link; the invitation is used up in the same commit. */
export async function acceptInvitation(
  deps: Deps,
  token: string,
  input: { name: string; password: string },
): Promise<User> {
  if (input.password.length < deps.config.passwordMinLength) {
    throw new ApiError(
      "invalid_input",
      `password: must be at least ${deps.config.passwordMinLength} characters`,
    );
  }
  const entry = await readInvitation(deps, token);
  const inv = entry.value;
  const hash = await hashPassword(deps, input.password);
  const user = await createUserRecord(
    deps,
    { email: inv.email, name: input.name, role: inv.role },
    {
      hash,
      stage: (op) => op.check(entry).delete(entry.key).delete(keys.invitationByEmail(inv.email)),
      audit: {
        action: "invitation.accept",
        self: true,
        detail: { invitationId: inv.id, invitedBy: inv.invitedBy },
      },
    },
  );
  if (!user) {
    // Used meanwhile, or the address got an account another way.
    if (!(await deps.kv.get(entry.key)).value) throw badLink();
    throw new ApiError("conflict", "this address has an account already; log in");
  }
  return user;
}
