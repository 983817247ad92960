/**
 * The bench's baseline: a raw Deno WebSocket broadcast server with no KV, no
 * auth and no receipts. It speaks the shape of Tocsin's protocol (arrays of
 * frames; `send` answered with `sent`; `message` frames to every member of the
 * group), so the same load client drives both and the ratio measures what
 * Tocsin's durability, auth, JSON and receipts cost.
 *
 *   deno run -A bench/raw_server.ts PORT       prints "listening" when ready
 *   ws://127.0.0.1:PORT/?g=<group>            joins a group
 */
const port = Number(Deno.args[0] ?? 0);
const groups = new Map<string, Set<WebSocket>>();
const seqs = new Map<string, number>();

const server = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, (req) => {
  const g = new URL(req.url).searchParams.get("g");
  if (g === null || req.headers.get("upgrade") !== "websocket") {
    return new Response("raw bench server", { status: 400 });
  }
  const { socket, response } = Deno.upgradeWebSocket(req);
  let members = groups.get(g);
  if (!members) groups.set(g, members = new Set());
  const set = members;
  socket.onopen = () => set.add(socket);
  socket.onclose = () => set.delete(socket);
  socket.onmessage = (e) => {
    const f = JSON.parse(e.data);
    if (f.type === "hello") {
      socket.send(JSON.stringify([{ type: "ready", conversations: [] }]));
      return;
    }
    if (f.type !== "send") return;
    const seq = (seqs.get(g) ?? 0) + 1;
    seqs.set(g, seq);
    const message = {
      id: crypto.randomUUID(),
      conversationId: g,
      seq,
      createdAt: Date.now(),
      kind: "text",
      senderId: "raw",
      text: f.text,
      clientId: f.clientId,
    };
    const frame = JSON.stringify([{ type: "message", message }]);
    for (const ws of set) if (ws.readyState === 1) ws.send(frame);
    socket.send(JSON.stringify([{ type: "sent", clientId: f.clientId, message }]));
  };
  return response;
});
console.log(`listening ${server.addr.port}`);
