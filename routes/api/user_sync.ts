/** User sync administration (admins): SCIM tokens and CSV import with a dry run. */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import type { Core } from "../../lib/runtime.ts";
import { NameSchema } from "../../lib/core/schemas.ts";
import { ApiError } from "../../lib/core/errors.ts";
import {
  createScimToken,
  deleteScimToken,
  listScimTokens,
} from "../../lib/accounts/scim_tokens.ts";
import { applyImport, dryRunImport } from "../../lib/accounts/csv_import.ts";
import { createLink } from "../../lib/accounts/links.ts";
import { canSendEmail, sendAccountMailLater } from "../../lib/notify/account_mail.ts";
import { type AppEnv, idParam, json, me, requestOrigin, requireAdmin } from "../middleware.ts";

const ImportInputSchema = z.strictObject({
  csv: z.string().min(1),
  /** false (the default): a dry run that writes nothing. */
  apply: z.boolean().default(false),
  /** When applying: e-mail each new user a link to choose a password. */
  sendLinks: z.boolean().default(false),
});

/** Left out of the API's general body limit (routes/mod.ts): it carries a CSV file. */
export const USER_IMPORT_PATH = "/api/v1/user-import";

export function userSyncRoutes(deps: Core) {
  const app = new Hono<AppEnv>();
  // The file inside JSON: escaping can double it, plus the envelope.
  const importLimit = deps.config.csvImportMaxBytes * 2 + 1024;

  app.get(
    "/scim-tokens",
    requireAdmin,
    async (c) => c.json({ items: await listScimTokens(deps.kv) }),
  );

  app.post("/scim-tokens", requireAdmin, json(z.strictObject({ name: NameSchema })), async (c) => {
    const auth = me(c);
    if (auth.via !== "session") {
      throw new ApiError("forbidden", "create tokens from a login session");
    }
    const { token, scimToken } = await createScimToken(deps, auth.user, c.req.valid("json").name);
    return c.json({ token, scimToken }, 201);
  });

  app.delete("/scim-tokens/:id", requireAdmin, async (c) => {
    await deleteScimToken(deps, idParam(c, "id", "token"));
    return c.json({ ok: true });
  });

  app.post(
    "/user-import",
    requireAdmin,
    bodyLimit({
      maxSize: importLimit,
      onError: () => {
        throw new ApiError(
          "payload_too_large",
          `csv: at most ${deps.config.csvImportMaxBytes} bytes`,
        );
      },
    }),
    json(ImportInputSchema),
    async (c) => {
      const actor = me(c).user;
      const { csv, apply, sendLinks } = c.req.valid("json");
      if (!apply) return c.json({ applied: false, rows: await dryRunImport(deps, actor, csv) });
      if (sendLinks && !(await canSendEmail(deps.kv))) {
        throw new ApiError("unavailable", "no e-mail provider is configured; add one first");
      }
      const rows = await applyImport(deps, actor, csv);
      if (sendLinks) {
        const origin = deps.config.publicOrigin ?? requestOrigin(deps, c);
        for (const r of rows) {
          if (!r.userId) continue;
          // A reset link that lasts as long as an invitation: the new account's first password.
          const token = await createLink(
            deps,
            { kind: "reset", email: r.email, userId: r.userId, gen: 0 },
            deps.config.inviteTtlMs,
          );
          sendAccountMailLater(deps, {
            kind: "invite",
            to: r.email,
            link: `${origin}/reset#${token}`,
            expiresAt: deps.clock.now() + deps.config.inviteTtlMs,
            lang: actor.lang ?? deps.config.defaultLang,
            who: actor.name,
          });
        }
      }
      return c.json({ applied: true, rows });
    },
  );

  return app;
}
