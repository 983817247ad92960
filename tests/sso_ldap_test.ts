/**
 * LDAP sign-in and sync against a real OpenLDAP (`slapd`) started by the
 * test: service bind, search, bind as the person, group-to-team mapping,
 * and accounts disabled or removed in the directory losing access when the
 * periodic sync (a durable timer) runs.
 */
import assert from "node:assert/strict";
import { Attribute, Change } from "ldapts";
import { ManualClock } from "../lib/core/clock.ts";
import { DEFAULT_LDAP_SYNC_MS } from "../lib/core/config.ts";
import { keys } from "../lib/core/keys.ts";
import { getUserByEmail } from "../lib/accounts/users.ts";
import { escapeFilterValue } from "../lib/sso/ldap.ts";
import { adminClient, Client, startServer } from "./_helpers.ts";
import { hasSlapd, startSlapd, SUFFIX } from "./_slapd.ts";

const person = (uid: string, name: string, extra = "") =>
  `dn: uid=${uid},ou=people,${SUFFIX}
objectClass: inetOrgPerson
uid: ${uid}
cn: ${name}
sn: ${name.split(" ").at(-1)}
mail: ${uid}@corp.test
userPassword: ${uid}-pw
${extra}`;

const group = (cn: string, members: string[]) =>
  `dn: cn=${cn},ou=groups,${SUFFIX}
objectClass: groupOfNames
cn: ${cn}
${members.map((m) => `member: uid=${m},ou=people,${SUFFIX}`).join("\n")}
`;

const LDIF = [
  `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Corp\ndc: example\n`,
  `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people\n`,
  `dn: ou=groups,${SUFFIX}\nobjectClass: organizationalUnit\nou: groups\n`,
  person("tocsin", "Tocsin Service"),
  person("alice", "Alice Ldap"),
  person("bob", "Bob Ldap"),
  person("carol", "Carol Ldap"),
  group("sre", ["alice", "bob"]),
  group("dba", ["alice"]),
].join("\n");

Deno.test("sso ldap - filter values are escaped", () => {
  assert.equal(escapeFilterValue("a*)(uid=*"), "a\\2a\\29\\28uid=\\2a");
  assert.equal(escapeFilterValue("back\\slash\0"), "back\\5cslash\\00");
});

