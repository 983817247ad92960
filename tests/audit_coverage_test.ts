/**
 * The audit entries of the account, directory, announcement and chat features: one action of
 * each group, its entry (actor, action, target) in the log, and the chain still intact.
 */
import assert from "node:assert/strict";
import { adminClient, Client, startServer, userClient } from "./_helpers.ts";
import { keys } from "../lib/core/keys.ts";
import type { AuditEntry } from "../lib/audit/chain.ts";
import { createInvitation } from "../lib/accounts/invitations.ts";
import { createLink } from "../lib/accounts/links.ts";
import { getUser } from "../lib/accounts/users.ts";

const SCIM_TYPE = "application/scim+json";

async function entries(kv: Deno.Kv): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  for await (const e of kv.list<AuditEntry>({ prefix: keys.auditEntries() })) out.push(e.value);
  return out;
}

/** The one entry with this action and target; fails with the actions seen otherwise. */
function one(all: AuditEntry[], action: string, targetId: string): AuditEntry {
  const found = all.filter((e) => e.action === action && e.target?.id === targetId);
  assert.equal(
    found.length,
    1,
    `${action} on ${targetId} in ${all.map((e) => `${e.action}:${e.target?.id}`).join(" ")}`,
  );
  return found[0];
}

Deno.test("audit coverage - invitations, reset, SCIM, directory, announcements, quick replies and war rooms write entries; the chain verifies", async () => {
  await using srv = await startServer();
  const { client: admin, user: adminUser } = await adminClient(srv);
  const ann = await userClient(srv, "Ann");

  // An invitation made by the admin, accepted by the invitee (who is the actor of the accept).
  const actor = (await getUser(srv.kv, adminUser.id))!;
  const { invitation, token } = await createInvitation(srv.core, actor, {
    email: "newcomer@example.com",
    role: "member",
  });
  const invitee = new Client(srv.url);
  const accepted = await invitee.post("/api/v1/invitations/accept", {
    token,
    name: "Newcomer",
    password: "newcomer-password",
  });
  assert.equal(accepted.status, 200, JSON.stringify(accepted.json));
  const newcomerId: string = accepted.json.user.id;
  // An invitation revoked over the API.
  const { invitation: other } = await createInvitation(srv.core, actor, {
    email: "other@example.com",
    role: "admin",
  });
  assert.equal((await admin.delete(`/api/v1/invitations/${other.id}`)).status, 200);

  // A password reset by link: the link is used up with the new password.
  const resetToken = await createLink(srv.core, {
    kind: "reset",
    email: ann.user.email,
    userId: ann.user.id,
    gen: 0,
  });
  const reset = await new Client(srv.url).post("/api/v1/password-reset/confirm", {
    token: resetToken,
    password: "a-new-password",
  });
  assert.equal(reset.status, 200, JSON.stringify(reset.json));

  // SCIM: a token, a user provisioned and deactivated with it, then the token revoked.
  const created = await admin.post("/api/v1/scim-tokens", { name: "Okta" });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const tokenId: string = created.json.scimToken.id;
  const idp = new Client(srv.url, created.json.token, null);
  const scim = (method: string, path: string, body?: unknown) =>
    idp.request(method, `/scim/v2${path}`, body, body ? { "content-type": SCIM_TYPE } : {});
  const jane = await scim("POST", "/Users", {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
    userName: "jane@example.com",
    displayName: "Jane",
    active: true,
  });
  assert.equal(jane.status, 201, JSON.stringify(jane.json));
  const off = await scim("PATCH", `/Users/${jane.json.id}`, {
    schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    Operations: [{ op: "replace", value: { active: false } }],
  });
  assert.equal(off.status, 200, JSON.stringify(off.json));
  assert.equal((await admin.delete(`/api/v1/scim-tokens/${tokenId}`)).status, 200);

  // A department, a person placed in it, an announcement.
  const dept = await admin.post("/api/v1/departments", { name: "Operations" });
  assert.equal(dept.status, 201, JSON.stringify(dept.json));
  const deptId: string = dept.json.department.id;
  const placed = await admin.request("PUT", `/api/v1/directory/${ann.user.id}`, {
    departmentId: deptId,
    title: "SRE",
  });
  assert.equal(placed.status, 200, JSON.stringify(placed.json));
  const now = Date.now();
  const note = await admin.post("/api/v1/announcements", {
    title: "Maintenance",
    body: "Tonight",
    from: now,
    until: now + 3_600_000,
  });
  assert.equal(note.status, 201, JSON.stringify(note.json));

  // A team's quick replies, and a war room opened by a member for the team's alert.
  const ben = await userClient(srv, "Ben");
  const team = (await admin.post("/api/v1/teams", { name: "SRE", memberIds: [ben.user.id] }))
    .json.team;
  const qr = await admin.request("PUT", `/api/v1/teams/${team.id}/quick-replies`, {
    items: ["On it", "Rolling back"],
  });
  assert.equal(qr.status, 200, JSON.stringify(qr.json));
  const hook = await admin.post("/api/v1/integrations", {
    name: "t",
    type: "text",
    teamId: team.id,
  });
  const sent = await fetch(`${srv.url}/hooks/${hook.json.integration.id}`, {
    method: "POST",
    headers: { authorization: `Bearer ${hook.json.token}`, "content-type": "text/plain" },
    body: "disk full",
  });
  assert.ok(sent.ok);
  await sent.body?.cancel();
  const alertId: string = (await ben.client.get("/api/v1/alerts")).json.items[0].id;
  const room = await ben.client.post(`/api/v1/alerts/${alertId}/war-room`, {});
  assert.equal(room.status, 201, JSON.stringify(room.json));

  // Sign-in paths stay as they were: LDAP not set up answers 404 and writes nothing; a wrong
  // password is one failed auth.login.
  const before = (await entries(srv.kv)).length;
  const ldap = await new Client(srv.url).post("/api/v1/sso/ldap/session", {
    username: "ann",
    password: "x",
  });
  assert.equal(ldap.status, 404);
  assert.equal((await entries(srv.kv)).length, before);
  const wrong = await new Client(srv.url).post("/api/v1/session", {
    email: ann.user.email,
    password: "user-password",
  });
  assert.equal(wrong.status, 401);

  const all = await entries(srv.kv);
  const byAdmin = (action: string, target: string) => {
    const e = one(all, action, target);
    assert.equal(e.actorId, adminUser.id, action);
    assert.equal(e.ok, true, action);
    return e;
  };
  assert.equal(byAdmin("invitation.create", invitation.id).detail?.email, "newcomer@example.com");
  const accept = one(all, "invitation.accept", newcomerId);
  assert.equal(accept.actorId, newcomerId);
  assert.deepEqual(accept.target, { type: "user", id: newcomerId });
  assert.equal(accept.detail?.invitationId, invitation.id);
  byAdmin("invitation.revoke", other.id);
  const pw = one(all, "auth.password_reset", ann.user.id);
  assert.equal(pw.actorId, ann.user.id);
  byAdmin("scim_token.create", tokenId);
  byAdmin("scim_token.revoke", tokenId);
  const provisioned = one(all, "user.create", jane.json.id);
  assert.equal(provisioned.actorId, `scim:${tokenId}`);
  assert.equal(provisioned.actorName, "SCIM: Okta");
  assert.equal(provisioned.detail?.via, "scim");
  const deactivated = one(all, "user.update", jane.json.id);
  assert.equal(deactivated.actorId, `scim:${tokenId}`);
  assert.equal(deactivated.detail?.disabled, true);
  byAdmin("department.create", deptId);
  assert.equal(byAdmin("user.placement", ann.user.id).detail?.departmentId, deptId);
  byAdmin("announcement.create", note.json.announcement.id);
  assert.equal(byAdmin("quick_replies.update", team.id).detail?.count, 2);
  const war = one(all, "war_room.open", alertId);
  assert.equal(war.actorId, ben.user.id);
  assert.equal(war.detail?.conversationId, room.json.conversationId);
  const failed = all.at(-1)!;
  assert.deepEqual([failed.action, failed.ok, failed.actorId], ["auth.login", false, ann.user.id]);

  const verified = await admin.get("/api/v1/audit/verify");
  assert.equal(verified.status, 200);
  assert.equal(verified.json.ok, true, JSON.stringify(verified.json));
  assert.equal(verified.json.count, all.length);
});
