/**
 * Self-registration: off by default; when an admin turns it on, people whose
 * e-mail domain is allowed ask for a link, and the link (proof that they read
 * that mailbox) lets them choose their name and password. New accounts are
 * members. The request answers the same whether or not the address already
 * has an account.
 */
import { z } from "zod";
import { auditedAtomic } from "../audit/chain.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError } from "../core/errors.ts";
import { log } from "../core/log.ts";
import { keys } from "../core/keys.ts";
import { hashPassword } from "./passwords.ts";
import type { User } from "./model.ts";
import { countMailRequest, createLink, readLink } from "./links.ts";
import { createUserRecord, getUserByEmail } from "./users.ts";

const DomainSchema = z.string().trim().toLowerCase().max(253).regex(
  /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/,
  "must be a domain name such as example.com",
);

export const SignupSettingsSchema = z.strictObject({
  enabled: z.boolean(),
  /** E-mail domains that may register (exact match, lower case); empty: none. */
  domains: z.array(DomainSchema).max(100),
});
export type SignupSettings = z.infer<typeof SignupSettingsSchema>;

/** The saved setting, else the config's default (off unless TOCSIN_SIGNUP_DOMAINS is set). */
export async function getSignupSettings(deps: Deps): Promise<SignupSettings> {
  const saved = (await deps.kv.get<SignupSettings>(keys.signupSettings())).value;
  return saved ?? { enabled: deps.config.signupEnabled, domains: deps.config.signupDomains };
}

export async function setSignupSettings(deps: Deps, s: SignupSettings): Promise<SignupSettings> {
  const clean = { enabled: s.enabled, domains: [...new Set(s.domains)] };
  if (clean.enabled && clean.domains.length === 0) {
    throw new ApiError("invalid_input", "domains: name at least one e-mail domain");
  }
  const res = await auditedAtomic(deps.kv, deps.clock, {
    action: "signup.update",
    target: null,
    detail: { enabled: clean.enabled, domains: clean.domains.join(" ") },
  }).set(keys.signupSettings(), clean).commit();
  if (!res.ok) throw new ApiError("conflict", "the setting changed meanwhile; retry");
  return clean;
}

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf("@") + 1).toLowerCase();
}

/** Refuses when registration is off or the address's domain is not allowed. */
async function checkAllowed(deps: Deps, email: string): Promise<void> {
  const s = await getSignupSettings(deps);
  if (!s.enabled) throw new ApiError("forbidden", "self-registration is off; ask an admin");
  if (!s.domains.includes(domainOf(email))) {
    throw new ApiError("invalid_input", "email: this e-mail domain may not register here");
  }
}

/**
 * Counts the request; after the answer (so that its time tells nothing),
 * makes a verification link and runs `send` with it unless the address has
 * an account.
 */
export async function requestSignup(
  deps: Deps,
  email: string,
  ip: string,
  send: (token: string) => Promise<void>,
): Promise<void> {
  await checkAllowed(deps, email);
  await countMailRequest(deps, email, ip);
  setTimeout(() => {
    (async () => {
      if (await getUserByEmail(deps.kv, email)) return;
      await send(await createLink(deps, { kind: "signup", email, userId: null, gen: 0 }));
    })().catch((e) => log.warn("registration e-mail failed:", e));
  }, 0);
}

/** Creates the account from a verification link (used up in the same commit). */
export async function completeSignup(
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
  const entry = await readLink(deps, token, "signup");
  // The domain list may have changed since the link was sent.
  await checkAllowed(deps, entry.value.email);
  const hash = await hashPassword(deps, input.password);
  const user = await createUserRecord(
    deps,
    { email: entry.value.email, name: input.name, role: "member" },
    {
      hash,
      stage: (op) => op.check(entry).delete(entry.key),
      audit: { action: "user.signup", self: true },
    },
  );
  if (!user) throw new ApiError("conflict", "this address has an account already; log in");
  return user;
}
