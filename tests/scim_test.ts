/** SCIM 2.0 over real HTTP, driven the way Okta and Azure AD provision users and groups. */
import assert from "node:assert/strict";
import { adminClient, Client, startServer, userClient } from "./_helpers.ts";

const SCIM_TYPE = "application/scim+json";

async function scimSetup() {
  const srv = await startServer();
  const { client: admin } = await adminClient(srv);
  const created = await admin.post("/api/v1/scim-tokens", { name: "Okta" });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const idp = new Client(srv.url, created.json.token, null);
  const scim = (method: string, path: string, body?: unknown) =>
    idp.request(method, `/scim/v2${path}`, body, body ? { "content-type": SCIM_TYPE } : {});
  return {
    srv,
    admin,
    scim,
    token: created.json.token as string,
    tokenId: created.json.scimToken.id,
  };
}

Deno.test("scim - tokens: only SCIM tokens get in, shown once, stored hashed, revocable; errors in SCIM's shape", async () => {
  const { srv, admin, scim, token, tokenId } = await scimSetup();
  await using _ = srv;
  // Anonymous, a personal API token, a bogus one: 401 in SCIM's error format.
  const personal = (await admin.post("/api/v1/tokens", { name: "me" })).json.token;
  for (
    const who of [
      new Client(srv.url, undefined, null),
      new Client(srv.url, personal, null),
      new Client(srv.url, "tcnscim_bogus", null),
    ]
  ) {
    const r = await who.get("/scim/v2/Users");
    assert.equal(r.status, 401);
    assert.equal(r.headers.get("content-type"), SCIM_TYPE);
    assert.deepEqual(r.json.schemas, ["urn:ietf:params:scim:api:messages:2.0:Error"]);
    assert.equal(r.json.status, "401");
  }
  // The list shows no secret; nothing in KV holds the token in clear.
  const list = await admin.get("/api/v1/scim-tokens");
  assert.equal(JSON.stringify(list.json).includes(token), false);
  let clear = false;
  for await (const e of srv.kv.list({ prefix: [] })) {
    if (JSON.stringify(e).includes(token)) clear = true;
  }
  assert.equal(clear, false);
  const spc = await scim("GET", "/ServiceProviderConfig");
  assert.equal(spc.status, 200);
  assert.equal(spc.json.patch.supported, true);
  assert.equal((await scim("GET", "/ResourceTypes")).json.totalResults, 2);
  assert.equal((await scim("GET", "/Schemas")).json.Resources.length, 2);
  const bad = await scim("GET", '/Users?filter=name co "x"');
  assert.deepEqual([bad.status, bad.json.scimType], [400, "invalidFilter"]);
  assert.equal((await scim("GET", "/Users/01ARZ3NDEKTSV4RRFFQ69G5FAV")).json.status, "404");
  // A member cannot make tokens; revoked tokens stop working.
  const member = await userClient(srv, "Mem");
  assert.equal((await member.client.post("/api/v1/scim-tokens", { name: "x" })).status, 403);
  assert.equal((await admin.delete(`/api/v1/scim-tokens/${tokenId}`)).status, 200);
  assert.equal((await scim("GET", "/Users")).status, 401);
});

