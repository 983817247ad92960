/**
 * A stand-in webhook receiver that runs as its own process, so that it lives
 * through the server's SIGKILLs (fault suite T5). It honours the idempotency
 * key Tocsin sends (`X-Tocsin-Delivery`): a repeat of a delivery it has seen is
 * answered 200 and has no second effect. It answers after `DELAY_MS`, which
 * widens the window in which the server can be killed mid-notification.
 *
 *   deno run -A tests/_standin.ts PORT DELAY_MS
 *   GET /stats -> { received, effects, perAlert: { alertId: effects } }
 */
const [port, delay] = Deno.args.map(Number);
let received = 0;
const seen = new Set<string>();
const perAlert: Record<string, number> = {};

Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req) => {
  const url = new URL(req.url);
  if (req.method === "GET" && url.pathname === "/stats") {
    return Response.json({ received, effects: seen.size, perAlert });
  }
  if (req.method !== "POST") return new Response("not found", { status: 404 });
  const body = await req.text();
  received++;
  const id = req.headers.get("x-tocsin-delivery");
  if (!id) return Response.json({ error: "no idempotency key" }, { status: 400 });
  await new Promise((r) => setTimeout(r, delay));
  if (!seen.has(id)) {
    seen.add(id);
    const alertId = String(JSON.parse(body).alert?.id);
    perAlert[alertId] = (perAlert[alertId] ?? 0) + 1;
  }
  return Response.json({ ok: true });
});
console.log("listening");
