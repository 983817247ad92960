/**
 * Errors of the webhook and acknowledge-link routes are rendered by the one
 * onError in routes/mod.ts, each in its sender's terms.
 */
import assert from "node:assert/strict";
import { adminClient, startServer, type TestServer } from "./_helpers.ts";

async function textIntegration(srv: TestServer): Promise<{ url: string; token: string }> {
  const { client: admin, user } = await adminClient(srv);
  const team = (await admin.post("/api/v1/teams", { name: "SRE", memberIds: [user.id] })).json
    .team;
  const r = await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId: team.id });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return { url: `${srv.url}/hooks/${r.json.integration.id}`, token: r.json.token };
}

Deno.test("hooks - a chunked body over the limit is 413 payload_too_large, never a retryable 5xx", async () => {
  await using srv = await startServer({ config: { hookMaxBodyBytes: 1_000 } });
  const hook = await textIntegration(srv);
  const chunk = new TextEncoder().encode("x".repeat(600));
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(chunk);
      c.enqueue(chunk);
      c.close();
    },
  });
  const res = await fetch(hook.url, {
    method: "POST",
    headers: { authorization: `Bearer ${hook.token}` },
    body,
  });
  assert.equal(res.status, 413);
  assert.equal((await res.json()).error.code, "payload_too_large");
});

Deno.test("hooks - Tocsin's own failure is 503 with Retry-After, so that the sender retries", async () => {
  await using srv = await startServer();
  const hook = await textIntegration(srv);
  const kv = srv.kv as Deno.Kv & { get: Deno.Kv["get"] };
  kv.get = () => Promise.reject(new Error("storage trouble"));
  try {
    const res = await fetch(hook.url, {
      method: "POST",
      headers: { authorization: `Bearer ${hook.token}` },
      body: "disk full",
    });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("retry-after"), "5");
    assert.deepEqual(await res.json(), {
      error: { code: "unavailable", message: "Tocsin could not store the alert; retry" },
    });
  } finally {
    delete (kv as Partial<Deno.Kv>).get;
  }
});

Deno.test("ack - a bad link answers an HTML page with the error's status, GET and POST", async () => {
  await using srv = await startServer();
  for (const method of ["GET", "POST"]) {
    const res = await fetch(`${srv.url}/ack/forged.token`, { method });
    assert.equal(res.status, 404, method);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    assert.equal(res.headers.get("referrer-policy"), "no-referrer");
    const html = await res.text();
    assert.match(
      html,
      method === "GET" ? /<h1>This link is not valid<\/h1>/ : /<h1>Not acknowledged/,
    );
  }
});