Deno.test("scim - Okta: create, filter by userName, PATCH active=false ends sessions and tokens, PUT, reactivate", async () => {
  const { srv, scim } = await scimSetup();
  await using _ = srv;
  // Okta first looks the user up, then creates them.
  const none = await scim(
    "GET",
    "/Users?filter=userName%20eq%20%22jane.doe%40example.com%22&startIndex=1&count=100",
  );
  assert.deepEqual([none.status, none.json.totalResults, none.json.Resources], [200, 0, []]);
  const created = await scim("POST", "/Users", {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
    userName: "Jane.Doe@example.com",
    name: { givenName: "Jane", familyName: "Doe" },
    emails: [{ primary: true, value: "jane.doe@example.com", type: "work" }],
    displayName: "Jane Doe",
    externalId: "00u1abcd",
    active: true,
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  assert.equal(created.headers.get("content-type"), SCIM_TYPE);
  const id = created.json.id;
  assert.equal(created.json.userName, "jane.doe@example.com");
  assert.equal(created.json.active, true);
  assert.equal(created.json.externalId, "00u1abcd");
  // Again: uniqueness conflict.
  const dup = await scim("POST", "/Users", {
    userName: "jane.doe@example.com",
    name: { givenName: "J" },
  });
  assert.deepEqual([dup.status, dup.json.scimType], [409, "uniqueness"]);
  const found = await scim("GET", '/Users?filter=userName eq "jane.doe@example.com"');
  assert.deepEqual(found.json.Resources.map((r: { id: string }) => r.id), [id]);
  assert.equal((await scim("GET", '/Users?filter=externalId eq "00u1abcd"')).json.totalResults, 1);

  // Jane sets a password (as through "forgot password") and logs in; she makes an API token.
  const { updateUser } = await import("../lib/accounts/users.ts");
  const user = (await import("../lib/accounts/users.ts")).getUser;
  const jane = (await user(srv.kv, id))!;
  await updateUser(srv.core, jane, id, { password: "janes-password" });
  const janeClient = new Client(srv.url);
  assert.equal(
    (await janeClient.post("/api/v1/session", {
      email: "jane.doe@example.com",
      password: "janes-password",
    })).status,
    200,
  );
  const janeToken = (await janeClient.post("/api/v1/tokens", { name: "cli" })).json.token;

  // Okta deactivates with a no-path replace.
  const off = await scim("PATCH", `/Users/${id}`, {
    schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    Operations: [{ op: "replace", value: { active: false } }],
  });
  assert.equal(off.status, 200, JSON.stringify(off.json));
  assert.equal(off.json.active, false);
  assert.equal((await janeClient.get("/api/v1/me")).status, 401);
  assert.equal((await new Client(srv.url, janeToken, null).get("/api/v1/me")).status, 401);
  assert.equal(
    (await new Client(srv.url).post("/api/v1/session", {
      email: "jane.doe@example.com",
      password: "janes-password",
    })).status,
    403,
  );

  // PUT (Okta's profile push) renames and reactivates; the old token stays revoked.
  const put = await scim("PUT", `/Users/${id}`, {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
    id,
    userName: "jane.doe@example.com",
    name: { givenName: "Jane", familyName: "Smith" },
    displayName: "Jane Smith",
    active: true,
  });
  assert.equal(put.status, 200);
  assert.deepEqual([put.json.displayName, put.json.active, put.json.name.familyName], [
    "Jane Smith",
    true,
    "Smith",
  ]);
  assert.equal((await new Client(srv.url, janeToken, null).get("/api/v1/me")).status, 401);
});

Deno.test("scim - Azure AD: PATCH with paths and string booleans, DELETE hides the user; groups map to teams", async () => {
  const { srv, admin, scim } = await scimSetup();
  await using _ = srv;
  const a = (await scim("POST", "/Users", {
    userName: "ann@example.com",
    displayName: "Ann",
    externalId: "ann",
    active: true,
  })).json;
  const b = (await scim("POST", "/Users", {
    userName: "bob@example.com",
    name: { formatted: "Bob" },
    active: true,
  })).json;
  // Azure AD's shapes: Replace with a path, "False" as a string; Add displayName; a filter on externalId.
  const r = await scim("PATCH", `/Users/${a.id}`, {
    schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    Operations: [
      { op: "Replace", path: "displayName", value: "Ann Lee" },
      { op: "Add", path: 'emails[type eq "work"].value', value: "ann.lee@example.com" },
      {
        op: "Replace",
        path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        value: "SRE",
      },
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.deepEqual([r.json.displayName, r.json.userName], ["Ann Lee", "ann.lee@example.com"]);
  assert.equal((await admin.get(`/api/v1/users/${a.id}`)).json.user.email, "ann.lee@example.com");
  const off = await scim("PATCH", `/Users/${a.id}`, {
    Operations: [{ op: "Replace", path: "active", value: "False" }],
  });
  assert.equal(off.json.active, false);
  assert.equal((await admin.get(`/api/v1/users/${a.id}`)).json.user.disabled, true);

  // Groups: create with a member, filter by displayName, add and remove members, rename.
  const g = await scim("POST", "/Groups", {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    displayName: "SRE",
    members: [{ value: a.id }],
  });
  assert.equal(g.status, 201, JSON.stringify(g.json));
  const teamId = g.json.id;
  assert.equal((await admin.get(`/api/v1/teams/${teamId}`)).json.team.name, "SRE");
  const byName = await scim(
    "GET",
    '/Groups?filter=displayName eq "SRE"&excludedAttributes=members',
  );
  assert.deepEqual([byName.json.totalResults, byName.json.Resources[0].members], [1, undefined]);
  const members = async () =>
    (await admin.get(`/api/v1/teams/${teamId}`)).json.members.map((m: { userId: string }) =>
      m.userId
    ).sort();
  // Azure AD adds with a path and a value list; Okta removes with a filtered path.
  await scim("PATCH", `/Groups/${teamId}`, {
    Operations: [{ op: "Add", path: "members", value: [{ value: b.id }] }],
  });
  assert.deepEqual(await members(), [a.id, b.id].sort());
  await scim("PATCH", `/Groups/${teamId}`, {
    Operations: [{ op: "remove", path: `members[value eq "${a.id}"]` }],
  });
  assert.deepEqual(await members(), [b.id]);
  await scim("PATCH", `/Groups/${teamId}`, {
    Operations: [{ op: "Remove", path: "members", value: [{ value: b.id }] }],
  });
  assert.deepEqual(await members(), []);
  const renamed = await scim("PATCH", `/Groups/${teamId}`, {
    Operations: [{ op: "replace", value: { id: teamId, displayName: "SRE Core" } }],
  });
  assert.equal(renamed.json.displayName, "SRE Core");
  const put = await scim("PUT", `/Groups/${teamId}`, {
    displayName: "SRE Core",
    members: [{ value: a.id }, { value: b.id }],
  });
  assert.equal(put.json.members.length, 2);
  const unknown = await scim("PATCH", `/Groups/${teamId}`, {
    Operations: [{ op: "add", path: "members", value: [{ value: "nobody" }] }],
  });
  assert.equal(unknown.status, 400);
  assert.equal((await scim("DELETE", `/Groups/${teamId}`)).status, 204);
  assert.equal((await scim("GET", `/Groups/${teamId}`)).status, 404);

  // DELETE: gone for SCIM, disabled in Tocsin (history kept).
  assert.equal((await scim("DELETE", `/Users/${b.id}`)).status, 204);
  assert.equal((await scim("GET", `/Users/${b.id}`)).status, 404);
  assert.equal(
    (await scim("GET", '/Users?filter=userName eq "bob@example.com"')).json.totalResults,
    0,
  );
  assert.equal((await admin.get(`/api/v1/users/${b.id}`)).json.user.disabled, true);
  // Pushed again after the delete: the same account comes back, active.
  const back = await scim("POST", "/Users", { userName: "bob@example.com", displayName: "Bob" });
  assert.deepEqual([back.status, back.json.id, back.json.active], [201, b.id, true]);
  assert.equal((await admin.get(`/api/v1/users/${b.id}`)).json.user.disabled, false);
  assert.equal((await scim("DELETE", `/Users/${b.id}`)).status, 204);
  // Paging.
  const page = await scim("GET", "/Users?startIndex=2&count=1");
  assert.deepEqual([page.json.startIndex, page.json.itemsPerPage, page.json.totalResults], [
    2,
    1,
    2,
  ]);
});
