/**
 * "Forgot password": a single-use, expiring reset link by e-mail. The
 * request answers the same whether or not the address has an account (the
 * caller sends the e-mail without waiting for it); using the link sets the
 * new password and ends every session and API token of the user (their
 * authGen moves on), which also refuses every other reset link made before.
 */
import type { Deps } from "../core/deps.ts";
import { ApiError } from "../core/errors.ts";
import { log } from "../core/log.ts";
import type { User } from "./model.ts";
import { badLink, countMailRequest, createLink, readLink } from "./links.ts";
import { getUser, getUserByEmail, updateUser } from "./users.ts";

/**
 * Counts the request (429 past the limits), the same for every address; then
 * `send` runs after the answer, for an enabled account only, with a new
 * reset link. The answer's time therefore does not depend on whether the
 * account exists.
 */
export async function requestPasswordReset(
  deps: Deps,
  email: string,
  ip: string,
  send: (made: { user: User; token: string }) => Promise<void>,
): Promise<void> {
  await countMailRequest(deps, email, ip);
  setTimeout(() => {
    makeResetLink(deps, email).then((made) => made ? send(made) : undefined).catch((e) =>
      log.warn("password reset e-mail failed:", e)
    );
  }, 0);
}

async function makeResetLink(
  deps: Deps,
  email: string,
): Promise<{ user: User; token: string } | null> {
  const user = await getUserByEmail(deps.kv, email);
  if (!user || user.disabled) return null;
  const token = await createLink(deps, {
    kind: "reset",
    email: user.email,
    userId: user.id,
    gen: user.authGen ?? 0,
  });
  return { user, token };
}

/** Sets the new password from a reset link (used up in the same commit); 404 for a bad link. */
export async function confirmPasswordReset(
  deps: Deps,
  token: string,
  password: string,
): Promise<User> {
  if (password.length < deps.config.passwordMinLength) {
    throw new ApiError(
      "invalid_input",
      `password: must be at least ${deps.config.passwordMinLength} characters`,
    );
  }
  const entry = await readLink(deps, token, "reset");
  const link = entry.value;
  const user = link.userId ? await getUser(deps.kv, link.userId) : null;
  if (!user || user.disabled || (user.authGen ?? 0) !== link.gen) throw badLink();
  return await updateUser(deps, user, user.id, { password }, async (op) => {
    const current = await deps.kv.get(entry.key);
    if (current.versionstamp !== entry.versionstamp) throw badLink();
    op.check(current).delete(entry.key);
  }, { action: "auth.password_reset", detail: { link: String(entry.key.at(-1)) } });
}
