/**
 * Out-of-app acknowledgement: /ack/<token> from an e-mail. GET shows the
 * alert and a button (mail scanners fetch links, so a GET must not act);
 * the POST acknowledges once, without logging in.
 */
import { type Context, Hono } from "hono";
import type { Alert } from "../lib/alerts/model.ts";
import { actOnAlert } from "../lib/alerts/actions.ts";
import { readAckToken } from "../lib/notify/ack_links.ts";
import type { User } from "../lib/accounts/model.ts";
import type { Core } from "../lib/runtime.ts";
import { ApiError } from "../lib/core/errors.ts";
import { keys } from "../lib/core/keys.ts";
import { PAGE_CSP } from "./pages.tsx";

function escape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(c: Context, title: string, body: string, status = 200) {
  c.header("content-security-policy", PAGE_CSP);
  c.header("cache-control", "no-store");
  c.header("referrer-policy", "no-referrer");
  return c.html(
    `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
      `<title>${escape(title)}</title></head><body><main><h1>${
        escape(title)
      }</h1>${body}</main></body></html>`,
    status as 200,
  );
}

/** Uses a link: the nonce is deleted (once), then the alert is acknowledged as the link's user. */
async function useAckLink(deps: Core, token: string): Promise<Alert> {
  const t = await readAckToken(deps, token);
  if (!t) throw new ApiError("not_found", "this link is not valid or has expired");
  const entry = await deps.kv.get(keys.ackLink(t.nonce));
  if (!entry.value) throw new ApiError("conflict", "this link was already used");
  const res = await deps.kv.atomic().check(entry).delete(entry.key).commit();
  if (!res.ok) throw new ApiError("conflict", "this link was already used");
  const user = (await deps.kv.get<User>(keys.user(t.userId))).value;
  if (!user || user.disabled) throw new ApiError("forbidden", "this account is disabled");
  return await actOnAlert(deps, user, t.alertId, { kind: "ack" }, { via: "email-link" });
}

export function ackRoutes(deps: Core) {
  const app = new Hono();

  app.get("/:token", async (c) => {
    const token = c.req.param("token");
    const t = await readAckToken(deps, token);
    const alert = t ? (await deps.kv.get<Alert>(keys.alert(t.alertId))).value : null;
    if (!t || !alert) return page(c, "This link is not valid", "<p>It may have expired.</p>", 404);
    return page(
      c,
      alert.title,
      `<p>${
        escape(alert.summary)
      }</p><p>Status: <strong data-status="${alert.status}">${alert.status}</strong></p>` +
        (alert.status === "triggered"
          ? `<form method="post" action="/ack/${
            escape(token)
          }"><button type="submit">Acknowledge</button></form>`
          : ""),
    );
  });

  app.post("/:token", async (c) => {
    try {
      const alert = await useAckLink(deps, c.req.param("token"));
      return page(c, "Acknowledged", `<p>${escape(alert.title)} is acknowledged. Thank you.</p>`);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      return page(c, "Not acknowledged", `<p>${escape(e.message)}</p>`, e.status);
    }
  });

  return app;
}
