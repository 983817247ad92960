import assert from "node:assert/strict";
import { addVerifiedContact, adminClient, startServer, userClient } from "./_helpers.ts";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 1, 2]);

Deno.test("directory - departments form a tree: moves under a descendant are refused, depth and count are limited", async () => {
  await using srv = await startServer({ config: { maxDepartments: 4, maxDepartmentDepth: 3 } });
  const { client: admin } = await adminClient(srv);
  const mk = async (name: string, parentId: string | null = null) =>
    (await admin.post("/api/v1/departments", { name, parentId })).json.department;
  const eng = await mk("Engineering");
  const sre = await mk("SRE", eng.id);
  const oncall = await mk("On-call", sre.id);
  // Level 4 is over the limit of 3.
  const deep = await admin.post("/api/v1/departments", { name: "Too deep", parentId: oncall.id });
  assert.equal(deep.status, 400);
  // Moving a department under itself or its own descendant would make a cycle.
  for (const parentId of [eng.id, sre.id, oncall.id]) {
    const r = await admin.patch(`/api/v1/departments/${eng.id}`, { parentId });
    assert.equal(r.status, 400, JSON.stringify(r.json));
  }
  const ops = await mk("Operations");
  // A fourth department is the configured maximum.
  assert.equal((await admin.post("/api/v1/departments", { name: "Fifth" })).status, 400);
  // Moving SRE (2 levels high) under Operations fits; under On-call's level it would not.
  const moved = await admin.patch(`/api/v1/departments/${sre.id}`, {
    parentId: ops.id,
    name: "Site Reliability",
  });
  assert.equal(moved.status, 200);
  assert.equal(moved.json.department.parentId, ops.id);
  assert.equal(moved.json.department.name, "Site Reliability");
  const tree = (await admin.get("/api/v1/departments")).json.items;
  assert.deepEqual(
    tree.map((d: { name: string; parentId: string | null }) => [d.name, d.parentId]),
    [["Engineering", null], ["On-call", sre.id], ["Operations", null], [
      "Site Reliability",
      ops.id,
    ]],
  );
});

Deno.test("directory - people belong to departments; a non-empty department is deleted only by moving its people up", async () => {
  await using srv = await startServer();
  const { client: admin } = await adminClient(srv);
  const ann = await userClient(srv, "Ann Lee");
  const bob = await userClient(srv, "Bob Wu");
  const eng = (await admin.post("/api/v1/departments", { name: "Engineering" })).json.department;
  const sre = (await admin.post("/api/v1/departments", { name: "SRE", parentId: eng.id })).json
    .department;
  const placed = await admin.request("PUT", `/api/v1/directory/${ann.user.id}`, {
    departmentId: sre.id,
    title: "Staff Engineer",
  });
  assert.equal(placed.status, 200);
  assert.equal(placed.json.user.title, "Staff Engineer");
  // Members cannot place people (themselves included).
  const self = await bob.client.request("PUT", `/api/v1/directory/${bob.user.id}`, {
    title: "CEO",
  });
  assert.equal(self.status, 403);
  // Browsing Engineering finds Ann (in SRE, below it); search matches the title too.
  const inEng = (await bob.client.get(`/api/v1/directory?departmentId=${eng.id}`)).json.items;
  assert.deepEqual(inEng.map((u: { name: string }) => u.name), ["Ann Lee"]);
  const byTitle = (await bob.client.get("/api/v1/directory?q=staff")).json.items;
  assert.deepEqual(byTitle.map((u: { name: string }) => u.name), ["Ann Lee"]);
  const counts = (await bob.client.get("/api/v1/departments")).json.items;
  assert.equal(counts.find((d: { id: string }) => d.id === sre.id).people, 1);
  // SRE holds Ann: a plain delete is refused; moving up puts her into Engineering.
  assert.equal((await admin.delete(`/api/v1/departments/${sre.id}`)).status, 409);
  assert.equal((await admin.delete(`/api/v1/departments/${eng.id}`)).status, 409);
  assert.equal((await admin.delete(`/api/v1/departments/${sre.id}?moveUp=1`)).status, 200);
  const card = (await bob.client.get(`/api/v1/directory/${ann.user.id}`)).json.card;
  assert.equal(card.user.departmentId, eng.id);
  assert.deepEqual(card.departmentPath, ["Engineering"]);
  assert.equal(card.user.title, "Staff Engineer");
  // Placing into an unknown department is 404.
  const ghost = await admin.request("PUT", `/api/v1/directory/${ann.user.id}`, {
    departmentId: "01ARZ3NDEKTSV4RRFFQ69G5FAV",
  });
  assert.equal(ghost.status, 404);
});

