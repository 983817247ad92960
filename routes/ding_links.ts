/**
 * Confirming a DING from outside the app: /ding/<token> from an SMS or a push notification. GET
 * shows the message and a button (link scanners fetch links, so a GET must not act); the POST
 * confirms once, without logging in. Errors are pages too (rendered by onError in routes/mod.ts).
 */
import { Hono } from "hono";
import { confirmDing } from "../lib/chat/ding.ts";
import { redeemDingLink } from "../lib/notify/ack_links.ts";
import { dingForLink } from "../lib/notify/ding_steps.ts";
import type { Core } from "../lib/runtime.ts";
import { ApiError } from "../lib/core/errors.ts";
import { escapeHtml, htmlPage } from "./html.ts";
import type { AppEnv } from "./middleware.ts";

export function dingLinkRoutes(deps: Core) {
  const app = new Hono<AppEnv>();

  app.get("/:token", async (c) => {
    c.set("errorStyle", { kind: "page", title: "This link is not valid" });
    const token = c.req.param("token");
    const d = await dingForLink(deps, token);
    if (!d) throw new ApiError("not_found", "It may have expired.");
    const { confirmed } = d;
    return htmlPage(
      c,
      "DING",
      `<blockquote>${escapeHtml(d.text)}</blockquote>` +
        (confirmed
          ? `<p data-status="confirmed">Confirmed.</p>`
          : `<form method="post" action="/ding/${
            escapeHtml(token)
          }"><button type="submit">Confirm</button></form>`),
    );
  });

  app.post("/:token", async (c) => {
    c.set("errorStyle", { kind: "page", title: "Not confirmed" });
    const { dingId, user } = await redeemDingLink(deps, c.req.param("token"));
    await confirmDing(deps, user, dingId);
    return htmlPage(c, "Confirmed", `<p>Thank you: the sender sees that you have it.</p>`);
  });

  return app;
}
