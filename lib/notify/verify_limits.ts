/**
 * Limits on contact verification messages. Adding a contact sends a code through it at once, so
 * each add is an e-mail, SMS or request that the user chooses the target of. Sends are counted
 * per user, per address (all users together, keyed by the address, so deleting and adding the
 * contact again does not reset it) and per provider, atomically and before the send.
 */
import { sha256Hex } from "../core/crypto.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError } from "../core/errors.ts";
import { takeOrBlock, type Window } from "../core/ratelimit.ts";

/** The address as counted: e-mail is case-insensitive in practice; numbers and URLs as given. */
function normalize(kind: string, address: string): string {
  const a = address.trim();
  return kind === "email" ? a.toLowerCase() : a;
}

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m === 1 ? "1 minute" : `${m} minutes`;
}

/**
 * Counts one verification message for `userId` to `address`, or throws 429 `rate_limited`
 * naming the limit that refused and when to retry (nothing is counted then).
 */
export async function takeVerifySend(
  deps: Deps,
  userId: string,
  kind: string,
  address: string,
): Promise<void> {
  const { config } = deps;
  const user: Window = {
    scope: "verify_user",
    id: userId,
    windowMs: config.verifyWindowMs,
    max: config.verifyMaxPerUser,
  };
  const addr: Window = {
    scope: "verify_address",
    id: await sha256Hex(`${kind}:${normalize(kind, address)}`),
    windowMs: config.verifyWindowMs,
    max: config.verifyMaxPerAddress,
  };
  const { wait, blocked } = await takeOrBlock(deps.kv, deps.clock, [user, addr]);
  if (!blocked) return;
  const per = minutes(blocked.windowMs);
  throw new ApiError(
    "rate_limited",
    blocked === user
      ? `verification messages are limited to ${blocked.max} per user per ${per}; retry in ${wait} s`
      : `verification messages to this address are limited to ${blocked.max} per ${per}; retry in ${wait} s`,
    wait,
  );
}

/**
 * Counts one verification message against a provider's verification budget. Returns 0 when
 * counted, else the seconds until the provider admits another.
 */
export async function takeProviderVerifySend(deps: Deps, providerId: string): Promise<number> {
  const { config } = deps;
  return (await takeOrBlock(deps.kv, deps.clock, [{
    scope: "verify_provider",
    id: providerId,
    windowMs: config.verifyWindowMs,
    max: config.verifyMaxPerProvider,
  }])).wait;
}

/** The 429 for a verification no provider had budget left for. */
export function providerBudgetSpent(kind: string, wait: number, deps: Deps): ApiError {
  return new ApiError(
    "rate_limited",
    `the ${kind === "email" ? "e-mail" : "SMS"} providers' budget for verification messages ` +
      `(${deps.config.verifyMaxPerProvider} per provider per ${
        minutes(deps.config.verifyWindowMs)
      }) is used up; retry in ${wait} s`,
    wait,
  );
}