Deno.test({
  name:
    "sso ldap - sign-in binds, searches and maps groups to teams; the sync takes access from disabled and removed accounts",
  ignore: !Deno.env.get("CI") && !hasSlapd,
  fn: async () => {
    await using ldap = await startSlapd(LDIF);
    const clock = new ManualClock();
    await using srv = await startServer({ clock, config: { timerSweepMs: 0 } });
    const { client: admin } = await adminClient(srv);
    const sre = (await admin.post("/api/v1/teams", { name: "SRE" })).json.team;
    const dba = (await admin.post("/api/v1/teams", { name: "DBA" })).json.team;
    const saved = await admin.request("PUT", "/api/v1/sso/settings", {
      oidc: null,
      ldap: {
        enabled: true,
        label: "Corp directory",
        url: ldap.url,
        startTls: false,
        bindDn: `uid=tocsin,ou=people,${SUFFIX}`,
        bindPassword: "tocsin-pw",
        baseDn: SUFFIX,
        userFilter: "(&(objectClass=inetOrgPerson)(uid={username})(!(employeeType=disabled)))",
        groupFilter: "(&(objectClass=groupOfNames)(member={dn}))",
        emailAttr: "mail",
        nameAttr: "cn",
        groupNameAttr: "cn",
        jit: true,
        groupMappings: [
          { group: "sre", teamId: sre.id, role: "member" },
          { group: `cn=dba,ou=groups,${SUFFIX}`, teamId: dba.id, role: "admin" },
        ],
      },
    });
    assert.equal(saved.status, 200, JSON.stringify(saved.json));
    assert.equal(saved.json.ldap.bindPasswordSet, true);
    assert.equal(saved.json.ldap.bindPassword, undefined);
    assert.deepEqual((await new Client(srv.url).get("/api/v1/sso")).json, {
      oidc: null,
      ldap: { label: "Corp directory" },
    });

    const login = async (username: string, password: string) => {
      const c = new Client(srv.url);
      const r = await c.post("/api/v1/sso/ldap/session", { username, password });
      return { c, r };
    };
    // A wrong password, an unknown person, and a filter injection are all the same 401.
    assert.equal((await login("alice", "wrong")).r.status, 401);
    assert.equal((await login("nobody", "x")).r.status, 401);
    assert.equal((await login("*", "alice-pw")).r.status, 401);
    assert.equal(await getUserByEmail(srv.kv, "alice@corp.test"), null);

    const alice = await login("alice", "alice-pw");
    assert.equal(alice.r.status, 200, JSON.stringify(alice.r.json));
    assert.equal(alice.r.json.user.name, "Alice Ldap");
    const bob = await login("bob", "bob-pw");
    const carol = await login("carol", "carol-pw");
    assert.equal(bob.r.status, 200);
    assert.equal(carol.r.status, 200);
    const role = async (teamId: string, email: string) => {
      const u = (await getUserByEmail(srv.kv, email))!;
      return (await srv.kv.get<{ role: string }>(keys.teamMember(teamId, u.id))).value?.role ??
        null;
    };
    assert.equal(await role(sre.id, "alice@corp.test"), "member");
    assert.equal(await role(dba.id, "alice@corp.test"), "admin");
    assert.equal(await role(sre.id, "bob@corp.test"), "member");
    assert.equal(await role(dba.id, "bob@corp.test"), null);
    assert.equal(await role(sre.id, "carol@corp.test"), null);

    // The directory changes: bob is disabled, carol leaves, alice leaves the DBA group.
    const dir = await ldap.admin();
    await dir.modify(
      `uid=bob,ou=people,${SUFFIX}`,
      new Change({
        operation: "add",
        modification: new Attribute({ type: "employeeType", values: ["disabled"] }),
      }),
    );
    await dir.del(`uid=carol,ou=people,${SUFFIX}`);
    await dir.modify(
      `cn=dba,ou=groups,${SUFFIX}`,
      new Change({
        operation: "replace",
        modification: new Attribute({ type: "member", values: [`uid=tocsin,ou=people,${SUFFIX}`] }),
      }),
    );
    await dir.unbind();

    // Nothing changes before the sync is due; the periodic sync (a durable timer) then runs.
    assert.equal((await bob.c.get("/api/v1/me")).status, 200);
    clock.advance(DEFAULT_LDAP_SYNC_MS);
    await srv.core.timers.sweep();

    assert.equal((await bob.c.get("/api/v1/me")).status, 401, "bob's session ended");
    assert.equal((await carol.c.get("/api/v1/me")).status, 401, "carol's session ended");
    assert.equal((await alice.c.get("/api/v1/me")).status, 200, "alice keeps hers");
    assert.equal((await getUserByEmail(srv.kv, "bob@corp.test"))!.disabled, true);
    assert.equal(await role(dba.id, "alice@corp.test"), null, "alice left the DBA team");
    assert.equal(await role(sre.id, "alice@corp.test"), "member");
    assert.equal((await login("bob", "bob-pw")).r.status, 401, "bob cannot sign in again");
    assert.equal((await login("carol", "carol-pw")).r.status, 401);

    // The sync recorded what it did and scheduled the next one.
    const view = (await admin.get("/api/v1/sso/settings")).json;
    assert.equal(view.ldapLastSync.ok, true);
    assert.match(view.ldapLastSync.detail, /2 disabled/);
    const s = (await srv.kv.get<{ ldapTimerId: string }>(keys.ssoSettings())).value!;
    const next = (await srv.kv.get<{ dueAt: number }>(keys.timer(s.ldapTimerId))).value;
    assert.equal(next?.dueAt, clock.now() + DEFAULT_LDAP_SYNC_MS);

    // Turning LDAP off cancels the timer.
    await admin.request("PUT", "/api/v1/sso/settings", { oidc: null, ldap: null });
    assert.equal((await srv.kv.get(keys.timer(s.ldapTimerId))).value, null);
  },
});
