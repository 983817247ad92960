import assert from "node:assert/strict";
import { adminClient, startServer, userClient } from "./_helpers.ts";

const HOUR = 3_600_000;

Deno.test("announcements - shown only within their validity period; from must precede until", async () => {
  await using srv = await startServer();
  const { client: admin } = await adminClient(srv);
  const ann = await userClient(srv, "Ann");
  const now = Date.now();
  const post = (title: string, from: number, until: number) =>
    admin.post("/api/v1/announcements", { title, body: "**x**", from, until });
  assert.equal((await post("backwards", now + HOUR, now)).status, 400);
  assert.equal((await post("current", now - HOUR, now + HOUR)).status, 201);
  assert.equal((await post("future", now + HOUR, now + 2 * HOUR)).status, 201);
  assert.equal((await post("expired", now - 2 * HOUR, now - HOUR)).status, 201);
  const active = (await ann.client.get("/api/v1/announcements/active")).json.items;
  assert.deepEqual(active.map((a: { title: string }) => a.title), ["current"]);
  // A member cannot create one; the admin list holds all three.
  assert.equal(
    (await ann.client.post("/api/v1/announcements", {
      title: "x",
      body: "",
      from: now,
      until: now + HOUR,
    })).status,
    403,
  );
  assert.equal((await admin.get("/api/v1/announcements")).json.items.length, 3);
  // Acknowledging one that has not started yet is not possible.
  const future = (await admin.get("/api/v1/announcements")).json.items
    .find((a: { title: string }) => a.title === "future");
  assert.equal((await ann.client.post(`/api/v1/announcements/${future.id}/ack`)).status, 404);
});

Deno.test("announcements - confirmations: the banner stays until confirmed, admins see who has and who has not", async () => {
  await using srv = await startServer({ config: { announcementMaxChars: 20 } });
  const { client: admin, user: adminUser } = await adminClient(srv);
  const ann = await userClient(srv, "Ann");
  const bob = await userClient(srv, "Bob");
  const now = Date.now();
  const body = { title: "Maintenance", body: "DB down at 22:00", from: now - 1, until: now + HOUR };
  assert.equal(
    (await admin.post("/api/v1/announcements", { ...body, body: "x".repeat(21) })).status,
    400,
  );
  const a = (await admin.post("/api/v1/announcements", { ...body, requireConfirm: true })).json
    .announcement;
  const banner = async (c: typeof ann.client) =>
    (await c.get("/api/v1/announcements/active")).json.items.map((x: { id: string }) => x.id);
  assert.deepEqual(await banner(ann.client), [a.id]);
  const ack = await ann.client.post(`/api/v1/announcements/${a.id}/ack`);
  assert.equal(ack.json.ack.kind, "confirmed");
  // Confirming twice keeps the first time.
  const again = await ann.client.post(`/api/v1/announcements/${a.id}/ack`);
  assert.equal(again.json.ack.at, ack.json.ack.at);
  assert.deepEqual(await banner(ann.client), []);
  assert.deepEqual(await banner(bob.client), [a.id]);
  const seen = (await admin.get(`/api/v1/announcements/${a.id}/confirmations`)).json;
  assert.deepEqual(seen.confirmed.map((u: { id: string }) => u.id), [ann.user.id]);
  assert.deepEqual(
    seen.pending.map((u: { id: string }) => u.id).sort(),
    [adminUser.id, bob.user.id].sort(),
  );
  // Editing keeps the confirmations; deleting removes the banner for everyone.
  const edited = await admin.request("PUT", `/api/v1/announcements/${a.id}`, {
    ...body,
    title: "Maintenance (moved)",
    requireConfirm: true,
  });
  assert.equal(edited.status, 200);
  assert.deepEqual(await banner(ann.client), []);
  assert.equal((await admin.delete(`/api/v1/announcements/${a.id}`)).status, 200);
  assert.deepEqual(await banner(bob.client), []);
  assert.equal((await admin.get(`/api/v1/announcements/${a.id}/confirmations`)).status, 404);
});

Deno.test("announcements - one without confirmation is dismissed", async () => {
  await using srv = await startServer();
  const { client: admin } = await adminClient(srv);
  const ann = await userClient(srv, "Ann");
  const now = Date.now();
  const a = (await admin.post("/api/v1/announcements", {
    title: "Welcome",
    body: "hi",
    from: now - 1,
    until: now + HOUR,
  })).json.announcement;
  const ack = await ann.client.post(`/api/v1/announcements/${a.id}/ack`);
  assert.equal(ack.json.ack.kind, "dismissed");
  assert.deepEqual((await ann.client.get("/api/v1/announcements/active")).json.items, []);
});
