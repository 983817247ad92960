/**
 * A person's contact methods and notification rules decide where their pages go: adding,
 * verifying (a wrong code too), deleting a contact and saving the rules are in the audit log.
 */
import assert from "node:assert/strict";
import { addContact } from "../lib/notify/contacts.ts";
import { adminClient, startServer, userClient } from "./_helpers.ts";

Deno.test("contact audit - add, a wrong and a right code, rules and delete are recorded, never the address", async () => {
  await using srv = await startServer();
  const admin = await adminClient(srv);
  const ann = await userClient(srv, "Ann");
  let code = "";
  const contact = await addContact(srv.core, ann.user, {
    kind: "sms",
    address: "+8613800000009",
  }, (_c, sent) => Promise.resolve(void (code = sent)));
  const verify = (c: string) =>
    ann.client.post(`/api/v1/me/contacts/${contact.id}/verify`, { code: c });
  assert.equal((await verify(code === "000000" ? "111111" : "000000")).status, 400);
  assert.equal((await verify(code)).status, 200);
  const rules = (await ann.client.get("/api/v1/me/notification-rules")).json;
  const saved = await ann.client.request(
    "PUT",
    "/api/v1/me/notification-rules",
    rules.rules ?? rules,
  );
  assert.equal(saved.status, 200, JSON.stringify(saved.json));
  assert.equal((await ann.client.delete(`/api/v1/me/contacts/${contact.id}`)).status, 200);

  const items = (await admin.client.get("/api/v1/audit?limit=200")).json.items as {
    action: string;
    actorId: string | null;
    ok: boolean;
    target: { id: string } | null;
  }[];
  const mine = items.filter((e) => /^(contact|notify_rules)\./.test(e.action)).reverse()
    .map((e) =>
      `${e.action} ${e.ok ? "ok" : "refused"} ${e.actorId === ann.user.id ? "ann" : e.actorId}`
    );
  assert.deepEqual(mine, [
    "contact.add ok null",
    "contact.verify refused ann",
    "contact.verify ok ann",
    "notify_rules.update ok ann",
    "contact.delete ok ann",
  ]);
  const dump = JSON.stringify(items);
  assert.ok(!dump.includes("8613800000009"), "the address is not in the log");
  assert.equal((await admin.client.get("/api/v1/audit/verify")).json.ok, true);
});
