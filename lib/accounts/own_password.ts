/**
 * A user changes their own password. The current password is verified first,
 * through the same Argon2 path and the same rate limits as a login (the
 * attempt is counted before hashing; a failure stays counted). The commit that
 * stores the new hash also moves the user's sessionGen on, deletes the user's
 * other sessions and re-stamps the session that made the change, so that it
 * alone stays logged in; sockets of the other sessions are closed. API tokens
 * are kept: they are listed and revoked on the profile page.
 */
import { recordAudit, stageAudit, withMeta } from "../audit/chain.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import { listAll } from "../core/kv_util.ts";
import { refund, reset } from "../core/ratelimit.ts";
import { countAttempt, loginWindows } from "./login.ts";
import type { User } from "./model.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";
import type { Auth, Session } from "./sessions.ts";

/**
 * Sessions deleted in the commit: two deletions each, so that with the three sets they stay
 * under KV's 1,000 mutations per commit. Any beyond are refused at authentication (sessionGen)
 * and age out.
 */
const MAX_SESSIONS_DELETED = 400;

export async function changeOwnPassword(
  deps: Deps,
  auth: Auth,
  input: { current: string; next: string },
  ip: string,
): Promise<User> {
  const { kv, clock, config, fanout } = deps;
  const sessionHash = auth.sessionHash;
  if (!sessionHash) throw new ApiError("forbidden", "change your password from a login session");
  if (input.next.length < config.passwordMinLength) {
    throw new ApiError(
      "invalid_input",
      `next: must be at least ${config.passwordMinLength} characters`,
    );
  }
  const userId = auth.user.id;
  const w = loginWindows(deps, auth.user.email, ip);
  await countAttempt(deps, [w.ip, w.accountIp, w.account]);
  let ok: boolean;
  try {
    const stored = (await kv.get<string>(keys.password(userId))).value;
    ok = stored !== null && await verifyPassword(deps, stored, input.current);
  } catch (e) {
    await refund(kv, clock, [w.accountIp, w.account]);
    throw e;
  }
  const audit = withMeta({
    actor: auth.user,
    action: "auth.password_change",
    target: { type: "user", id: userId },
  });
  if (!ok) {
    await recordAudit(kv, clock, { ...audit, ok: false, detail: { why: "wrong_password" } });
    throw new ApiError("wrong_password", "the current password is wrong");
  }
  await reset(kv, clock, w.accountIp);
  await refund(kv, clock, [w.account]);
  const hash = await hashPassword(deps, input.next);
  return await fanout.commit(fanout.shard(userId), async (op) => {
    const [entry, mine] = await kv.getMany<[User, Session]>([
      keys.user(userId),
      keys.session(sessionHash),
    ]);
    if (!entry.value || entry.value.disabled) throw notFound("user");
    if (!mine.value || mine.value.userId !== userId) {
      throw new ApiError("unauthorized", "your session ended; log in again");
    }
    const sessionGen = (entry.value.sessionGen ?? 0) + 1;
    const user: User = { ...entry.value, sessionGen };
    const now = clock.now();
    op.check(entry).check(mine)
      .set(keys.user(userId), user)
      .set(keys.password(userId), hash)
      .set(keys.session(sessionHash), { ...mine.value, sgen: sessionGen }, {
        expireIn: Math.max(1, mine.value.expiresAt - now),
      });
    await stageAudit(kv, op, clock, audit);
    for (const s of await listAll(kv, keys.sessionsByUser(userId), MAX_SESSIONS_DELETED)) {
      const other = String(s.key[2]);
      if (other === sessionHash) continue;
      op.delete(keys.session(other)).delete(s.key);
    }
    return { hints: [{ t: "user", u: userId, why: "password", keep: sessionHash }], result: user };
  });
}