Deno.test("directory - avatars: allowed image types only, content must match, size limit, served with nosniff", async () => {
  await using srv = await startServer({ config: { avatarMaxBytes: 64 } });
  const ann = await userClient(srv, "Ann");
  const bob = await userClient(srv, "Bob");
  const put = (body: Uint8Array<ArrayBuffer>, type: string) =>
    fetch(`${srv.url}/api/v1/me/avatar`, {
      method: "PUT",
      headers: { cookie: ann.client.cookie, origin: srv.url, "content-type": type },
      body,
    });
  const svg = new TextEncoder().encode("<svg onload=alert(1)></svg>");
  assert.equal((await put(svg, "image/svg+xml")).status, 415);
  assert.equal((await put(svg, "image/png")).status, 415, "content is not a PNG");
  assert.equal((await put(new Uint8Array(65).fill(0x89), "image/png")).status, 413);
  const ok = await put(PNG, "image/png");
  assert.equal(ok.status, 200);
  const { user } = await ok.json();
  assert.ok(user.avatar);
  const got = await fetch(`${srv.url}/api/v1/users/${ann.user.id}/avatar`, {
    headers: { cookie: bob.client.cookie },
  });
  assert.equal(got.headers.get("content-type"), "image/png");
  assert.equal(got.headers.get("x-content-type-options"), "nosniff");
  assert.deepEqual(new Uint8Array(await got.arrayBuffer()), PNG);
  // Removed: back to the generated default (404 for the image).
  assert.equal((await ann.client.delete("/api/v1/me/avatar")).status, 200);
  const gone = await bob.client.get(`/api/v1/users/${ann.user.id}/avatar`);
  assert.equal(gone.status, 404);
  assert.equal((await bob.client.get(`/api/v1/users/${bob.user.id}/avatar`)).status, 404);
});

Deno.test("directory - status text and time zone: limits apply, shown on the card", async () => {
  await using srv = await startServer({ config: { statusMaxChars: 10 } });
  const ann = await userClient(srv, "Ann");
  const bob = await userClient(srv, "Bob");
  const long = await ann.client.patch("/api/v1/me/card", { status: { text: "x".repeat(11) } });
  assert.equal(long.status, 400);
  const notEmoji = await ann.client.patch("/api/v1/me/card", {
    status: { text: "ok", emoji: "abc" },
  });
  assert.equal(notEmoji.status, 400);
  const bidi = await ann.client.patch("/api/v1/me/card", { status: { text: "ok\u202egnp.exe" } });
  assert.equal(bidi.status, 400, "a bidi override could disguise the text around it");
  const badZone = await ann.client.patch("/api/v1/me/card", { timeZone: "Mars/Olympus" });
  assert.equal(badZone.status, 400);
  const ok = await ann.client.patch("/api/v1/me/card", {
    status: { text: "会议中", emoji: "🗓️" },
    timeZone: "Asia/Shanghai",
  });
  assert.equal(ok.status, 200);
  const card = (await bob.client.get(`/api/v1/directory/${ann.user.id}`)).json.card;
  assert.deepEqual(card.user.status, { text: "会议中", emoji: "🗓️" });
  assert.equal(card.user.timeZone, "Asia/Shanghai");
  await ann.client.patch("/api/v1/me/card", { status: null });
  const cleared = (await bob.client.get(`/api/v1/directory/${ann.user.id}`)).json.card;
  assert.equal(cleared.user.status, null);
});

Deno.test("directory - contacts are hidden on the card until their owner shows them; teams and on-call only as the viewer may see", async () => {
  await using srv = await startServer();
  const { client: admin, user: adminUser } = await adminClient(srv);
  const ann = await userClient(srv, "Ann");
  const bob = await userClient(srv, "Bob");
  const eve = await userClient(srv, "Eve");
  await addVerifiedContact(srv, ann.user, "sms", "+8613800000001");
  await addVerifiedContact(srv, ann.user, "webhook", "https://hooks.example.com/secret-hook");
  const contacts = (await ann.client.get("/api/v1/me/contacts")).json.items;
  const sms = contacts.find((c: { kind: string }) => c.kind === "sms");
  const hook = contacts.find((c: { kind: string }) => c.kind === "webhook");
  let card = (await bob.client.get(`/api/v1/directory/${ann.user.id}`)).json.card;
  assert.deepEqual(card.contacts, [], "hidden by default");
  const show = (id: string, who = ann.client) =>
    who.request("PUT", `/api/v1/me/contacts/${id}/directory`, { shown: true });
  assert.equal((await show(sms.id)).status, 200);
  assert.equal((await show(hook.id)).status, 400, "a webhook is never shown");
  assert.equal((await show(sms.id, bob.client)).status, 404, "only the owner");
  card = (await bob.client.get(`/api/v1/directory/${ann.user.id}`)).json.card;
  assert.deepEqual(card.contacts, [{ kind: "sms", address: "+8613800000001" }]);

  // Ann and Bob share a team with a schedule that has Ann on call now; Eve shares nothing.
  const team = (await admin.post("/api/v1/teams", {
    name: "secret-team",
    memberIds: [ann.user.id, bob.user.id],
    adminIds: [adminUser.id],
  })).json.team;
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const sched = await admin.post("/api/v1/schedules", {
    name: "Primary",
    teamId: team.id,
    timeZone: "UTC",
    layers: [{ name: "l", participants: [ann.user.id], rotation: "daily", startDate: yesterday }],
  });
  assert.equal(sched.status, 201, JSON.stringify(sched.json));
  card = (await bob.client.get(`/api/v1/directory/${ann.user.id}`)).json.card;
  assert.deepEqual(card.teams.map((t: { name: string }) => t.name), ["secret-team"]);
  assert.equal(card.onCallNow[0].scheduleName, "Primary");
  const eveView = await eve.client.get(`/api/v1/directory/${ann.user.id}`);
  assert.equal(eveView.status, 200);
  assert.equal(JSON.stringify(eveView.json).includes("secret-"), false);
  assert.deepEqual(eveView.json.card.onCallNow, []);
});
