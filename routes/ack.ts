/**
 * Out-of-app acknowledgement: /ack/<token> from an e-mail. GET shows the
 * alert and a button (mail scanners fetch links, so a GET must not act);
 * the POST acknowledges once, without logging in. Errors are pages too
 * (rendered by onError in routes/mod.ts).
 */
import { Hono } from "hono";
import { actOnAlert } from "../lib/alerts/actions.ts";
import { getAckLinkAlert, redeemAckLink } from "../lib/notify/ack_links.ts";
import type { Core } from "../lib/runtime.ts";
import { ApiError } from "../lib/core/errors.ts";
import { escapeHtml, htmlPage } from "./html.ts";
import type { AppEnv } from "./middleware.ts";

export function ackRoutes(deps: Core) {
  const app = new Hono<AppEnv>();

  app.get("/:token", async (c) => {
    c.set("errorStyle", { kind: "page", title: "This link is not valid" });
    const token = c.req.param("token");
    const alert = await getAckLinkAlert(deps, token);
    if (!alert) throw new ApiError("not_found", "It may have expired.");
    return htmlPage(
      c,
      alert.title,
      `<p>${
        escapeHtml(alert.summary)
      }</p><p>Status: <strong data-status="${alert.status}">${alert.status}</strong></p>` +
        (alert.status === "triggered"
          ? `<form method="post" action="/ack/${
            escapeHtml(token)
          }"><button type="submit">Acknowledge</button></form>`
          : ""),
    );
  });

  app.post("/:token", async (c) => {
    c.set("errorStyle", { kind: "page", title: "Not acknowledged" });
    const { alertId, user } = await redeemAckLink(deps, c.req.param("token"));
    const alert = await actOnAlert(deps, user, alertId, { kind: "ack" }, { via: "email-link" });
    return htmlPage(
      c,
      "Acknowledged",
      `<p>${escapeHtml(alert.title)} is acknowledged. Thank you.</p>`,
    );
  });

  return app;
}
